"""Download my data (issue 11, item 3): one ZIP of the customer's own data, handed over once.

Flow. `export_request` (after step-up, or by staff with the customer's written request and
the permission privacy.export_for_customer) writes a PENDING row and queues the build task.
`export_build` (the task) collects the data, zips `data.json` + `README.json` (what each field
means) + `index.html` (the same, readable, in Persian), seals the ZIP in the
private storage under privacy/ (metavast.core.private_files), mints a random token, stores only
its SHA-256, and sends the one-time link to the customer's confirmed contacts (never to the
staff member who asked: P8). `export_download` hands the file over once, for the signed-in
owner of the token only, and destroys it after commit; `exports_expire` (periodic) closes the
windows that passed and destroys their files. Every step is audited with no personal data in
the audit row.

What is in it. Everything in the shop that is the customer's own: profile and confirmed
contacts, saved addresses, orders with their lines and delivery details, invoices (metadata),
payments (no gateway secrets: no authority, no redirect URL), sessions, consents, reviews and
questions, and the audit events about their own account (what and when, never which staff
member). An order sent to someone else carries that person's name, mobile and address: we
include them, because they are what this customer typed for their own order and the export
returns it only to them (not a new use of that person's data, P4); once the receiver has been
erased by retention the fields are empty and the export says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import secrets
import zipfile

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from metavast.accounts.models import User
from metavast.audit.labels import ACTION_LABELS
from metavast.audit.models import AuditEvent
from metavast.audit.services import audit_record
from metavast.core import private_files
from metavast.core.jalali import format_jalali_datetime
from metavast.core.queue import task_queue
from metavast.invoices.models import Invoice
from metavast.notifications.services.outbox import notify
from metavast.orders.models import Order
from metavast.payments.models import Payment
from metavast.privacy.models import DataCopy, ExportStatus
from metavast.privacy.services.errors import (
    ExportAlreadyDownloaded,
    ExportAlreadyPending,
    ExportExpired,
    ExportNotFound,
    ExportNotReady,
    ExportPermissionDenied,
    ExportReasonRequired,
)

logger = logging.getLogger(__name__)

PERM_EXPORT_FOR_CUSTOMER = "privacy.export_for_customer"
BUILD_TASK = "metavast.privacy.tasks.build_data_export"
MIN_REASON_LENGTH = 10
FORMAT_VERSION = 1


def _hours() -> int:
    return int(getattr(settings, "PRIVACY_EXPORT_HOURS", 24))


# --- The data ---------------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def _profile(user: User) -> dict:
    return {
        "customer_id": user.pk,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.confirmed_email,
        "mobile": user.confirmed_mobile,
        "landline": user.landline or None,
        "national_code": user.national_code or None,
        "date_joined": _iso(user.date_joined),
    }


def _address(record) -> dict:
    return {
        "province": record.province,
        "city": record.city,
        "street": record.street,
        "alley": record.alley,
        "plaque": record.plaque,
        "unit": record.unit,
        "postal_code": record.postal_code,
    }


def _receiver(record) -> dict:
    if record.receiver_is_self:
        return {"is_self": True}
    return {
        "is_self": False,
        "first_name": record.receiver_first_name,
        "last_name": record.receiver_last_name,
        "mobile": record.receiver_mobile,
    }


def _addresses(user: User) -> list[dict]:
    return [
        {
            "label": a.label,
            **_address(a),
            "receiver": _receiver(a),
            "is_default": a.is_default,
            "created_at": _iso(a.created_at),
        }
        for a in user.addresses.order_by("pk")
    ]


def _orders(user: User) -> list[dict]:
    orders = Order.objects.filter(user=user).order_by("pk").prefetch_related("lines")
    return [
        {
            "number": order.number,
            "status": order.status,
            "status_label": order.get_status_display(),
            "placed_at": _iso(order.placed_at),
            "paid_at": _iso(order.paid_at),
            "shipped_at": _iso(order.shipped_at),
            "delivered_at": _iso(order.delivered_at),
            "cancelled_at": _iso(order.cancelled_at),
            "payment_method": order.payment_method,
            "shipping_method": order.shipping_method_name,
            "tracking_code": order.tracking_code,
            "subtotal_rials": order.subtotal,
            "shipping_rials": order.shipping_cost,
            "vat_rials": order.vat,
            "total_rials": order.total,
            "delivery_address": _address(order),
            "receiver": _receiver(order),
            "receiver_erased_at": _iso(order.receiver_erased_at),
            "lines": [
                {
                    "sku": line.sku,
                    "title": line.title,
                    "quantity": line.quantity,
                    "unit_price_rials": line.unit_price,
                    "line_total_rials": line.line_total,
                }
                for line in order.lines.order_by("pk")
            ],
        }
        for order in orders
    ]


def _invoices(user: User) -> list[dict]:
    invoices = Invoice.objects.filter(order__user=user).select_related("order").order_by("pk")
    return [
        {
            "kind": invoice.kind,
            "number": invoice.display_number,
            "tax_id": invoice.tax_id,
            "order_number": invoice.order.number,
            "issued_at": _iso(invoice.issued_at),
            "total_rials": invoice.total,
        }
        for invoice in invoices
    ]


def _payments(user: User) -> list[dict]:
    payments = Payment.objects.filter(order__user=user).select_related("order").order_by("pk")
    # No gateway authority, redirect URL or error text: those are the gateway's, not yours.
    return [
        {
            "order_number": payment.order.number,
            "gateway": payment.gateway,
            "amount_rials": payment.amount,
            "status": payment.status,
            "ref_id": payment.ref_id,
            "card_pan_masked": payment.card_pan,
            "created_at": _iso(payment.created_at),
            "paid_at": _iso(payment.paid_at),
        }
        for payment in payments
    ]


def _sessions(user: User) -> list[dict]:
    return [
        {
            "kind": s.kind,
            "device": s.device,
            "user_agent": s.user_agent,
            "ip": s.ip,
            "started_at": _iso(s.created_at),
            "last_seen_at": _iso(s.last_seen_at),
            "ended_at": _iso(s.revoked_at),
        }
        for s in user.signed_in_sessions.order_by("pk")
    ]


_SKIPPED_COLUMNS = frozenset({"id", "user", "author", "moderated_by", "edited_by", "product"})


def _plain(value):
    if isinstance(value, dt.datetime):
        return _iso(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)


def _own_rows(app_label: str, owner_fields: tuple[str, ...], user: User) -> dict[str, list]:
    """Every row of `app_label`'s models that points at `user` through one of `owner_fields`.

    Generic on purpose: the consent and reviews apps are being built alongside this export,
    and a column they add must reach the customer without a change here."""
    try:
        config = apps.get_app_config(app_label)
    except LookupError:
        return {}
    result: dict[str, list] = {}
    for model in config.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        owner = next((f for f in owner_fields if f in names), None)
        if owner is None:
            continue
        fields = [
            f
            for f in model._meta.concrete_fields
            if f.name not in _SKIPPED_COLUMNS and not f.is_relation
        ]
        rows = []
        for row in model._default_manager.filter(**{owner: user}).order_by("pk"):
            item = {f.name: _plain(getattr(row, f.name)) for f in fields}
            if "product" in names and getattr(row, "product_id", None):
                item["product"] = str(row.product)
            rows.append(item)
        if rows:
            result[model._meta.model_name] = rows
    return result


def _audit_events(user: User) -> list[dict]:
    """What happened to their own account: the action and when, never who on the staff."""
    events = AuditEvent.objects.filter(
        Q(subject_type="accounts.user", subject_id=str(user.pk)) | Q(actor_id=user.pk)
    ).order_by("pk")
    return [
        {
            "action": e.action,
            "action_label": ACTION_LABELS.get(e.action, e.action),
            "at": _iso(e.created_at),
            "by_you": e.actor_id == user.pk,
        }
        for e in events
    ]


def collect(user: User) -> dict:
    """The JSON document: this customer's data and nobody else's."""
    return {
        "format_version": FORMAT_VERSION,
        "profile": _profile(user),
        "addresses": _addresses(user),
        "orders": _orders(user),
        "invoices": _invoices(user),
        "payments": _payments(user),
        "sessions": _sessions(user),
        "consents": _own_rows("consent", ("user",), user),
        "reviews": _own_rows("reviews", ("author", "user"), user),
        "account_events": _audit_events(user),
    }


# What each field of data.json means; README.json in the ZIP. A test checks that every key of
# data.json is described here, so the document and its description cannot drift apart.
FIELDS: dict[str, str] = {
    "format_version": "نسخهٔ قالب این پرونده (عدد).",
    "generated_at": "زمان ساخت بسته (ISO 8601، UTC).",
    "profile": "نمایهٔ شما: شناسهٔ مشتری، نام، نام خانوادگی، ایمیل و تلفن همراه تأییدشده، "
    "تلفن ثابت، کد ملی، زمان عضویت.",
    "addresses": "نشانی‌های دفترچهٔ نشانی: استان، شهر، خیابان، کوچه، پلاک، واحد، کد پستی، "
    "گیرنده (is_self: خودتان؛ وگرنه نام و تلفن همراهی که خودتان وارد کرده‌اید).",
    "orders": "سفارش‌ها: شماره، وضعیت، زمان‌ها، روش پرداخت و ارسال، مبالغ به ریال (*_rials)، "
    "نشانی تحویل، گیرنده و ردیف‌های کالا. گیرندهٔ دیگری که خودتان برای سفارشتان وارد کرده‌اید "
    "در همین سفارش آمده است؛ پس از دورهٔ نگهداری پاک می‌شود (receiver_erased_at).",
    "invoices": "فاکتورهای رسمی: نوع، شماره، شمارهٔ مالیاتی، سفارش، زمان صدور، مبلغ کل به ریال. "
    "پروندهٔ PDF هر فاکتور در صفحهٔ سفارش دریافت‌شدنی است.",
    "payments": "پرداخت‌ها: درگاه، مبلغ به ریال، وضعیت، شمارهٔ پیگیری، کارت پوشیده، زمان‌ها. "
    "شناسه‌ها و خطاهای درونی درگاه در بسته نیست.",
    "sessions": "نشست‌ها: نوع (مرورگر یا برنامه)، دستگاه، مرورگر، نشانی IP، آغاز، آخرین فعالیت، "
    "پایان.",
    "consents": "رضایت‌های شما (پیام تبلیغاتی، کوکی‌ها)، به تفکیک جدول، با زمان و نسخهٔ سیاست.",
    "reviews": "نظرها و پرسش‌های شما، به تفکیک جدول.",
    "account_events": "رویدادهای حساب شما: کد کار (action)، شرح فارسی، زمان، و اینکه خودتان "
    "انجامش داده‌اید یا نه. نام کارکنان نمی‌آید.",
}

README = {
    "title": "دادهٔ شما در {shop}",
    "files": {
        "data.json": "همهٔ داده‌ها، ماشین‌خوان (UTF-8، JSON).",
        "README.json": "همین شرح.",
        "index.html": "همان داده‌ها، خواندنی به فارسی.",
    },
    "conventions": {
        "times": "زمان‌ها به قالب ISO 8601 و به وقت UTC هستند؛ در index.html به تاریخ شمسی.",
        "money": "مبالغ عدد صحیح ریال هستند (هر تومان ده ریال).",
        "missing": "null یعنی چیزی ثبت نشده است.",
    },
}


def _readme(now: dt.datetime) -> dict:
    return {
        **README,
        "title": README["title"].format(shop=settings.SHOP_NAME),
        "generated_at": _iso(now),
        "fields": FIELDS,
    }


def _parse(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def render_html(document: dict, *, now: dt.datetime) -> str:
    def jt(value):
        parsed = _parse(value) if isinstance(value, str) else value
        return format_jalali_datetime(parsed) if parsed else "—"

    orders = [
        {**o, "placed_jalali": jt(o["placed_at"]), "delivered_jalali": jt(o["delivered_at"])}
        for o in document["orders"]
    ]
    return render_to_string(
        "privacy/export_document.html",
        {
            "doc": document,
            "orders": orders,
            "invoices": [{**i, "issued_jalali": jt(i["issued_at"])} for i in document["invoices"]],
            "payments": [
                {**p, "created_jalali": jt(p["created_at"])} for p in document["payments"]
            ],
            "sessions": [
                {**s, "started_jalali": jt(s["started_at"]), "last_jalali": jt(s["last_seen_at"])}
                for s in document["sessions"]
            ],
            "events": [{**e, "at_jalali": jt(e["at"])} for e in document["account_events"]],
            "joined": jt(document["profile"]["date_joined"]),
            "generated": jt(now),
            "shop_name": settings.SHOP_NAME,
        },
    )


def build_zip(user: User, *, now: dt.datetime) -> bytes:
    document = collect(user)
    document["generated_at"] = _iso(now)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
        )
        archive.writestr(
            "README.json", json.dumps(_readme(now), ensure_ascii=False, indent=2, sort_keys=True)
        )
        archive.writestr("index.html", render_html(document, now=now))
    return buffer.getvalue()


# --- Storage ----------------------------------------------------------------------------


def storage_name(export: DataCopy) -> str:
    """The package's name in the private storage (what `file_name` keeps)."""
    return f"privacy/export-{export.pk}.zip"


