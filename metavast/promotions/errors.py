"""Why a discount code is refused. Each reason has its own code and Persian message; the
cart page, checkout and the API show the message as it is."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from metavast.core.errors import Conflict, DomainError
from metavast.core.money import format_toman


class DiscountError(DomainError):
    code = "discount_invalid"
    status = 422
    message = _("این کد تخفیف پذیرفته نشد.")


class DiscountUnknown(DiscountError):
    code = "discount_unknown"
    message = _("کد تخفیف واردشده وجود ندارد.")


class DiscountNotStarted(DiscountError):
    code = "discount_not_started"
    message = _("زمان استفاده از این کد تخفیف هنوز نرسیده است.")


class DiscountExpired(DiscountError):
    code = "discount_expired"
    message = _("مهلت استفاده از این کد تخفیف به پایان رسیده است.")


class DiscountBelowMinimum(DiscountError):
    code = "discount_below_minimum"
    message = _("مبلغ سبد خرید برای این کد تخفیف کافی نیست.")

    @classmethod
    def for_minimum(cls, minimum_rials: int) -> DiscountBelowMinimum:
        amount = format_toman(minimum_rials)
        return cls(
            f"این کد تخفیف برای خرید دست‌کم {amount} است؛ کالاهای بیشتری به سبد بیفزایید.",
            fields={"discount_code": [f"حداقل خرید {amount}"]},
        )


class DiscountNotApplicable(DiscountError):
    code = "discount_not_applicable"
    message = _("این کد تخفیف شامل کالاهای سبد خرید شما نمی‌شود.")


class DiscountUsedUp(Conflict):
    code = "discount_used_up"
    message = _("ظرفیت استفاده از این کد تخفیف تمام شده است.")


class DiscountAlreadyUsed(Conflict):
    code = "discount_already_used"
    message = _("شما پیش‌تر از این کد تخفیف استفاده کرده‌اید.")
