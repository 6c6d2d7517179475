"""What every app's API shares: the one error shape, and the base of every input schema.

Apps import these from here, never from ``config``: the project's configuration package
builds the ``NinjaAPI`` and mounts the routers, and nothing below it reaches back up.

``InputSchema`` is to the API what ``metavast.core.validators.install_form_check`` is to web
forms: every text an app receives passes the plain-text check (no control, bidi or invisible
characters) without the schema naming it. A field is single-line unless typed
``MultilineText``; a ``SecretText`` (a password) and a ``SearchText`` (normalised, which drops
those characters, before it is used) are not checked. A test walks the mounted
routers and fails when a request schema does not derive from ``InputSchema``.
"""

from __future__ import annotations

import enum
import typing
from typing import Annotated, Any

from ninja import Schema
from pydantic import ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from metavast.core.validators import plain_text_error


class ErrorOut(Schema):
    """The one shape of every 4xx answer."""

    code: str
    message: str
    fields: dict[str, list[str]] = {}


class TextKind(enum.Enum):
    """How ``InputSchema`` checks a text field; put it in ``Annotated[str, ...]``."""

    MULTILINE = "multiline"  # line breaks and tabs allowed
    SECRET = "secret"  # a password: never shown again, so not checked
    QUERY = "query"  # a search query: normalised before use, never stored or shown as typed


MultilineText = Annotated[str, TextKind.MULTILINE]
SecretText = Annotated[str, TextKind.SECRET]
SearchText = Annotated[str, TextKind.QUERY]
_UNCHECKED = frozenset({TextKind.SECRET, TextKind.QUERY})


def _kinds(annotation: Any) -> set[TextKind]:
    """Every ``TextKind`` found anywhere in a (possibly nested) type annotation."""
    found: set[TextKind] = set()
    for arg in typing.get_args(annotation):
        if isinstance(arg, TextKind):
            found.add(arg)
        else:
            found |= _kinds(arg)
    return found


def _check(value: Any, *, multiline: bool) -> None:
    # Nested schemas derive from InputSchema and checked their own fields already.
    error = plain_text_error(value, multiline=multiline)
    if error is not None:
        message = error.message % error.params if error.params else error.message
        raise PydanticCustomError(error.code, str(message))


class InputSchema(Schema):
    """The base of every request schema (body, query, form): plain text only."""

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        kinds: set[TextKind] = set()
        if field is not None:
            kinds = _kinds(field.annotation)
            kinds.update(m for m in field.metadata if isinstance(m, TextKind))
        if not kinds & _UNCHECKED:
            _check(value, multiline=TextKind.MULTILINE in kinds)
        return value
