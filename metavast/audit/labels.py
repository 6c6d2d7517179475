"""Persian words for audit events: what happened and who did it.

Every action code written anywhere in the code has a line in ``ACTION_LABELS``
(tests/test_labels.py fails on a code without one), so a staff member reading the trail never
meets ``orders.status_changed``. An unknown code (an old row whose code was since renamed) is
shown as it is, so nothing is hidden.

``actor_display`` names the person behind an event with their roles (auth groups, named in
Persian by the staff app) instead of ``staff:1``. A customer is shown as «مشتری ۱۲»: their name
is personal data, and the audit list is not a place to read it.
"""

from __future__ import annotations

from typing import Final

from django.contrib.auth import get_user_model

from metavast.core.text import to_persian_digits

ACTION_LABELS: Final[dict[str, str]] = {
    # accounts: the customer's own actions
    "accounts.signup": "ثبت‌نام",
    "accounts.signin": "ورود",
    "accounts.signin_failed": "ورود ناموفق",
    "accounts.signout": "خروج",
    "accounts.stepup": "تأیید دوباره برای کار حساس",
    "accounts.code_requested": "درخواست کد یک‌بارمصرف",
    "accounts.password_changed": "تغییر گذرواژه",
    "accounts.password_reset_requested": "درخواست بازیابی گذرواژه",
    "accounts.password_reset_sent": "ارسال پیوند بازیابی گذرواژه",
    "accounts.email_confirmed": "تأیید ایمیل",
    "accounts.email_change_requested": "درخواست تغییر ایمیل",
    "accounts.mobile_confirmed": "تأیید شمارهٔ همراه",
    "accounts.mobile_change_requested": "درخواست تغییر شمارهٔ همراه",
    "accounts.landline_set": "ثبت تلفن ثابت",
    "accounts.profile_updated": "ویرایش مشخصات",
    "accounts.address_created": "افزودن نشانی",
    "accounts.address_updated": "ویرایش نشانی",
    "accounts.address_deleted": "حذف نشانی",
    "accounts.session_revoked": "بستن یک نشست",
    "accounts.sessions_revoked": "بستن همهٔ نشست‌ها",
    "accounts.session_idle_ended": "پایان نشست به‌علت بیکاری",
    # accounts: staff at work on people and permissions
    "accounts.users_listed_by_staff": "مشاهدهٔ فهرست کاربران توسط کارمند",
    "accounts.user_viewed_by_staff": "مشاهدهٔ کاربر توسط کارمند",
    "accounts.user_deleted_by_staff": "حذف کاربر توسط کارمند",
    "accounts.password_set_by_staff": "تعیین گذرواژه توسط کارمند",
    "accounts.privileges_changed_by_staff": "تغییر دسترسی‌ها توسط کارمند",
    "accounts.group_permissions_changed_by_staff": "تغییر مجوزهای گروه توسط کارمند",
    "accounts.group_deleted_by_staff": "حذف گروه توسط کارمند",
    "accounts.otp_devices_listed_by_staff": "مشاهدهٔ فهرست رمزسازها توسط کارمند",
    "accounts.otp_device_viewed_by_staff": "مشاهدهٔ رمزساز توسط کارمند",
    "accounts.otp_device_deleted_by_staff": "حذف رمزساز توسط کارمند",
    "accounts.staff_2fa_enrolled": "راه‌اندازی ورود دومرحله‌ای کارمند",
    "accounts.staff_2fa_verified": "ورود دومرحله‌ای کارمند",
    "accounts.staff_2fa_failed": "کد نادرست در ورود دومرحله‌ای کارمند",
    "accounts.staff_backup_codes_generated": "ساخت کدهای پشتیبان ورود کارمند",
    "accounts.staff_backup_code_used": "ورود کارمند با کد پشتیبان",
    # audit
    "audit.events_viewed_by_staff": "مشاهدهٔ فهرست رویدادهای ممیزی",
    "audit.event_viewed_by_staff": "مشاهدهٔ رویداد ممیزی",
    # catalog
    "catalog.price_changed": "تغییر قیمت",
    "catalog.price_bulk_changed": "تغییر گروهی قیمت",
    "catalog.stock_set": "تعیین موجودی",
    # notifications
    "notifications.view": "مشاهدهٔ پیام صف ارسال",
    "notifications.retry": "ارسال دوبارهٔ پیام",
    # orders
    "orders.placed": "ثبت سفارش",
    "orders.status_changed": "تغییر وضعیت سفارش",
    "orders.info_requested": "درخواست اطلاعات از مشتری",
    "orders.info_answered": "پاسخ مشتری به درخواست اطلاعات",
    "orders.receiver_viewed": "مشاهدهٔ مشخصات گیرنده",
    "orders.receiver_erased": "پاک کردن مشخصات گیرنده",
    "orders.cancellation_requested": "درخواست لغو سفارش پرداخت‌شده",
    "orders.cancellation_approved": "تأیید درخواست لغو و آغاز بازپرداخت",
    "orders.cancellation_refused": "رد درخواست لغو",
    "checkout.delivery_window_saved": "تعریف یا ویرایش بازهٔ تحویل",
    # payments
    "payments.started": "آغاز پرداخت",
    "payments.status_changed": "تغییر وضعیت پرداخت",
    "payments.callback_rejected": "رد بازگشت از درگاه",
    "payments.verify_failed": "ناکامی در تأیید پرداخت",
    "payments.refund_due": "نیاز به بازپرداخت",
    # invoices
    "invoices.invoice_issued": "صدور فاکتور فروش",
    "invoices.credit_note_issued": "صدور سند برگشت از فروش",
    "invoices.credit_note_requested": "درخواست سند برگشت از فروش",
    "invoices.official_buyer_set": "ثبت مشخصات خریدار رسمی",
    "invoices.exported": "برون‌بری فاکتورها",
    "invoices.pdf_downloaded_by_staff": "دریافت PDF فاکتور توسط کارمند",
    "invoices.buyer_erased": "پاک کردن مشخصات خریدار پس از دورهٔ قانونی",
    # legal: the disclosure register (P8)
    "legal.disclosure_created": "ثبت درخواست افشای قانونی",
    "legal.disclosure_submitted": "ارسال درخواست افشا برای تأیید",
    "legal.disclosure_approved": "تأیید درخواست افشا",
    "legal.disclosure_rejected": "رد درخواست افشا",
    "legal.disclosure_withdrawn": "پس گرفتن درخواست افشا",
    "legal.disclosure_viewed": "مشاهدهٔ درخواست افشا",
    "legal.package_generated": "ساخت بستهٔ افشا",
    "legal.package_downloaded": "دریافت بستهٔ افشا",
    "legal.package_expired": "منقضی شدن بستهٔ افشا",
    "legal.customers_notified": "اطلاع‌رسانی به مشتریان",
    "legal.customer_notice_withheld": "خودداری از اطلاع‌رسانی به مشتری به دستور مرجع",
    "legal.hold_placed": "ثبت نگهداشت قانونی",
    "legal.hold_released": "برداشتن نگهداشت قانونی",
    "consent.cookies_chosen": "انتخاب دسته‌های کوکی",
    "consent.marketing_given": "اجازهٔ دریافت پیام تبلیغاتی",
    "consent.marketing_withdrawn": "لغو اجازهٔ دریافت پیام تبلیغاتی",
    # privacy: download my data, erase my account (issue 11)
    "privacy.export_requested": "درخواست بستهٔ داده‌های من",
    "privacy.export_requested_by_staff": "ساختن بستهٔ داده به درخواست کتبی مشتری",
    "privacy.export_built": "آماده شدن بستهٔ داده",
    "privacy.export_downloaded": "دریافت بستهٔ داده",
    "privacy.export_expired": "منقضی شدن بستهٔ داده",
    "privacy.erasure_requested": "درخواست حذف حساب",
    "privacy.erasure_refused": "رد درخواست حذف حساب",
    "privacy.erasure_cancelled": "لغو درخواست حذف حساب",
    "privacy.erasure_postponed": "تعویق حذف حساب",
    "privacy.account_erased": "حذف (بی‌نام‌سازی) حساب",
    # staff roles
    "staff.role_assigned": "واگذاری نقش",
    "staff.role_removed": "گرفتن نقش",
    "staff.personal_data_viewed": "مشاهدهٔ داده‌های شخصی توسط کارمند",
    # security
    "security.staff_write_refused": "رد تغییر از سوی کارمند بدون مجوز",
    # reviews and questions (issue 12)
    "reviews.review_posted": "ثبت دیدگاه",
    "reviews.review_edited": "ویرایش دیدگاه",
    "reviews.review_moderated": "بررسی دیدگاه",
    "reviews.review_reported": "گزارش دیدگاه",
    "reviews.question_asked": "ثبت پرسش",
    "reviews.question_moderated": "بررسی پرسش",
    "reviews.answer_posted": "ثبت پاسخ",
    "reviews.answer_moderated": "بررسی پاسخ",
    "reviews.evidence_preserved": "نگهداشت مدرک برای پیگیری قانونی",
    "reviews.evidence_viewed": "مشاهدهٔ مدرک نگهداشت‌شده",
    "reviews.evidence_removed": "حذف مدرک پس از برداشتن نگهداشت",
    "reviews.evidence_purged": "پاک‌سازی مدرک‌های نگهداشت برداشته‌شده",
    "legal.holds_listed": "مشاهدهٔ فهرست نگهداشت‌های قانونی",
    "legal.hold_viewed": "مشاهدهٔ نگهداشت قانونی",
    "privacy.retention_run": "اجرای قواعد نگهداری و پاک‌سازی داده‌ها",
    "privacy.operator_dump": "برون‌بری دادهٔ شخصی با dumpdata توسط گردانندهٔ سرور",
    # Issue 13: marketing campaigns (metavast/marketing/services.py); counts only, no people.
    "marketing.campaign_composed": "نوشتن یا ویرایش کارزار تبلیغاتی",
    "marketing.campaign_scheduled": "زمان‌بندی کارزار تبلیغاتی",
    "marketing.campaign_unscheduled": "بازگشت کارزار تبلیغاتی به پیش‌نویس",
    "marketing.campaign_cancelled": "لغو کارزار تبلیغاتی",
    "marketing.campaign_test_sent": "ارسال آزمایشی کارزار تبلیغاتی",
    "marketing.campaign_started": "آغاز ارسال کارزار تبلیغاتی",
    "marketing.campaign_sent": "پایان ارسال کارزار تبلیغاتی",
    # Issue 15: discount codes (metavast/promotions/services.py).
    "promotions.code_created": "ساخت کد تخفیف",
    "promotions.code_changed": "ویرایش کد تخفیف",
    "promotions.redemption_released": "بازگشت استفاده از کد تخفیف با لغو سفارش پرداخت‌نشده",
}


def action_label(action: str) -> str:
    """The Persian description of an audit action code such as `orders.status_changed`."""
    return ACTION_LABELS.get(action, action)


def _roles(user) -> str:
    names = [group.name for group in user.groups.all()]
    if user.is_superuser:
        names.insert(0, "مدیر راه‌اندازی")
    return "، ".join(names)


def actor_display(event, user=None) -> str:
    """The person (name and role) behind an audit event, for staff screens.

    ``user`` may be passed when the caller has already loaded it (a list page loads the page's
    actors in one query); otherwise it is looked up by ``event.actor_id``."""
    label = event.actor_label or ""
    if not label and event.actor_id is None:
        return "سامانه"
    kind, _, _number = label.partition(":")
    if kind == "user":
        return f"مشتری {to_persian_digits(event.actor_id or _number)}"
    if user is None and event.actor_id is not None:
        user = get_user_model().objects.filter(pk=event.actor_id).first()
    if user is None:
        return f"کارمند {to_persian_digits(event.actor_id or _number)} (حساب حذف‌شده)"
    name = user.get_full_name() or f"کارمند {to_persian_digits(user.pk)}"
    roles = _roles(user)
    return f"{name} ({roles})" if roles else name
