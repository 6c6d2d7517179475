import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from metavast.audit.models import AuditEvent
from metavast.core import crypto
from metavast.core.text import to_persian_digits
from metavast.invoices.tests.factories import save_first_page_png
from metavast.legal import package
from metavast.legal.errors import (
    DisclosurePermissionDenied,
    DisclosureTransitionNotAllowed,
    FourEyesRequired,
    PackageAlreadyDownloaded,
    PackageExpired,
    PassphraseTooShort,
    ScopeInvalid,
)
from metavast.legal.models import DataCategory, DisclosureRequest, DisclosureStatus
from metavast.legal.services import (
    disclosure_approve,
    disclosure_package_download,
    disclosure_packages_expire,
    disclosure_reject,
    disclosure_submit,
    disclosure_withdraw,
)
from metavast.legal.tests.factories import make_officer, make_request
from metavast.notifications.models import OutboxMessage
from metavast.orders.tests.factories import (
    fill_cart,
    make_customer,
    make_variant,
    place,
    shop,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.django_db

PASSPHRASE = "correct-horse-battery-staple-42"


@pytest.fixture
def officers(db):
    return make_officer(first_name="مریم"), make_officer(first_name="حسین")


@pytest.fixture
def customers(shop):  # noqa: F811
    target = make_customer(first_name="رضا", last_name="کریمی")
    fill_cart(target, (make_variant(title="گوشی همراه"), 1))
    target_order = place(target)
    bystander = make_customer(first_name="نگار", last_name="امینی")
    fill_cart(bystander, (make_variant(title="کتاب"), 1))
    bystander_order = place(bystander)
    return target, target_order, bystander, bystander_order


def _approved_ready(officers, customers, django_capture_on_commit_callbacks, **kwargs):
    first, second = officers
    target = customers[0]
    request = make_request(officer=first, customers=[target.mobile], **kwargs)
    disclosure_submit(request_id=request.pk, actor=first)
    with django_capture_on_commit_callbacks(execute=True):
        disclosure_approve(request_id=request.pk, actor=second, note="حکم معتبر است")
    request.refresh_from_db()
    return request


def _open(content: bytes) -> tuple[dict, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(package.decrypt_from_transit(content, PASSPHRASE)))
    assert sorted(archive.namelist()) == ["cover-letter.pdf", "data.json"]
    return json.loads(archive.read("data.json")), archive.read("cover-letter.pdf")


def test_request_to_approval_to_download_to_customer_notice(
    officers, customers, django_capture_on_commit_callbacks, tmp_path
):
    first, _second = officers
    target, target_order, _bystander, bystander_order = customers

    request = _approved_ready(officers, customers, django_capture_on_commit_callbacks)

    # Built in the background after approval: sealed at rest, with a download window.
    assert request.status == DisclosureStatus.PACKAGE_READY
    stored = Path(settings.PRIVATE_STORAGE_ROOT) / request.package_name
    assert crypto.is_sealed(stored.read_bytes())
    hours = settings.LEGAL_PACKAGE_DOWNLOAD_HOURS
    assert request.package_expires_at - request.package_ready_at == dt.timedelta(hours=hours)

    with django_capture_on_commit_callbacks(execute=True):
        result = disclosure_package_download(
            request_id=request.pk, actor=first, passphrase=PASSPHRASE
        )
    document, cover = _open(result.content)

    # Exactly the scoped customer, exactly the scoped categories, nothing else.
    assert document["categories"] == ["identity", "orders"]
    assert [c["customer_id"] for c in document["customers"]] == [target.pk]
    (record,) = document["customers"]
    assert set(record) == {"customer_id", "identity", "orders"}
    assert record["identity"]["first_name"] == "رضا"
    assert [o["number"] for o in record["orders"]] == [target_order.number]
    text = json.dumps(document, ensure_ascii=False)
    for absent in (bystander_order.number, "نگار", target.mobile, target.email, "خیابان"):
        assert absent not in text
    assert cover.startswith(b"%PDF")
    pdf = tmp_path / "cover-letter.pdf"
    pdf.write_bytes(cover)
    save_first_page_png(pdf, "legal-cover-letter")  # to look at, when poppler is there
    assert result.sha256 == request.package_sha256

    # Downloaded once: the stored file is destroyed, the customer told on confirmed contacts.
    request.refresh_from_db()
    assert request.status == DisclosureStatus.DOWNLOADED
    assert request.downloaded_by == first and request.customers_notified_at is not None
    assert not stored.exists()
    told = OutboxMessage.objects.filter(template="legal/disclosed")
    assert sorted(told.values_list("channel", flat=True)) == ["email", "sms"]
    assert set(told.values_list("user_id", flat=True)) == {target.pk}

    actions = list(
        AuditEvent.objects.filter(subject_type="legal.disclosurerequest")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "legal.disclosure_created",
        "legal.disclosure_submitted",
        "legal.disclosure_approved",
        "legal.package_generated",
        "legal.package_downloaded",
        "legal.customers_notified",
    ]
    # No personal data in the audit trail.
    trail = json.dumps(list(AuditEvent.objects.values("before", "after")), ensure_ascii=False)
    assert "کریمی" not in trail and target.mobile not in trail and "۹۸۷۶" not in trail


def test_second_download_is_refused_and_changes_nothing(
    officers, customers, django_capture_on_commit_callbacks
):
    first, second = officers
    request = _approved_ready(officers, customers, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        disclosure_package_download(request_id=request.pk, actor=second, passphrase=PASSPHRASE)
    events = AuditEvent.objects.count()
    messages = OutboxMessage.objects.count()
    with pytest.raises(PackageAlreadyDownloaded) as error:
        disclosure_package_download(request_id=request.pk, actor=first, passphrase=PASSPHRASE)
    assert "یک بار" in str(error.value.message)
    request.refresh_from_db()
    assert request.status == DisclosureStatus.DOWNLOADED and request.downloaded_by == second
    assert AuditEvent.objects.count() == events and OutboxMessage.objects.count() == messages


def test_requester_can_never_approve_or_reject_their_own_request(officers, customers):
    first, _second = officers
    request = make_request(officer=first, customers=[str(customers[0].pk)])
    disclosure_submit(request_id=request.pk, actor=first)
    with pytest.raises(FourEyesRequired):
        disclosure_approve(request_id=request.pk, actor=first)
    with pytest.raises(FourEyesRequired):
        disclosure_reject(request_id=request.pk, actor=first, note="خودم")
    request.refresh_from_db()
    assert request.status == DisclosureStatus.AWAITING_APPROVAL and request.decided_by is None
    assert not AuditEvent.objects.filter(
        action__in=["legal.disclosure_approved", "legal.disclosure_rejected"]
    ).exists()


def test_permissions_are_checked_in_the_services(officers, customers):
    first, _second = officers
    clerk = make_officer(permissions=("view_disclosurerequest", "add_disclosurerequest"))
    request = make_request(officer=first, customers=[str(customers[0].pk)])
    disclosure_submit(request_id=request.pk, actor=first)
    with pytest.raises(DisclosurePermissionDenied):
        disclosure_approve(request_id=request.pk, actor=clerk)
    nobody = make_customer(is_staff=False)
    with pytest.raises(DisclosurePermissionDenied):
        make_request(officer=nobody, customers=[str(customers[0].pk)])
    request.refresh_from_db()
    assert request.status == DisclosureStatus.AWAITING_APPROVAL


def test_transitions_follow_the_table(officers, customers):
    first, second = officers
    request = make_request(officer=first, customers=[str(customers[0].pk)])
    with pytest.raises(DisclosureTransitionNotAllowed):
        disclosure_approve(request_id=request.pk, actor=second)  # still a draft
    disclosure_submit(request_id=request.pk, actor=first)
    with pytest.raises(DisclosureTransitionNotAllowed):
        disclosure_submit(request_id=request.pk, actor=first)
    disclosure_reject(request_id=request.pk, actor=second, note="نامه امضا ندارد")
    with pytest.raises(DisclosureTransitionNotAllowed):
        disclosure_withdraw(request_id=request.pk, actor=first)
    request.refresh_from_db()
    assert request.status == DisclosureStatus.REJECTED and request.closed_at is not None


def test_expiry_destroys_the_package_and_refuses_download(
    officers, customers, django_capture_on_commit_callbacks
):
    first, _second = officers
    request = _approved_ready(officers, customers, django_capture_on_commit_callbacks)
    stored = Path(settings.PRIVATE_STORAGE_ROOT) / request.package_name
    assert stored.exists()
    assert disclosure_packages_expire(now=request.package_expires_at - dt.timedelta(minutes=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        expired = disclosure_packages_expire(
            now=request.package_expires_at + dt.timedelta(seconds=1)
        )
    assert expired == 1
    request.refresh_from_db()
    assert request.status == DisclosureStatus.EXPIRED and not stored.exists()
    assert AuditEvent.objects.filter(action="legal.package_expired", subject_id=str(request.pk))
    with pytest.raises(PackageExpired):
        disclosure_package_download(request_id=request.pk, actor=first, passphrase=PASSPHRASE)


def test_the_periodic_job_builds_a_package_whose_build_task_was_lost(officers, customers):
    first, second = officers
    request = make_request(officer=first, customers=[customers[0].mobile])
    disclosure_submit(request_id=request.pk, actor=first)
    disclosure_approve(request_id=request.pk, actor=second, note="حکم معتبر است")  # task lost
    request.refresh_from_db()
    assert request.status == DisclosureStatus.APPROVED
    disclosure_packages_expire(now=request.decided_at + dt.timedelta(minutes=5))
    request.refresh_from_db()
    assert request.status == DisclosureStatus.APPROVED  # the task may still be on its way
    disclosure_packages_expire(now=request.decided_at + dt.timedelta(minutes=11))
    request.refresh_from_db()
    assert request.status == DisclosureStatus.PACKAGE_READY
    assert (Path(settings.PRIVATE_STORAGE_ROOT) / request.package_name).exists()


def test_expiry_job_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["legal-expire-packages"]
    assert entry["task"] == "metavast.legal.tasks.expire_disclosure_packages"
    from metavast.core.scheduler import _task

    assert _task(entry["task"]).name == entry["task"]


def test_no_notice_flag_withholds_the_message_and_records_why(
    officers, customers, django_capture_on_commit_callbacks
):
    first, _second = officers
    with pytest.raises(ScopeInvalid):
        make_request(officer=first, customers=[customers[0].email], notify_customers=False)
    request = _approved_ready(
        officers,
        customers,
        django_capture_on_commit_callbacks,
        notify_customers=False,
        no_notice_reason="بند ۳ حکم: اطلاع به متهم ممنوع است",
    )
    with django_capture_on_commit_callbacks(execute=True):
        disclosure_package_download(request_id=request.pk, actor=first, passphrase=PASSPHRASE)
    assert not OutboxMessage.objects.filter(template="legal/disclosed").exists()
    request.refresh_from_db()
    assert request.customers_notified_at is None
    assert request.no_notice_reason == "بند ۳ حکم: اطلاع به متهم ممنوع است"
    event = AuditEvent.objects.get(action="legal.customer_notice_withheld")
    assert event.after == {"customers": 1, "reason_recorded": True}


def test_withdrawal_destroys_a_built_package(
    officers, customers, django_capture_on_commit_callbacks
):
    first, _second = officers
    request = _approved_ready(officers, customers, django_capture_on_commit_callbacks)
    stored = Path(settings.PRIVATE_STORAGE_ROOT) / request.package_name
    with django_capture_on_commit_callbacks(execute=True):
        disclosure_withdraw(request_id=request.pk, actor=first, note="مرجع نامه را پس گرفت")
    assert not stored.exists()


def test_short_passphrase_is_refused_and_nothing_changes(
    officers, customers, django_capture_on_commit_callbacks
):
    first, _second = officers
    request = _approved_ready(officers, customers, django_capture_on_commit_callbacks)
    with pytest.raises(PassphraseTooShort):
        disclosure_package_download(request_id=request.pk, actor=first, passphrase="short")
    request.refresh_from_db()
    assert request.status == DisclosureStatus.PACKAGE_READY


def test_personal_data_of_the_request_is_encrypted_at_rest(officers, customers):
    first, _second = officers
    target = customers[0]
    request = make_request(
        officer=first,
        customers=[target.email],
        categories=[DataCategory.CONTACTS],
        notify_customers=False,
        no_notice_reason="منع اطلاع",
        letter_number="LETTER-4471",
    )
    assert request.customer_ids == [target.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT letter_number, legal_basis, customer_ids_sealed, no_notice_reason "
            "FROM legal_disclosurerequest WHERE id = %s",
            [request.pk],
        )
        columns = cursor.fetchone()
    assert all(value.startswith("gAAAAA") for value in columns)  # Fernet tokens
    raw = " ".join(columns)
    assert "LETTER-4471" not in raw and "۴۸" not in raw and "منع" not in raw
    assert DisclosureRequest.objects.get(pk=request.pk).letter_number == "LETTER-4471"


def test_unknown_or_unconfirmed_customer_is_refused(officers, shop):  # noqa: F811
    first, _second = officers
    with pytest.raises(ScopeInvalid):
        make_request(officer=first, customers=["09120000000"])
    unconfirmed = make_customer(mobile_confirmed=False, email_confirmed=False)
    for contact in (unconfirmed.mobile, unconfirmed.email):
        with pytest.raises(ScopeInvalid):
            make_request(officer=first, customers=[contact])
    # Persian digits and a leading zero are read as a mobile, not as an id.
    confirmed = make_customer()
    national = "0" + confirmed.mobile[3:]
    request = make_request(officer=first, customers=[to_persian_digits(national)])
    assert request.customer_ids == [confirmed.pk]
    assert DisclosureRequest.objects.count() == 1


def test_package_json_respects_the_time_range(
    officers, customers, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    request = _approved_ready(
        officers,
        customers,
        django_capture_on_commit_callbacks,
        categories=[DataCategory.ORDERS, DataCategory.PAYMENTS],
        period_start=today - dt.timedelta(days=60),
        period_end=today - dt.timedelta(days=31),
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = disclosure_package_download(
            request_id=request.pk, actor=officers[0], passphrase=PASSPHRASE
        )
    document, _cover = _open(result.content)
    assert document["customers"][0]["orders"] == []
    assert document["customers"][0]["payments"] == []


def test_the_authority_opens_the_package_with_stock_openssl(tmp_path):
    """The transit format is OpenSSL's own, so the documented command opens it."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("no openssl binary here")
    data = b"PK\x03\x04 a zip's bytes" * 100
    sealed = tmp_path / "package.zip.enc"
    sealed.write_bytes(package.encrypt_for_transit(data, PASSPHRASE))
    opened = subprocess.run(
        [
            "openssl",
            "enc",
            "-d",
            "-aes-256-cbc",
            "-pbkdf2",
            "-iter",
            "600000",
            "-md",
            "sha256",
            "-in",
            str(sealed),
            "-pass",
            f"pass:{PASSPHRASE}",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    assert opened == data
    try:  # a wrong key almost always breaks the padding; when it does not, the bytes differ
        wrong = package.decrypt_from_transit(sealed.read_bytes(), "the-wrong-passphrase-entirely")
    except ValueError:
        wrong = None
    assert wrong != data
