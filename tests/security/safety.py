# SPDX-License-Identifier: AGPL-3.0-or-later
"""What a safe response looks like: headers, and HTML/XML/JSON with no live payload.

HTML is judged by parsing it the way a browser tokenizes it (html.parser):
a payload that escaped escaping shows up as a tag or an attribute, whatever
it was spelled like in the mail. Escaped payloads are only text, and text
is fine.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import unquote

__all__ = [
    "SECURITY_HEADERS",
    "assert_headers",
    "assert_safe_download_name",
    "assert_safe_html",
    "assert_safe_json",
    "assert_safe_xml",
    "html_text",
]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
# Tags no page of ours (nor the admin, nor DRF) ever writes.
# (The admin draws <svg> icons; an injected one is caught by its on* attribute.)
_FORBIDDEN_TAGS = {"iframe", "frame", "object", "embed", "math", "base", "applet"}
_URL_ATTRS = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "srcset"}
_BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


def _scheme_text(value: str) -> str:
    # Browsers drop blanks and control characters inside a scheme ("java\tscript:").
    decoded = unquote(value)
    return re.sub(r"[\x00-\x20]+", "", decoded).lower()


def _same_origin(url: str) -> bool:
    """A path on this site (static files, the admin's jsi18n), never another host."""
    return url.startswith("/") and not url.startswith(("//", "/\\"))


class _Auditor(HTMLParser):
    def __init__(self, *, allow_style: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.allow_style = allow_style
        self.problems: list[str] = []
        self.text: list[str] = []
        self._script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"
        if tag in _FORBIDDEN_TAGS:
            self.problems.append(f"forbidden tag {where}")
        if tag == "script":
            src, kind = values.get("src", ""), values.get("type", "")
            if not _same_origin(src) and kind != "application/json":
                self.problems.append(f"inline or foreign script {where}")
            self._script = kind
        if tag == "img" and not _same_origin(values.get("src", "")):
            self.problems.append(f"image from elsewhere {where}")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {where}")
            if name == "style" and not self.allow_style:
                self.problems.append(f"style attribute (refused by the CSP) {where}")
            # The empty favicon in base.html is the one data: URL we write.
            favicon = tag == "link" and value == "data:,"
            if name in _URL_ATTRS and _scheme_text(value).startswith(_BAD_SCHEMES) and not favicon:
                self.problems.append(f"dangerous URL {where}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None and data.strip() and self._script != "application/json":
            self.problems.append(f"inline script code {data[:80]!r}")
        self.text.append(data)


def _audit(html: str, *, allow_style: bool = False) -> _Auditor:
    auditor = _Auditor(allow_style=allow_style)
    auditor.feed(html)
    auditor.close()
    return auditor


def html_text(html: str) -> str:
    """The page's text as a reader sees it (entities decoded)."""
    return "".join(_audit(html, allow_style=True).text)


def assert_safe_html(html: str, where: str, *, allow_style: bool = False) -> None:
    problems = _audit(html, allow_style=allow_style).problems
    # A raw marker as a last resort: a payload the parser tolerated as text
    # (say inside <textarea>) still must not be there unescaped.
    for marker in ("<script>alert", "<img src=x", "<svg/onload", "<iframe src=javascript"):
        if marker in html:
            problems.append(f"raw {marker!r} in the markup")
    assert not problems, f"{where}:\n  " + "\n  ".join(problems)


def assert_safe_xml(body: bytes, where: str) -> ET.Element:
    """Well-formed XML whose HTML-typed Atom content is itself safe HTML."""
    root = ET.fromstring(body)
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] in {"script", "iframe"}:
            raise AssertionError(f"{where}: element {element.tag}")
        if element.get("type") in ("html", "xhtml") and element.text:
            # A feed reader renders this as HTML once the XML is decoded.
            assert_safe_html(element.text, f"{where} <{element.tag} type=html>")
        for name, value in element.attrib.items():
            if name == "href" and _scheme_text(value).startswith(_BAD_SCHEMES):
                raise AssertionError(f"{where}: dangerous link {value!r}")
    return root


def assert_safe_json(response, where: str) -> object:
    assert response["Content-Type"].startswith("application/json"), (
        f"{where}: {response['Content-Type']}"
    )
    return json.loads(response.content)


def assert_headers(response, where: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.get(name) == value, f"{where}: {name} is {response.get(name)!r}"
    policy = response.get("Content-Security-Policy", "")
    script = next((d for d in policy.split(";") if d.strip().startswith("script-src")), "")
    assert "'self'" in script, f"{where}: CSP {policy!r}"
    assert "unsafe-inline" not in script and "unsafe-eval" not in script, f"{where}: {policy!r}"
    assert "frame-ancestors 'none'" in policy, f"{where}: {policy!r}"


_SAFE_DISPOSITION = re.compile(r'^(attachment|inline); filename="?([A-Za-z0-9._@-]+)"?$')


def assert_safe_download_name(response, where: str) -> str:
    """A Content-Disposition whose file name cannot break the header or a path."""
    value = response.get("Content-Disposition", "")
    match = _SAFE_DISPOSITION.fullmatch(value)
    assert match, f"{where}: unsafe Content-Disposition {value!r}"
    name = match.group(2)
    assert name not in (".", "..") and not name.startswith("."), f"{where}: {name!r}"
    return name