def _store(export: DataCopy, data: bytes) -> str:
    return private_files.write_sealed(storage_name(export), data)


def _read(export: DataCopy) -> bytes:
    return private_files.read_sealed(export.file_name)


def destroy_file(export: DataCopy) -> bool:
    """Delete the stored ZIP; True if there was one."""
    if not export.file_name:
        return False
    return private_files.delete(export.file_name)


def _destroy_on_commit(export: DataCopy) -> None:
    # The file goes only once the status that says it is gone has committed.
    transaction.on_commit(lambda: destroy_file(export))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "ignore")).hexdigest()


def download_path(token: str) -> str:
    return reverse("privacy:export_download", args=[token])


# --- Services ---------------------------------------------------------------------------


def export_request(
    *, user: User, actor: User, reason: str = "", now: dt.datetime | None = None
) -> DataCopy:
    """Ask for a package of `user`'s data: by the customer (after step-up; the view checks it)
    or by staff with privacy.export_for_customer and the written request's reference."""
    now = now or timezone.now()
    by_staff = actor.pk != user.pk
    reason = (reason or "").strip()
    if by_staff:
        if not (actor.is_active and actor.is_staff and actor.has_perm(PERM_EXPORT_FOR_CUSTOMER)):
            raise ExportPermissionDenied()
        if len(reason) < MIN_REASON_LENGTH:
            raise ExportReasonRequired()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time
        if DataCopy.objects.for_user(user).filter(status=ExportStatus.PENDING).exists():
            raise ExportAlreadyPending()
        export = DataCopy.objects.create(
            user=user,
            requested_by=actor if by_staff else None,
            reason=reason if by_staff else "",
            requested_at=now,
        )
        audit_record(
            action="privacy.export_requested_by_staff" if by_staff else "privacy.export_requested",
            actor=actor,
            subject=export,
            # The reason itself stays encrypted on the row; the audit row says one was given.
            after={"customer_id": user.pk, "reason_recorded": bool(reason) if by_staff else None},
        )
        transaction.on_commit(lambda: task_queue(BUILD_TASK, export.pk))
    return export


