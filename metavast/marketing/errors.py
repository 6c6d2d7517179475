"""Error codes of the marketing app. The admin turns them into Persian messages."""

from __future__ import annotations

from metavast.core.errors import DomainError


class MarketingError(DomainError):
    code = "marketing.error"
    message = "این کار روی کارزار ممکن نیست."


class InvalidCampaignTransition(MarketingError):
    code = "marketing.invalid_transition"
    status = 409
    message = "وضعیت این کارزار اجازهٔ این کار را نمی‌دهد."


class CampaignIncomplete(MarketingError):
    code = "marketing.campaign_incomplete"
    status = 400
    message = "کارزار کامل نیست: ایمیل به موضوع و متن نیاز دارد و پیامک به متن."


class CampaignTooLong(MarketingError):
    code = "marketing.campaign_too_long"
    status = 400
    message = "متن پیامک با «لغو۱۱» از بیشینهٔ طول پیامک بلندتر است."


class ScheduleInPast(MarketingError):
    code = "marketing.schedule_in_past"
    status = 400
    message = "زمان ارسال باید در آینده باشد."


class NoConfirmedContact(MarketingError):
    code = "marketing.no_confirmed_contact"
    status = 400
    message = "برای ارسال آزمایشی، نشانی تماس خودتان در این روش باید تأییدشده باشد."
