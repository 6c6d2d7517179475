import io
import re
import zipfile

import pytest
from django.utils import timezone

from metavast.accounts.testing import verify_staff_client
from metavast.audit.models import AuditEvent
from metavast.core.jalali import format_jalali_numeric, jalali_fiscal_year
from metavast.core.text import to_persian_digits
from metavast.legal import package
from metavast.legal.models import DisclosureRequest, DisclosureStatus
from metavast.legal.services import disclosure_submit
from metavast.legal.tests.factories import make_officer, make_request
from metavast.orders.tests.factories import (
    make_customer,
    shop,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.django_db

BASE = "/admin/legal/disclosurerequest"
LATIN_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b|\b(January|December|دسامبر|نوامبر)\b")


@pytest.fixture
def first(db):
    return make_officer(first_name="مریم")


@pytest.fixture
def second(db):
    return make_officer(first_name="حسین")


def _client(client_class, user):
    client = client_class()
    client.force_login(user)
    return verify_staff_client(client, user)


@pytest.fixture
def customer(shop):  # noqa: F811
    return make_customer(first_name="رضا", last_name="کریمی")


def test_persian_admin_pages_render_and_a_look_is_audited(client, first, customer):
    staff = _client(type(client), first)
    request = make_request(officer=first, customers=[str(customer.pk)])

    listing = staff.get(f"{BASE}/").content.decode()
    assert "دفتر افشای قانونی" in listing and "پیش‌نویس" in listing
    assert to_persian_digits(request.pk) in listing and not LATIN_DATE.search(listing)

    assert staff.get(f"{BASE}/add/").status_code == 200

    before = AuditEvent.objects.filter(action="legal.disclosure_viewed").count()
    change = staff.get(f"{BASE}/{request.pk}/change/").content.decode()
    assert "مادهٔ ۴۸" in change and "ارسال برای تأیید" in change
    assert not LATIN_DATE.search(change)
    assert AuditEvent.objects.filter(action="legal.disclosure_viewed").count() == before + 1
    event = AuditEvent.objects.filter(action="legal.disclosure_viewed").latest("id")
    assert event.actor_id == first.pk and event.subject_id == str(request.pk)
    assert event.after["fields"] == [
        "customer_ids",
        "legal_basis",
        "letter_number",
        "no_notice_reason",
    ]
    assert "۹۸۷۶" not in str(event.after) and "مادهٔ" not in str(event.after)
    for screen in ("submit", "withdraw"):
        assert staff.get(f"{BASE}/{request.pk}/{screen}/").status_code == 200


def test_recording_a_request_through_the_admin(client, first, customer):
    staff = _client(type(client), first)
    today = timezone.localdate()
    response = staff.post(
        f"{BASE}/add/",
        {
            "authority_name": "پلیس فتا",
            "authority_type": "police",
            "letter_number": "۱۲۳/ف",
            "letter_date": to_persian_digits(format_jalali_numeric(today)),
            "legal_basis": "دستور قضایی",
            "customers": f"{customer.mobile}\n",
            "categories": ["contacts", "sign_in_logs"],
            "period_start": format_jalali_numeric(today),
            "period_end": format_jalali_numeric(today),
            "notify_customers": "on",
        },
    )
    assert response.status_code == 302
    request = DisclosureRequest.objects.get()
    assert request.customer_ids == [customer.pk] and request.letter_date == today
    assert request.categories == ["contacts", "sign_in_logs"]
    assert request.requested_by == first and request.status == DisclosureStatus.DRAFT


def test_admin_refuses_an_unknown_customer_with_a_persian_message(client, first, shop):  # noqa: F811
    staff = _client(type(client), first)
    page = staff.post(
        f"{BASE}/add/",
        {
            "authority_name": "دادگاه",
            "authority_type": "judiciary",
            "letter_number": "1",
            "letter_date": "۱۴۰۵/۰۱/۰۱",
            "legal_basis": "حکم",
            "customers": "nobody@example.com",
            "categories": ["identity"],
            "period_start": "۱۴۰۵/۰۱/۰۱",
            "period_end": "۱۴۰۵/۰۲/۰۱",
        },
    ).content.decode()
    assert "مشتری با این شناسه پیدا نشد" in page
    assert not DisclosureRequest.objects.exists()


def test_four_eyes_and_the_whole_flow_over_http(
    client, first, second, customer, django_capture_on_commit_callbacks
):
    mine, theirs = _client(type(client), first), _client(type(client), second)
    request = make_request(officer=first, customers=[str(customer.pk)])
    mine.post(f"{BASE}/{request.pk}/submit/")
    request.refresh_from_db()
    assert request.status == DisclosureStatus.AWAITING_APPROVAL
    for screen in ("approve", "reject", "generate"):
        form = theirs.get(f"{BASE}/{request.pk}/{screen}/")
        assert form.status_code == 200 and "در انتظار تأیید افسر دوم" in form.content.decode()
    # The requester is not offered the decision buttons.
    own = mine.get(f"{BASE}/{request.pk}/change/").content.decode()
    assert f"{request.pk}/approve/" not in own
    assert f"{request.pk}/approve/" in theirs.get(f"{BASE}/{request.pk}/change/").content.decode()

    # The requester's approval is refused with a Persian message and changes nothing.
    page = mine.post(f"{BASE}/{request.pk}/approve/", {"note": ""}, follow=True)
    assert "افسر حقوقی دیگری" in page.content.decode()
    request.refresh_from_db()
    assert request.status == DisclosureStatus.AWAITING_APPROVAL

    with django_capture_on_commit_callbacks(execute=True):
        theirs.post(f"{BASE}/{request.pk}/approve/", {"note": "درست است"})
    request.refresh_from_db()
    assert request.status == DisclosureStatus.PACKAGE_READY

    form = mine.get(f"{BASE}/{request.pk}/download/").content.decode()
    assert "openssl enc -d" in form and request.package_sha256 in form
    passphrase = re.search(r'name="passphrase" value="([^"]+)"', form).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = mine.post(f"{BASE}/{request.pk}/download/", {"passphrase": passphrase})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(
        io.BytesIO(package.decrypt_from_transit(response.content, passphrase))
    )
    assert "data.json" in archive.namelist()

    again = mine.post(f"{BASE}/{request.pk}/download/", {"passphrase": passphrase}, follow=True)
    assert "یک بار دریافت شده" in again.content.decode()
    assert "attachment" not in again.get("Content-Disposition", "")


def test_staff_without_legal_permissions_are_refused(client, first, customer):
    other = make_officer(permissions=())
    staff = _client(type(client), other)
    request = make_request(officer=first, customers=[str(customer.pk)])
    disclosure_submit(request_id=request.pk, actor=first)
    assert staff.get(f"{BASE}/").status_code == 403
    for screen in ("approve", "download", "submit", "reject", "withdraw", "generate"):
        assert staff.post(f"{BASE}/{request.pk}/{screen}/").status_code == 403
    request.refresh_from_db()
    assert request.status == DisclosureStatus.AWAITING_APPROVAL


def test_transparency_page_counts_by_year_type_and_outcome(client, first, second, customer):
    for authority_type, status in (
        ("judiciary", DisclosureStatus.DOWNLOADED),
        ("judiciary", DisclosureStatus.DOWNLOADED),
        ("judiciary", DisclosureStatus.REJECTED),
        ("police", DisclosureStatus.WITHDRAWN),
        ("tax", DisclosureStatus.AWAITING_APPROVAL),
    ):
        request = make_request(
            officer=first,
            customers=[str(customer.pk)],
            authority_type=authority_type,
            letter_number="SECRET-LETTER-77",
        )
        DisclosureRequest.objects.filter(pk=request.pk).update(status=status)

    page = client.get("/legal/transparency/").content.decode()
    year = to_persian_digits(jalali_fiscal_year(timezone.now()))
    assert f"سال {year}" in page

    def row(label):
        match = re.search(rf"<th scope=\"row\">{label}</th>(.*?)</tr>", page, re.S)
        return re.findall(r"<td>([^<]*)</td>", match.group(1))

    # Columns: disclosed, rejected, withdrawn, approved-not-collected, open, total.
    assert row("قوهٔ قضاییه و دادگاه‌ها") == ["۲", "۱", "۰", "۰", "۰", "۳"]
    assert row("فراجا و پلیس فتا") == ["۰", "۰", "۱", "۰", "۰", "۱"]
    assert row("سازمان امور مالیاتی") == ["۰", "۰", "۰", "۰", "۱", "۱"]
    assert "SECRET-LETTER-77" not in page and "کریمی" not in page
    assert "دادسرای عمومی" not in page  # authorities' names are not published, only types


def test_transparency_page_with_no_requests(client, db):
    page = client.get("/legal/transparency/")
    assert page.status_code == 200
    assert "هیچ درخواست قانونی" in page.content.decode()
