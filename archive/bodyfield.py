# SPDX-License-Identifier: AGPL-3.0-or-later
"""A text field stored packed by the application (``Message.body``).

Its Python value is ``str``, as the text column's was: packed on the way in,
unpacked where the ORM reads it (``from_db_value``, annotations of it too),
so ORM readers of ``Message.body`` are unchanged. SQL written out reads the
packed bytes and unpacks them with ``archive.bodycodec.unpack_body``; it
cannot cut or search a body in SQL (``threadwork_body_octets(body)`` gives
its length in UTF-8 bytes).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from archive.bodycodec import pack_body, unpack_body

__all__ = ["PackedTextField"]


class PackedTextField(models.BinaryField):
    description = "Text packed with zstd (archive.bodycodec)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def _check_str_default_value(self) -> list:
        return []  # BinaryField's own check: a default of this field is text, packed on save

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if isinstance(value, str):
            value = pack_body(value)
        return super().get_db_prep_value(value, connection, prepared)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        return None if value is None else unpack_body(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, bytes | memoryview):
            return unpack_body(value)
        return value

    def value_to_string(self, obj: models.Model) -> str:
        return self.value_from_object(obj)
