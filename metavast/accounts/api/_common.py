"""What several account API flows share: the error answers, the field rules, the caller."""

from __future__ import annotations

from ninja import Field, Schema

from metavast.accounts.models import User, UserSession
from metavast.accounts.services import sessions
from metavast.core.schemas import ErrorOut


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    return dict.fromkeys(codes, ErrorOut)


PUBLIC = (400, 422, 429, 503)
PRIVATE = (400, 401, 403, 404, 409, 422, 429, 503)

Mobile = Field(..., max_length=64, description="هر نگارشی: ۰۹۱۲…، 0098912…، +98 912…")
Code = Field(..., max_length=12, description="کد شش‌رقمی (رقم فارسی هم پذیرفته است)")
Password = Field(..., max_length=4096)  # typed SecretText: never shown, not checked


class DetailOut(Schema):
    detail: str


def _current_session(request) -> UserSession | None:
    row = getattr(request, "app_session", None)
    return row if row is not None else sessions.current_web_session(request)


def _user(request) -> User:
    return User.objects.get(pk=request.auth.pk)
