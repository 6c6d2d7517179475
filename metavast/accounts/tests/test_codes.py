"""One-time codes: issue, bind, expire, single use, the shared attempt counter, limits."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from metavast.accounts.errors import CodeCooldown, CodeInvalid, CodeLimited, CodeUnavailable
from metavast.accounts.models import CodePurpose, OneTimeCode, User
from metavast.accounts.services.codes import code_request, code_verify
from metavast.accounts.tests.conftest import MOBILE, last_code, sent
from metavast.audit.models import AuditEvent
from metavast.core.testing import run_concurrently

pytestmark = pytest.mark.django_db

SIGNIN = CodePurpose.SIGNIN


def test_code_is_six_digits_sent_by_sms_and_stored_only_as_hash():
    row = code_request(mobile=MOBILE, purpose=SIGNIN, ip="1.2.3.4")
    code = last_code()
    assert len(code) == 6 and code.isdigit()
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == dt.timedelta(seconds=120)
    event = AuditEvent.objects.get(action="accounts.code_requested")
    assert event.after == {"purpose": "signin", "mobile": "0912***4567", "delivered": True}


@pytest.mark.parametrize(
    "spelling",
    [
        "۰۹۱۲۱۲۳۴۵۶۷",
        "٠٩١٢١٢٣٤٥٦٧",
        "+98 912 123 4567",
        "0098-912-123-4567",
        "\u200f09121234567\u200e",
    ],
)
def test_any_spelling_of_the_mobile_verifies_the_same_code(spelling):
    code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    code_verify(mobile=spelling, purpose=SIGNIN, code=last_code())


def test_code_accepts_persian_digits():
    code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    persian = last_code().translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    code_verify(mobile=MOBILE, purpose=SIGNIN, code=persian)


def test_code_is_single_use():
    code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    code = last_code()
    code_verify(mobile=MOBILE, purpose=SIGNIN, code=code)
    with pytest.raises(CodeInvalid):
        code_verify(mobile=MOBILE, purpose=SIGNIN, code=code)


def test_code_is_bound_to_its_purpose_and_mobile():
    code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    code = last_code()
    with pytest.raises(CodeInvalid):
        code_verify(mobile=MOBILE, purpose=CodePurpose.RESET, code=code)
    with pytest.raises(CodeInvalid):
        code_verify(mobile="09121234568", purpose=SIGNIN, code=code)
    code_verify(mobile=MOBILE, purpose=SIGNIN, code=code)  # still good for its own


def test_expired_code_is_refused():
    code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    code = last_code()
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(CodeInvalid):
        code_verify(mobile=MOBILE, purpose=SIGNIN, code=code)


def test_new_code_replaces_the_old_one():
    code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    first = last_code()
    cache.clear()  # past the resend cooldown
    code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    second = last_code()
    assert OneTimeCode.objects.count() == 1
    if first != second:
        with pytest.raises(CodeInvalid):
            code_verify(mobile=MOBILE, purpose=SIGNIN, code=first)
    code_verify(mobile=MOBILE, purpose=SIGNIN, code=second)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_five_wrong_tries_destroy_the_code():
    code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    code = last_code()
    for _ in range(5):
        with pytest.raises(CodeInvalid):
            code_verify(mobile=MOBILE, purpose=SIGNIN, code=_wrong(code))
    assert not OneTimeCode.objects.exists()
    with pytest.raises(CodeInvalid):
        code_verify(mobile=MOBILE, purpose=SIGNIN, code=code)


def test_fourth_wrong_try_leaves_the_right_code_usable():
    code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    code = last_code()
    for _ in range(4):
        with pytest.raises(CodeInvalid):
            code_verify(mobile=MOBILE, purpose=SIGNIN, code=_wrong(code))
    code_verify(mobile=MOBILE, purpose=SIGNIN, code=code)


def test_malformed_guesses_do_not_reach_the_database_counter():
    code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    for guess in ["", "abc", "1234567", "12 34"]:
        with pytest.raises(CodeInvalid):
            code_verify(mobile=MOBILE, purpose=SIGNIN, code=guess)
    assert OneTimeCode.objects.get().attempts == 0


def test_resend_cooldown():
    code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    with pytest.raises(CodeCooldown) as exc:
        code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    assert 1 <= exc.value.retry_after <= 61
    assert "ثانیه" in exc.value.message
    assert len(sent(template="accounts/otp_code")) == 1


@override_settings(OTP_RESEND_COOLDOWN_SECONDS=0, OTP_SEND_LIMIT_PER_MOBILE=(3, 3600))
def test_limit_per_mobile():
    for _ in range(3):
        code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    with pytest.raises(CodeLimited):
        code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    assert len(sent(template="accounts/otp_code")) == 3


@override_settings(OTP_RESEND_COOLDOWN_SECONDS=0, OTP_SEND_LIMIT_PER_IP=(2, 3600))
def test_limit_per_ip():
    code_request(mobile="09121111111", purpose=SIGNIN, ip="5.5.5.5")
    code_request(mobile="09122222222", purpose=SIGNIN, ip="5.5.5.5")
    with pytest.raises(CodeLimited):
        code_request(mobile="09123333333", purpose=SIGNIN, ip="5.5.5.5")
    code_request(mobile="09123333333", purpose=SIGNIN, ip="6.6.6.6")


@override_settings(OTP_RESEND_COOLDOWN_SECONDS=0, OTP_SEND_LIMIT_GLOBAL=(2, 3600))
def test_global_limit():
    code_request(mobile="09121111111", purpose=SIGNIN, ip="1.1.1.1")
    code_request(mobile="09122222222", purpose=SIGNIN, ip="2.2.2.2")
    with pytest.raises(CodeLimited):
        code_request(mobile="09123333333", purpose=SIGNIN, ip="3.3.3.3")


def test_limits_fail_closed_when_the_cache_is_down(monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "add", down)
    monkeypatch.setattr(cache, "incr", down)
    with pytest.raises(CodeUnavailable) as exc:
        code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    assert exc.value.status == 503
    assert not OneTimeCode.objects.exists()
    assert sent() == []


@pytest.mark.parametrize(
    "landline", ["02188776655", "+982188776655", "۰۲۱۸۸۷۷۶۶۵۵", "0912123", "12345"]
)
def test_landlines_and_short_numbers_are_refused_as_mobiles(landline):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        code_request(mobile=landline, purpose=SIGNIN, ip=None)
    assert "تلفن همراه معتبر نیست" in exc.value.messages[0]
    assert sent() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_share_one_counter(monkeypatch):
    """Twenty threads guess at once: five comparisons happen, then the code is gone."""
    from metavast.accounts.services import codes

    compared: list[int] = []
    real_compare = codes.constant_time_compare

    def counting_compare(a, b):
        compared.append(1)
        return real_compare(a, b)

    monkeypatch.setattr(codes, "constant_time_compare", counting_compare)
    code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    code = last_code()
    guesses = [f"{(int(code) + i) % 10**6:06d}" for i in range(1, 21)]

    def guess(value: str) -> str:
        try:
            code_verify(mobile=MOBILE, purpose=SIGNIN, code=value)
        except CodeInvalid:
            return "invalid"
        return "ok"

    outcomes = run_concurrently([lambda g=g: guess(g) for g in guesses])
    assert [e for _, e in outcomes if e] == []
    results = [result for result, _ in outcomes]
    assert results.count("invalid") == 20
    assert len(compared) == 5
    assert not OneTimeCode.objects.exists()  # the fifth wrong guess destroyed it
    with pytest.raises(CodeInvalid):
        code_verify(mobile=MOBILE, purpose=SIGNIN, code=code)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_right_guesses_use_the_code_once():
    code_request(mobile=MOBILE, purpose=SIGNIN, ip=None)
    code = last_code()

    def guess() -> str:
        try:
            code_verify(mobile=MOBILE, purpose=SIGNIN, code=code)
        except CodeInvalid:
            return "invalid"
        return "ok"

    outcomes = run_concurrently([guess] * 8)
    assert [e for _, e in outcomes if e] == []
    results = [result for result, _ in outcomes]
    assert results.count("ok") == 1
    assert User.objects.count() == 0