def export_build(*, export_id: int, now: dt.datetime | None = None) -> DataCopy | None:
    """Build, seal and store the package, then send the one-time link (the task calls this).
    A row no longer pending (built already) is left alone."""
    now = now or timezone.now()
    with transaction.atomic():
        export = DataCopy.objects.lock().filter(pk=export_id).select_related("user").first()
        if export is None or export.status != ExportStatus.PENDING:
            return export
        data = build_zip(export.user, now=now)
        token = secrets.token_urlsafe(32)
        export.file_name = _store(export, data)
        export.file_sha256 = hashlib.sha256(data).hexdigest()
        export.token_sha256 = token_digest(token)
        export.status = ExportStatus.READY
        export.ready_at = now
        export.expires_at = now + dt.timedelta(hours=_hours())
        export.save(
            update_fields=[
                "file_name",
                "file_sha256",
                "token_sha256",
                "status",
                "ready_at",
                "expires_at",
            ]
        )
        path = download_path(token)
        messages = notify(
            user=export.user,
            template="privacy/export_ready",
            context={
                "link": f"{settings.SITE_URL}{path}" if settings.SITE_URL else path,
                "expires_at": export.expires_at,
                "hours": _hours(),
            },
        )
        audit_record(
            action="privacy.export_built",
            subject=export,
            after={"bytes": len(data), "messages": len(messages)},
        )
    return export


