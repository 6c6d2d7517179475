"""The staff roles, in one table (issue 10, item 1): purposes, not models.

Each role is an auth Group (created by migration 0002 and kept equal to this table by
`services.roles_sync` after every migrate). A role's permissions are "app_label.codename":
model permissions (what the admin and the views check) and the capability permissions of
staff.StaffRole (a purpose: reveal a customer's contacts with a reason, open packing slips,
assign roles, see everyone's access history, see sales aggregates). A permission named here
that does not exist yet (an app still being built) is reported by the sync, never a crash.
docs/roles.md says the same in words.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoleSpec:
    key: str
    name: str
    description: str
    permissions: frozenset[str]


def _model(app_model: str, *verbs: str) -> set[str]:
    app, model = app_model.split(".")
    return {f"{app}.{verb}_{model}" for verb in verbs}


_CATALOG_MODELS = ("category", "brand", "attribute", "product", "variant", "searchsynonym")

ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(
        "support",
        "پشتیبانی",
        "سفارش‌ها را پیگیری می‌کند؛ اطلاعات تماس مشتری را فقط پس از نوشتن دلیل می‌بیند.",
        frozenset(
            {
                "accounts.view_user",
                "orders.view_order",
                "orders.change_order",
                "catalog.view_product",
                "catalog.view_variant",
                "checkout.view_shippingmethod",
                "staff.reveal_customer_contact",
                "privacy.export_for_customer",
                # Issue 15: customers' cancellation requests for paid orders.
                "orders.view_cancellationrequest",
                "orders.decide_cancellationrequest",
                "checkout.view_deliverywindow",
                "checkout.view_recurringwindow",
            }
        ),
    ),
    RoleSpec(
        "warehouse",
        "انبار و ارسال",
        "سفارش‌های در حال آماده‌سازی را می‌فرستد؛ گیرنده را فقط روی برگهٔ بسته‌بندی می‌بیند.",
        frozenset(
            {
                "orders.view_order",
                "orders.change_order",
                "catalog.view_product",
                "catalog.view_variant",
                "catalog.change_variant",
                "checkout.view_shippingmethod",
                "staff.view_packing_slip",
                # Issue 15: courier delivery windows and their capacity.
                "checkout.view_deliverywindow",
                "checkout.add_deliverywindow",
                "checkout.change_deliverywindow",
                "checkout.delete_deliverywindow",
                "checkout.view_recurringwindow",
                "checkout.add_recurringwindow",
                "checkout.change_recurringwindow",
                "checkout.delete_recurringwindow",
            }
        ),
    ),
    RoleSpec(
        "catalog",
        "کاتالوگ",
        "کالاها، دسته‌ها، برندها، ویژگی‌ها و صفحه‌های فروشگاه را می‌سازد و ویرایش می‌کند.",
        frozenset(
            set().union(
                *(
                    _model(f"catalog.{m}", "view", "add", "change", "delete")
                    for m in _CATALOG_MODELS
                ),
                {"catalog.view_zeroresultquery"},
                _model("storefront.page", "view", "add", "change"),
            )
        ),
    ),
    RoleSpec(
        "finance",
        "مالی",
        "فاکتورها و پرداخت‌ها را می‌بیند و تطبیق می‌دهد؛ نشانی پستی مشتری را نمی‌بیند.",
        frozenset(
            {
                "invoices.view_invoice",
                "invoices.change_invoice",  # the CSV export, credit notes, Moadian retry
                "payments.view_payment",
                "payments.change_payment",  # re-verify a pending payment (reconcile)
                "orders.view_order",
                "checkout.view_shippingmethod",
                "checkout.view_vatrate",
                "staff.view_sales_aggregates",
                "orders.view_cancellationrequest",  # issue 15: refunds coming
                "promotions.view_discountcode",  # issue 15: discounts on invoices
            }
        ),
    ),
    RoleSpec(
        "marketing",
        "بازاریابی",
        "فقط آمار جمعی می‌بیند، هرگز فهرست اشخاص؛ کدهای تخفیف را می‌سازد و ویرایش می‌کند.",
        frozenset(
            {
                "staff.view_sales_aggregates",
                "catalog.view_product",
                "catalog.view_category",
                "catalog.view_zeroresultquery",
                # Issue 13: campaigns; a segment's size only, never its people.
                "marketing.view_campaign",
                "marketing.add_campaign",
                "marketing.change_campaign",
                "marketing.send_campaign",
                # Issue 15: discount codes (no delete: a used code is switched off).
                "promotions.view_discountcode",
                "promotions.add_discountcode",
                "promotions.change_discountcode",
            }
        ),
    ),
    RoleSpec(
        "moderator",
        "ناظر دیدگاه‌ها",
        "دیدگاه‌ها، پرسش‌ها و پاسخ‌ها را بررسی، تأیید یا رد و با ذکر دلیل ویرایش می‌کند و از طرف فروشنده پاسخ می‌دهد؛ نشانی اینترنتی نویسنده و مدرک نگهداشت را نمی‌بیند.",
        frozenset(
            {
                "reviews.view_review",
                "reviews.change_review",
                "reviews.view_question",
                "reviews.change_question",
                "reviews.view_answer",
                "reviews.change_answer",
                "reviews.add_answer",
                "reviews.answer_as_seller",
            }
        ),
    ),
    RoleSpec(
        "legal_officer",
        "مسئول حقوقی",
        "دفتر افشای قانونی و نگهداشت‌های قانونی را اداره می‌کند؛ هر درخواست را مسئول دومی تأیید می‌کند.",
        frozenset(
            {
                "legal.view_disclosurerequest",
                "legal.add_disclosurerequest",
                "legal.approve_disclosurerequest",
                "legal.download_disclosurepackage",
                "legal.view_legalhold",
                "legal.add_legalhold",
                "legal.release_legalhold",
                "reviews.view_review",  # issue 12: place a hold from the review
                "reviews.view_heldevidence",  # issue 12: read held evidence (audited)
            }
        ),
    ),
    RoleSpec(
        "admin",
        "مدیر",
        "کارکنان و نقش‌هایشان را اداره می‌کند؛ هر کارش مانند دیگران ثبت می‌شود.",
        frozenset(
            {
                "accounts.view_user",
                "accounts.add_user",
                "accounts.change_user",
                "audit.view_auditevent",
                "orders.view_order",
                "orders.change_order",
                "invoices.view_invoice",
                "payments.view_payment",
                "notifications.view_outboxmessage",
                "checkout.view_shippingmethod",
                "checkout.view_vatrate",
                "catalog.view_product",
                "catalog.view_variant",
                "catalog.view_category",
                "storefront.view_page",
                "staff.view_staffrole",
                "staff.assign_role",
                "staff.view_all_access_history",
                "staff.view_sales_aggregates",
                "staff.reveal_customer_contact",
                "orders.view_cancellationrequest",
                "orders.decide_cancellationrequest",
                "checkout.view_deliverywindow",
                "checkout.add_deliverywindow",
                "checkout.change_deliverywindow",
                "checkout.delete_deliverywindow",
                "checkout.view_recurringwindow",
                "checkout.add_recurringwindow",
                "checkout.change_recurringwindow",
                "checkout.delete_recurringwindow",
            }
        ),
    ),
)

ROLES_BY_KEY: dict[str, RoleSpec] = {role.key: role for role in ROLES}
ADMIN = "admin"
