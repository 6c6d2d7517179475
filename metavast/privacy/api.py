"""The privacy centre over the API: ask for a copy of my data, erase my account, cancel.

Both requests take the same step-up proof as other sensitive account changes (password, a
fresh code from /accounts/me/stepup/code, or a fresh web step-up). The copy itself is never
sent over the API: its one-time link goes to the confirmed contacts and opens in the signed-in
web account, like the link built for a staff-made request.
"""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema, Status

from metavast.accounts.api._common import PRIVATE, _user, errors
from metavast.accounts.api.stepup import StepUpProof, _stepup
from metavast.accounts.api_auth import token_or_session
from metavast.privacy.models import DataCopy, ErasureRequest
from metavast.privacy.services import erasure
from metavast.privacy.services import export as export_service

router = Router(tags=["privacy"])


class CopyOut(Schema):
    id: int
    status: str
    status_label: str
    requested_at: dt.datetime
    expires_at: dt.datetime | None
    by_staff: bool


class ErasureOut(Schema):
    pending: bool
    due_at: dt.datetime | None
    blocked_code: str | None
    blocked_reason: str | None
    grace_days: int
    kept: list[str]


def _copy(row: DataCopy) -> dict:
    return {
        "id": row.pk,
        "status": row.status,
        "status_label": row.get_status_display(),
        "requested_at": row.requested_at,
        "expires_at": row.expires_at,
        "by_staff": row.requested_by_id is not None,
    }


def _erasure(user) -> dict:
    pending = ErasureRequest.objects.pending().filter(user=user).first()
    blocker = None if pending else erasure.erasure_blocker(user)
    return {
        "pending": pending is not None,
        "due_at": pending.due_at if pending else None,
        "blocked_code": blocker.code if blocker else None,
        "blocked_reason": str(blocker.message) if blocker else None,
        "grace_days": erasure.grace_days(),
        "kept": erasure.kept_items(),
    }


@router.get(
    "/me/data-copies",
    auth=token_or_session,
    response={200: list[CopyOut], **errors(*PRIVATE)},
    summary="بسته‌های داده‌های من (وضعیت، نه خود پرونده)",
    operation_id="privacy_list_data_copies",
)
def data_copies_endpoint(request):
    rows = DataCopy.objects.for_user(_user(request)).order_by("-requested_at")[:20]
    return Status(200, [_copy(row) for row in rows])


@router.post(
    "/me/data-copies",
    auth=token_or_session,
    response={202: CopyOut, **errors(*PRIVATE)},
    summary="درخواست بستهٔ داده‌های من (پیوند به تماس‌های تأییدشده می‌رود)",
    operation_id="privacy_request_data_copy",
)
def data_copy_request_endpoint(request, proof: StepUpProof):
    user = _user(request)
    _stepup(request, user, proof)
    row = export_service.export_request(user=user, actor=user)
    return Status(202, _copy(row))


@router.get(
    "/me/erasure",
    auth=token_or_session,
    response={200: ErasureOut, **errors(*PRIVATE)},
    summary="وضعیت حذف حساب",
    operation_id="privacy_get_erasure",
)
def erasure_endpoint(request):
    return Status(200, _erasure(_user(request)))


@router.post(
    "/me/erasure",
    auth=token_or_session,
    response={202: ErasureOut, **errors(*PRIVATE)},
    summary="درخواست حذف حساب (با مهلت انصراف)",
    operation_id="privacy_request_erasure",
)
def erasure_request_endpoint(request, proof: StepUpProof):
    user = _user(request)
    _stepup(request, user, proof)
    erasure.erasure_request(user=user)
    return Status(202, _erasure(user))


@router.delete(
    "/me/erasure",
    auth=token_or_session,
    response={200: ErasureOut, **errors(*PRIVATE)},
    summary="لغو درخواست حذف حساب",
    operation_id="privacy_cancel_erasure",
)
def erasure_cancel_endpoint(request):
    user = _user(request)
    erasure.erasure_cancel(user=user)
    return Status(200, _erasure(user))
