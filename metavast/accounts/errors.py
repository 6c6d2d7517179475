"""Error codes of the accounts domain. Services raise these; views and the API show them.

Messages never say whether an account, mobile or email exists (no enumeration): a wrong
password and an unknown email are the same `invalid_credentials`.
"""

from __future__ import annotations

from metavast.core.errors import DomainError
from metavast.core.text import to_persian_digits


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 401
    message = "نام کاربری یا گذرواژه درست نیست."


class AccountLocked(DomainError):
    code = "locked"
    status = 429
    message = (
        "به دلیل تلاش‌های ناموفق پیاپی، ورود با گذرواژه تا ۱۵ دقیقهٔ دیگر ممکن نیست. "
        "می‌توانید با کد پیامکی وارد شوید."
    )


class PasswordAttemptsLimited(AccountLocked):
    """Too many failed passwords from this client IP, across any accounts (a spray).

    A kind of AccountLocked, so every caller that answers a lock answers this one too.
    """

    code = "password_attempts_limited"
    message = (
        "از این نشانی اینترنتی تلاش‌های ناموفق زیادی برای ورود با گذرواژه شده است؛ "
        "ورود با گذرواژه از اینجا تا چند دقیقهٔ دیگر ممکن نیست. "
        "می‌توانید با کد پیامکی وارد شوید."
    )

    def __init__(self, seconds: int | None = None):
        self.retry_after = max(1, int(seconds)) if seconds else None
        if not seconds:
            super().__init__()
            return
        minutes = to_persian_digits(max(1, -(-int(seconds) // 60)))
        super().__init__(
            "از این نشانی اینترنتی تلاش‌های ناموفق زیادی برای ورود با گذرواژه شده است؛ "
            f"ورود با گذرواژه از اینجا تا {minutes} دقیقهٔ دیگر ممکن نیست. "
            "می‌توانید با کد پیامکی وارد شوید."
        )


class CodeInvalid(DomainError):
    code = "code_invalid"
    status = 400
    message = "کد واردشده درست نیست یا منقضی شده است. در صورت نیاز کد تازه بخواهید."


class CodeCooldown(DomainError):
    code = "code_cooldown"
    status = 429
    message = "کد تازه کمی بعد قابل درخواست است."

    def __init__(self, seconds: int):
        self.retry_after = max(1, int(seconds))
        super().__init__(
            f"برای درخواست کد تازه {to_persian_digits(self.retry_after)} ثانیه صبر کنید."
        )


class CodeLimited(DomainError):
    code = "code_limited"
    status = 429
    message = "درخواست کد بیش از حد مجاز بوده است. لطفاً بعداً دوباره تلاش کنید."


class CodeUnavailable(DomainError):
    """The rate-limit store is unreachable: we send nothing rather than send without limits."""

    code = "code_unavailable"
    status = 503
    message = "ارسال کد در این لحظه ممکن نیست. لطفاً چند دقیقهٔ دیگر تلاش کنید."


class EmailCooldown(DomainError):
    """A link email (password reset, email confirmation) to this address went out moments ago."""

    code = "email_cooldown"
    status = 429
    message = "ایمیل تازه کمی بعد قابل درخواست است."

    def __init__(self, seconds: int):
        self.retry_after = max(1, int(seconds))
        super().__init__(
            "ایمیلی همین چند لحظه پیش فرستاده شد. "
            f"برای درخواست ایمیل تازه {to_persian_digits(self.retry_after)} ثانیه صبر کنید."
        )


class EmailLimited(DomainError):
    code = "email_limited"
    status = 429
    message = "درخواست ایمیل بیش از حد مجاز بوده است. لطفاً بعداً دوباره تلاش کنید."


class StepUpRequired(DomainError):
    code = "stepup_required"
    status = 403
    message = "برای این کار ابتدا گذرواژه یا کد پیامکی تازه را وارد کنید."


class ContactTaken(DomainError):
    code = "contact_taken"
    status = 409
    message = "این نشانی در حساب دیگری ثبت شده است."


class ContactUnchanged(DomainError):
    code = "contact_unchanged"
    status = 409
    message = "این همان نشانی تأییدشدهٔ فعلی شماست."


class NothingPending(DomainError):
    code = "nothing_pending"
    status = 409
    message = "نشانی‌ای در انتظار تأیید نیست."


class LinkInvalid(DomainError):
    code = "link_invalid"
    status = 400
    message = "این پیوند معتبر نیست یا منقضی شده است."


class AddressLimit(DomainError):
    code = "address_limit"
    status = 409
    message = "تعداد نشانی‌ها به حد مجاز رسیده است؛ ابتدا یکی را حذف کنید."


class TokenInvalid(DomainError):
    code = "token_invalid"
    status = 401
    message = "نشست برنامه معتبر نیست؛ دوباره وارد شوید."


class CsrfFailed(DomainError):
    code = "csrf_failed"
    status = 403
    message = "درخواست از صفحهٔ این سایت نیامده است؛ صفحه را دوباره بارگذاری کنید."


class TotpInvalid(DomainError):
    code = "totp_invalid"
    status = 400
    message = "کد برنامهٔ احراز هویت درست نیست."


class BackupCodeInvalid(DomainError):
    code = "backup_code_invalid"
    status = 400
    message = "کد پشتیبان درست نیست یا پیش‌تر به کار رفته است."


class BackupCodesNeedTotp(DomainError):
    code = "backup_codes_need_totp"
    status = 400
    message = "نخست ورود دومرحله‌ای را با برنامهٔ احراز هویت راه بیندازید."


class StaffActionForbidden(DomainError):
    """A staff member tried to change privileges, or manage an account, beyond their own."""

    code = "staff_action_forbidden"
    status = 403
    message = "اجازهٔ این کار را ندارید."
