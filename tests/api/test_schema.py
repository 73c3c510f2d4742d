"""``/api/schema/`` is OpenAPI 3, and real responses conform to it."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest

from tests.api.conftest import V1_PATCH1, patch_id


@pytest.fixture
def schema(client, db) -> dict[str, Any]:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    return document


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: ``nullable`` becomes a null alternative,
    and objects allow no properties the document does not list."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if out.get("type") == "object" and "properties" in out:
        out.setdefault("additionalProperties", False)
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def _operation_schema(document: dict[str, Any], url: str, method: str = "get") -> dict[str, Any]:
    for template, item in document["paths"].items():
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, url) and method in item:
            responses = item[method]["responses"]
            content = next(v for k, v in responses.items() if k.startswith("2"))["content"]
            return content["application/json"]["schema"]
    raise AssertionError(f"{method} {url} is not in the schema")


def _validate(document: dict[str, Any], url: str, body: Any, method: str = "get") -> None:
    target = {
        **_json_schema(_operation_schema(document, url, method)),
        "components": _json_schema(document["components"]),
    }
    jsonschema.validate(body, target)


def test_schema_describes_every_resource(schema):
    paths = set(schema["paths"])
    for resource in ("patches", "covers", "series", "projects", "people", "users", "events",
                     "bundles"):  # fmt: skip
        assert f"/api/{resource}/" in paths
    assert "/api/patches/{id}/checks/" in paths and "/api/covers/{id}/comments/" in paths


def test_read_responses_conform(client, schema, accounts, toy):
    from reviews import services
    from reviews.models import Patch, State

    patch = Patch.objects.get(message__msgid=V1_PATCH1)
    toy.check_reporters.add(accounts.other)
    services.create_check(accounts.other, patch, state="success", context="ci")
    services.update_patch(accounts.maintainer, patch, state=State.objects.get(slug="accepted"),
                          delegate=accounts.maintainer, commit_ref="abc")  # fmt: skip
    bundle = services.create_bundle(accounts.maintainer, "b", [patch], public=True)
    cover_id = patch.series.cover.id
    urls = [
        "/api/", "/api/projects/", f"/api/projects/{toy.id}/", "/api/people/", "/api/users/",
        f"/api/users/{accounts.maintainer.id}/", "/api/patches/", f"/api/patches/{patch.id}/",
        f"/api/patches/{patch.id}/comments/", f"/api/patches/{patch.id}/checks/",
        "/api/covers/", f"/api/covers/{cover_id}/", f"/api/covers/{cover_id}/comments/",
        "/api/series/", f"/api/series/{patch.series_id}/", "/api/events/", "/api/bundles/",
        f"/api/bundles/{bundle.id}/",
    ]  # fmt: skip
    client.force_login(accounts.maintainer)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        _validate(schema, url, response.json())
    # The check has teeth: a missing or an undocumented field fails it.
    rows = client.get("/api/patches/").json()
    for broken in ({k: v for k, v in rows[0].items() if k != "state"}, {**rows[0], "extra": 1}):
        with pytest.raises(jsonschema.ValidationError):
            _validate(schema, "/api/patches/", [broken])


def test_write_responses_conform(api, schema, accounts):
    api.credentials(HTTP_AUTHORIZATION=f"Token {accounts.maintainer_token}")
    pk = patch_id(V1_PATCH1)
    url = f"/api/patches/{pk}/"
    updated = api.patch(url, {"state": "accepted", "archived": "1"}, format="json")
    _validate(schema, url, updated.json(), "patch")
    checks = f"/api/patches/{pk}/checks/"
    created = api.post(checks, {"state": "fail", "context": "x"}, format="json")
    _validate(schema, checks, created.json(), "post")
    bundle = api.post("/api/bundles/", {"name": "n", "patches": [pk]}, format="json")
    _validate(schema, "/api/bundles/", bundle.json(), "post")