def export_download(*, token: str, user: User, now: dt.datetime | None = None) -> bytes:
    """The ZIP, once, for the signed-in owner of the link; the file is destroyed after commit.
    Someone else's token answers exactly like an unknown one."""
    now = now or timezone.now()
    with transaction.atomic():
        export = DataCopy.objects.lock().filter(token_sha256=token_digest(token)).first()
        if export is None or not token or export.user_id != user.pk:
            raise ExportNotFound()
        if export.status == ExportStatus.DOWNLOADED:
            raise ExportAlreadyDownloaded()
        if export.status == ExportStatus.EXPIRED:
            raise ExportExpired()
        if export.status != ExportStatus.READY:
            raise ExportNotReady()
        if export.expires_at is None or export.expires_at <= now:
            raise ExportExpired()  # the periodic job closes it and destroys the file
        data = _read(export)
        export.status = ExportStatus.DOWNLOADED
        export.downloaded_at = now
        export.closed_at = now
        export.save(update_fields=["status", "downloaded_at", "closed_at"])
        audit_record(action="privacy.export_downloaded", actor=user, subject=export)
        _destroy_on_commit(export)
    return data


def exports_expire(*, now: dt.datetime | None = None) -> int:
    """Close every download window that has passed and destroy its file (periodic job). It
    also builds packages whose build task was lost."""
    now = now or timezone.now()
    for export_id in DataCopy.objects.stuck_builds(now).values_list("pk", flat=True):
        export_build(export_id=export_id, now=now)
    expired = 0
    for export_id in DataCopy.objects.expired_links(now).values_list("pk", flat=True):
        with transaction.atomic():
            export = DataCopy.objects.lock().filter(pk=export_id).first()
            if export is None or export.status != ExportStatus.READY:
                continue
            if export.expires_at is None or export.expires_at > now:
                continue
            export.status = ExportStatus.EXPIRED
            export.closed_at = now
            export.save(update_fields=["status", "closed_at"])
            audit_record(action="privacy.export_expired", subject=export)
            _destroy_on_commit(export)
            expired += 1
    return expired
