"""Step-up over the API: the proof a sensitive change takes, and the code that gives one."""

from __future__ import annotations

from ninja import Field, Router, Status
from pydantic import ConfigDict

from metavast.accounts.api._common import PRIVATE, DetailOut, _user, errors
from metavast.accounts.api_auth import token_or_session
from metavast.accounts.errors import AccountLocked, StepUpRequired
from metavast.accounts.models import CodePurpose, User
from metavast.accounts.services import auth, sessions
from metavast.accounts.services.codes import code_request, code_verify
from metavast.core.clientip import request_ip
from metavast.core.errors import NotFound
from metavast.core.schemas import InputSchema, SecretText

router = Router()


class StepUpProof(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "123456"}]})

    password: SecretText | None = Field(None, max_length=4096, description="گذرواژهٔ فعلی")
    code: str | None = Field(None, max_length=12, description="کد تازهٔ /me/stepup/code")


def _stepup(request, user: User, proof: StepUpProof) -> None:
    """Password, a fresh step-up code, or a fresh web step-up; else StepUpRequired."""
    web = getattr(request, "app_session", None) is None and hasattr(request, "session")
    if web and sessions.stepup_is_fresh(request):
        return
    if proof.password:
        try:
            found = auth.signin_with_password(
                request=request, identifier=user.email or user.mobile, password=proof.password
            )
        except AccountLocked:
            request.axes_locked_out = False  # our JSON 429, not axes' HTML page
            raise
        if found.pk == user.pk:
            return
    elif proof.code and user.confirmed_mobile:
        code_verify(mobile=user.confirmed_mobile, purpose=CodePurpose.STEPUP, code=proof.code)
        return
    raise StepUpRequired()


@router.post(
    "/me/stepup/code",
    auth=token_or_session,
    response={202: DetailOut, **errors(*PRIVATE)},
    summary="کد تأیید هویت به تلفن همراه تأییدشده",
    operation_id="accounts_request_stepup_code",
)
def stepup_code_endpoint(request):
    user = _user(request)
    if not user.confirmed_mobile:
        raise NotFound("تلفن همراه تأییدشده‌ای ثبت نشده است.")
    code_request(
        mobile=user.confirmed_mobile, purpose=CodePurpose.STEPUP, ip=request_ip(request), actor=user
    )
    return Status(202, {"detail": "کد به تلفن همراه تأییدشده فرستاده شد."})
