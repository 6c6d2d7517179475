"""One retention engine: every "how long do we keep it" of the shop, as data (P4, P9).

`RULES` is the single list. A rule names a model (by label), which rows it concerns (a
condition), how old they must be (an age, from a named time field, read from settings on
every run so an operator's change takes effect without a deploy) and what happens to them:

- "delete": the rows go (with whatever cascades from them);
- "redact": the listed fields are blanked, the row stays (an audit event keeps its seal: the
  seal does not cover the IP and user agent, so the sealer's own writer blanks them);
- "anonymise": like redact, and a time field records when it was done, so it runs once.

`retention_run()` is the one scheduled job (metavast.privacy.tasks.run_retention). It walks
each rule in bounded chunks, each chunk its own short transaction, so a large backlog never
holds a long lock; rows under a legal hold (metavast.legal.holds), by object or by account,
are skipped; and one audit event per run records how many rows each rule touched (counts
only, no personal data). `manage.py retention --dry-run` counts without touching anything.

The privacy page and the policy read `rule.describe_fa()`, generated from the same rule and
the same settings, so what the customer reads cannot drift from what the job does.
Before this engine, each app ran its own job (audit IPs, sessions and codes, axes, order
receivers, checkout drafts, guest carts); those jobs and their functions are gone, so each
policy exists once, here. docs/retention.md lists every rule with its period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from metavast.audit.services import audit_record
from metavast.core.text import to_persian_digits
from metavast.legal.holds import held_ids, held_user_ids
from metavast.orders.services.retention import ERASED_FIELDS as ORDER_RECEIVER_FIELDS

DELETE = "delete"
REDACT = "redact"
ANONYMISE = "anonymise"
ACTIONS = (DELETE, REDACT, ANONYMISE)

AUDIT_ACTION = "privacy.retention_run"
DEFAULT_BATCH_SIZE = 500

# A condition is a fixed filter, or a function of the run's moment and the rule's cutoff
# (for rules whose age is measured from more than one field, or that need a subquery).
Condition = Q | Callable[[dt.datetime, dt.datetime | None], Q]


def _days(setting: str) -> Callable[[], dt.timedelta]:
    return lambda: dt.timedelta(days=getattr(settings, setting))


@dataclass(frozen=True)
class Rule:
    key: str
    model_label: str  # "app_label.ModelName"
    action: str
    # Persian, with "{period}" where the age goes: the sentence the privacy page shows.
    sentence_fa: str
    # The age, read from settings at run time; None when age plays no part (a cap).
    age_of: Callable[[], dt.timedelta] | None = None
    # The field the age is measured from; "" when the condition measures it itself.
    time_field: str = ""
    condition: Condition | None = None
    fields: tuple[str, ...] = ()
    # anonymise: the time field set when it is done (and that keeps it from running twice).
    mark_field: str = ""
    # Rows of an object type under hold (LegalHold.subject_type) are skipped, by pk...
    hold_subject_type: str = ""
    # ...and rows of an account under hold, by this field holding the user id.
    hold_user_field: str = ""
    # The queryset method that writes: the audit trail only lets its sealer blank IPs.
    update_method: str = "update"
    # One audit event per anonymised row, for objects whose history staff read (orders).
    audit_each: str = ""
    note: str = ""  # why this rule, for docs/retention.md

    def __post_init__(self):
        assert self.action in ACTIONS, self.action
        assert self.action == DELETE or self.fields, f"{self.key}: which fields?"

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def age(self) -> dt.timedelta | None:
        return self.age_of() if self.age_of is not None else None

    def describe_fa(self) -> str:
        # "{period}" is this rule's age; "{<other rule key>}" another rule's (outbox bodies
        # and outbox rows are told in one sentence); "{cap}" the zero-result cap.
        others = {key: period_fa(rule.age) for key, rule in RULES_BY_KEY.items()}
        cap = to_persian_digits(settings.CATALOG_ZERO_RESULT_CAP)
        return self.sentence_fa.format(**others, period=period_fa(self.age), cap=cap)

    def cutoff(self, now: dt.datetime) -> dt.datetime | None:
        age = self.age
        return None if age is None else now - age

    def _has_data(self) -> Q:
        """Rows where at least one of the fields still holds something."""
        model = self.model
        has = Q()
        for name in self.fields:
            model_field = model._meta.get_field(name)
            if isinstance(model_field, (models.CharField, models.TextField)):
                # By length: an encrypted field refuses equality (ciphertext), "" is stored as "".
                has |= Q(GreaterThan(Length(name), 0))
            else:
                has |= Q(**{f"{name}__isnull": False})
        return has

    def blank_values(self, now: dt.datetime) -> dict:
        model = self.model
        values = {name: None if model._meta.get_field(name).null else "" for name in self.fields}
        if self.mark_field:
            values[self.mark_field] = now
        return values

    def eligible(self, now: dt.datetime) -> models.QuerySet:
        """Every row this rule would act on now, holds not yet taken out."""
        qs = self.model._default_manager.all()
        cutoff = self.cutoff(now)
        if self.time_field and cutoff is not None:
            qs = qs.filter(**{f"{self.time_field}__lt": _comparable(self, cutoff)})
        if callable(self.condition):
            qs = qs.filter(self.condition(now, cutoff))
        elif self.condition is not None:
            qs = qs.filter(self.condition)
        if self.mark_field:
            qs = qs.filter(**{f"{self.mark_field}__isnull": True})
        elif self.action == REDACT:
            qs = qs.filter(self._has_data())
        return qs

    def not_held(self, qs: models.QuerySet) -> models.QuerySet:
        if self.hold_subject_type:
            ids = held_ids(self.hold_subject_type)
            if ids:
                pk_field = self.model._meta.pk
                qs = qs.exclude(pk__in=[pk_field.to_python(i) for i in ids])
        if self.hold_user_field:
            users = held_user_ids()
            if users:
                qs = qs.exclude(**{f"{self.hold_user_field}__in": users})
        return qs


def _comparable(rule: Rule, cutoff: dt.datetime):
    """A DateField (a day, no time) is compared with the cutoff's local day."""
    model_field = rule.model._meta.get_field(rule.time_field)
    if isinstance(model_field, models.DateField) and not isinstance(
        model_field, models.DateTimeField
    ):
        return timezone.localdate(cutoff)
    return cutoff


def period_fa(age: dt.timedelta | None) -> str:
    """A retention period as Persian words: «۹۰ روز», «۱ سال», «۱۵ دقیقه»."""
    if age is None:
        return ""
    seconds = int(age.total_seconds())
    if seconds <= 0:
        return "همان لحظه"
    days, rest = divmod(seconds, 86400)
    if days and not rest:
        if days % 365 == 0:
            return f"{to_persian_digits(days // 365)} سال"
        return f"{to_persian_digits(days)} روز"
    if seconds % 3600 == 0:
        return f"{to_persian_digits(seconds // 3600)} ساعت"
    return f"{to_persian_digits(max(1, seconds // 60))} دقیقه"


# --- conditions that need the moment of the run ---------------------------------------


def _session_not_live(now: dt.datetime, cutoff: dt.datetime | None) -> Q:
    # Live web sessions and unexpired app (refresh) tokens are never touched, however idle.
    user_session = apps.get_model("accounts.UserSession")
    return ~Q(pk__in=user_session.objects.active(now).values("pk"))


def _order_closed_before(now: dt.datetime, cutoff: dt.datetime | None) -> Q:
    # Measured from the moment the order closed, whichever way it closed.
    return Q(receiver_is_self=False) & (
        Q(status="delivered", delivered_at__lt=cutoff)
        | Q(status="cancelled", cancelled_at__lt=cutoff)
        | Q(status="refunded", refunded_at__lt=cutoff)
    )


def _outbox_settled(now: dt.datetime, cutoff: dt.datetime | None) -> Q:
    # Only messages that are done (sent or given up): a queued one still needs its body.
    return Q(status__in=("sent", "failed"))


def _zero_results_beyond_cap(now: dt.datetime, cutoff: dt.datetime | None) -> Q:
    # The most searched (then most recent) misses are kept; the long tail beyond the cap goes.
    zero = apps.get_model("catalog.ZeroResultQuery")
    cap = settings.CATALOG_ZERO_RESULT_CAP
    kept = zero.objects.order_by("-count", "-last_seen", "pk").values("pk")[:cap]
    return ~Q(pk__in=kept)


def _axes_attempts_age() -> dt.timedelta:
    # An attempt counts towards a lock-out only within the cool-off; never past IP retention.
    from axes.helpers import get_cool_off

    retention = dt.timedelta(days=settings.IP_LOG_RETENTION_DAYS)
    cool_off = get_cool_off()
    return retention if cool_off is None else min(retention, cool_off)


def _legal_period_start(now: dt.datetime) -> dt.datetime:
    """The moment INVOICE_RETENTION_YEARS calendar years before `now` (29 Feb → 28 Feb):
    what was issued before it has served its legal period. Calendar years, never 365-day
    ones, so a leap day never cuts a record back early."""
    years = int(settings.INVOICE_RETENTION_YEARS)
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def _legal_years() -> dt.timedelta:
    # For the sentence only («۱۰ سال»); the conditions measure calendar years themselves.
    return dt.timedelta(days=365 * int(settings.INVOICE_RETENTION_YEARS))


def _held_orders() -> Q:
    ids = held_ids("orders.order")
    return Q(pk__in=[]) if not ids else Q(order_id__in=[int(i) for i in ids if i.isdigit()])


def _invoice_legal_period_over(now: dt.datetime, cutoff: dt.datetime | None) -> Q:
    # Not one the tax system still waits for (its payload is what is sent), nor one whose
    # order is under a legal hold.
    return (
        Q(issued_at__lt=_legal_period_start(now)) & ~Q(moadian_status="pending") & ~_held_orders()
    )


def _official_buyer_period_over(now: dt.datetime, cutoff: dt.datetime | None) -> Q:
    # Given at checkout for the order's invoices: it goes when the last of them has served
    # its period (and the order is not held).
    start = _legal_period_start(now)
    return Q(created_at__lt=start) & ~Q(order__invoices__issued_at__gte=start) & ~_held_orders()


def _payment_period_over(now: dt.datetime, cutoff: dt.datetime | None) -> Q:
    return Q(created_at__lt=_legal_period_start(now)) & ~_held_orders()


_IP_DAYS = _days("IP_LOG_RETENTION_DAYS")
_RECEIVER_DAYS = _days("ORDER_RECEIVER_RETENTION_DAYS")
_IP_SENTENCE = "نشانی IP و مشخصات مرورگر {what} پس از {{period}} پاک می‌شود."

# fmt: off
RULES: tuple[Rule, ...] = (
    # --- IP addresses and user agents, in every table that has them ---
    Rule(
        key="audit_ip", model_label="audit.AuditEvent", action=REDACT,
        fields=("client_ip", "user_agent"), age_of=_IP_DAYS, time_field="created_at",
        update_method="_update_seal", hold_user_field="actor_id",
        sentence_fa=_IP_SENTENCE.format(what="در دفتر رویدادهای امنیتی"),
        note="The event itself stays (sealed); only its IP and user agent go.",
    ),
    *(
        Rule(
            key=f"{label}_ip", model_label=f"reviews.{model}", action=REDACT,
            fields=("posted_ip", "posted_user_agent"), age_of=_IP_DAYS, time_field="created_at",
            hold_subject_type=f"reviews.{model.lower()}", hold_user_field="author_id",
            sentence_fa=_IP_SENTENCE.format(what=what),
            note="Kept for abuse handling; a held review keeps them in its sealed evidence.",
        )
        for label, model, what in (
            ("review", "Review", "هنگام ثبت نظر"),
            ("question", "Question", "هنگام ثبت پرسش"),
            ("answer", "Answer", "هنگام ثبت پاسخ"),
        )
    ),
    # --- Sign-in: sessions, tokens, codes, axes ---
    Rule(
        key="user_sessions", model_label="accounts.UserSession", action=DELETE,
        age_of=_IP_DAYS, time_field="last_seen_at", condition=_session_not_live,
        hold_user_field="user_id",
        sentence_fa=(
            "نشست‌ها و توکن‌های برنامه (با IP و مرورگر) {period} پس از پایان یا آخرین "
            "فعالیت حذف می‌شوند."
        ),
        note="Ended or idle web sessions and expired/revoked app refresh tokens.",
    ),
    Rule(
        key="django_sessions", model_label="sessions.Session", action=DELETE,
        age_of=lambda: dt.timedelta(0), time_field="expire_date",
        sentence_fa="دادهٔ نشست وب همان لحظهٔ انقضا حذف می‌شود.",
        note="Django's own session rows, once expired (they are useless then).",
    ),
    Rule(
        key="one_time_codes", model_label="accounts.OneTimeCode", action=DELETE,
        age_of=_days("OTP_CODE_RETENTION_DAYS"), time_field="expires_at",
        sentence_fa="کدهای یک‌بارمصرف (ورود و بازیابی گذرواژه) {period} پس از انقضا حذف می‌شوند.",
        note="Sign-in and password-reset codes; reset links are signed, not stored.",
    ),
    Rule(
        key="axes_attempts", model_label="axes.AccessAttempt", action=DELETE,
        age_of=_axes_attempts_age, time_field="attempt_time",
        sentence_fa="تلاش‌های ناموفق ورود (با IP و مرورگر) {period} پس از آخرین تلاش حذف می‌شوند.",
        note="Past the lock-out cool-off they no longer count; never past IP retention.",
    ),
    Rule(
        key="axes_logs", model_label="axes.AccessLog", action=DELETE,
        age_of=_IP_DAYS, time_field="attempt_time",
        sentence_fa="گزارش ورودها (با IP و مرورگر) پس از {period} حذف می‌شود.",
        note="The access log is off in settings; rows written before that still go.",
    ),
    Rule(
        key="axes_failure_logs", model_label="axes.AccessFailureLog", action=DELETE,
        age_of=_IP_DAYS, time_field="attempt_time",
        sentence_fa="گزارش ورودهای ناموفق (با IP و مرورگر) پس از {period} حذف می‌شود.",
        note="Off in settings too; same as the access log.",
    ),
    # P5: the IP a marketing consent was given or withdrawn from; the row (the proof) stays.
    Rule(
        key="marketing_consent_ip", model_label="consent.MarketingConsent", action=REDACT,
        fields=("ip",), age_of=_IP_DAYS, time_field="created_at", hold_user_field="user_id",
        sentence_fa=_IP_SENTENCE.format(what="هنگام دادن یا لغو اجازهٔ پیام تبلیغاتی"),
        note="The consent row stays as proof (version, source, time); only the IP goes.",
    ),
    # --- Messages we sent ---
    Rule(
        key="outbox", model_label="notifications.OutboxMessage", action=REDACT,
        fields=("address", "subject", "body", "html_body", "provider_token"),
        age_of=_days("NOTIFICATIONS_BODY_RETENTION_DAYS"), time_field="created_at",
        condition=_outbox_settled, hold_user_field="user_id",
        sentence_fa=(
            "متن و گیرندهٔ پیام‌های فرستاده‌شده {period} پس از ارسال پاک می‌شود؛ "
            "خود رکورد ارسال (بی متن و گیرنده) پس از {outbox_rows} حذف می‌شود."
        ),
        note="Long enough to answer 'did you send me X'; codes and links are dead long before.",
    ),
    Rule(
        key="outbox_rows", model_label="notifications.OutboxMessage", action=DELETE,
        age_of=_days("NOTIFICATIONS_ROW_RETENTION_DAYS"), time_field="created_at",
        condition=_outbox_settled, hold_user_field="user_id",
        sentence_fa="رکورد ارسال پیام‌ها (بدون متن) پس از {period} حذف می‌شود.",
        note="The bare delivery record (status, template, times) for support and statistics.",
    ),
    # --- Shopping: carts, drafts, other people's details on orders ---
    Rule(
        key="guest_carts", model_label="cart.Cart", action=DELETE,
        age_of=_days("CART_GUEST_TTL_DAYS"), time_field="updated_at",
        condition=Q(user__isnull=True),
        sentence_fa="سبد خرید مهمان پس از {period} بی‌استفاده ماندن حذف می‌شود.",
        note="A signed-in customer's cart lives with the account (gone on erasure).",
    ),
    Rule(
        key="checkout_drafts", model_label="checkout.CheckoutDraft", action=DELETE,
        age_of=_RECEIVER_DAYS, time_field="updated_at", hold_user_field="user_id",
        sentence_fa="خرید نیمه‌تمام (که ممکن است مشخصات گیرنده داشته باشد) پس از {period} حذف می‌شود.",
        note="An abandoned checkout may hold another person's name and mobile (P4).",
    ),
    Rule(
        key="order_receivers", model_label="orders.Order", action=ANONYMISE,
        # Orders' own list (erasure of an account blanks the same); province and city stay.
        fields=ORDER_RECEIVER_FIELDS,
        mark_field="receiver_erased_at", age_of=_RECEIVER_DAYS,
        condition=_order_closed_before, hold_subject_type="orders.order",
        hold_user_field="user_id", audit_each="orders.receiver_erased",
        sentence_fa=(
            "نام، تلفن و نشانی گیرنده‌ای جز خود شما {period} پس از بسته شدن سفارش پاک "
            "می‌شود؛ استان و شهر برای فاکتور می‌ماند."
        ),
        note="P4: another person's details serve one order; returns and disputes fit in.",
    ),
    # --- Tax records, once the law no longer asks for them (P1, P9) ---
    Rule(
        key="invoice_buyers", model_label="invoices.Invoice", action=ANONYMISE,
        fields=("buyer_json", "payload_json"), mark_field="buyer_erased_at",
        age_of=_legal_years, condition=_invoice_legal_period_over,
        update_method="_cut_back_buyer", hold_subject_type="invoices.invoice",
        hold_user_field="order__user_id", audit_each="invoices.buyer_erased",
        sentence_fa=(
            "مشخصات خریدار روی فاکتور (نام، تلفن، کد ملی، نشانی) و دادهٔ فرستاده‌شده به "
            "سامانهٔ مودیان، حتی پس از حذف حساب، {period} پس از صدور نگه داشته و سپس پاک "
            "می‌شود؛ شماره و مبلغ‌های فاکتور می‌ماند."
        ),
        note="The tax law's period, in calendar years from issue; the PDF goes with it.",
    ),
    Rule(
        key="official_buyers", model_label="invoices.OfficialBuyer", action=DELETE,
        age_of=_legal_years, condition=_official_buyer_period_over,
        hold_user_field="order__user_id",
        sentence_fa=(
            "مشخصات خریدار حقوقی (نام شرکت، شناسه‌ها، نشانی و تلفن) {period} پس از صدور "
            "آخرین فاکتور سفارش حذف می‌شود."
        ),
        note="Read when the order's invoices are issued; kept as long as they are.",
    ),
    Rule(
        key="payment_cards", model_label="payments.Payment", action=REDACT,
        fields=("card_pan",), age_of=_legal_years, condition=_payment_period_over,
        hold_user_field="order__user_id",
        sentence_fa="شمارهٔ پوشیدهٔ کارت پرداخت {period} پس از پرداخت پاک می‌شود.",
        note="The masked card the bank returned: part of the financial record until then.",
    ),
    # --- Search statistics ---
    Rule(
        key="zero_result_stale", model_label="catalog.ZeroResultQuery", action=DELETE,
        age_of=_days("CATALOG_ZERO_RESULT_RETENTION_DAYS"), time_field="last_seen",
        sentence_fa="جست‌وجوهای بی‌نتیجه (بی هیچ پیوندی با شما) {period} پس از آخرین بار حذف می‌شوند.",
        note="Anonymous counts, but free text may hold a name someone typed.",
    ),
    Rule(
        key="zero_result_cap", model_label="catalog.ZeroResultQuery", action=DELETE,
        condition=_zero_results_beyond_cap,
        sentence_fa="از جست‌وجوهای بی‌نتیجه فقط {cap} عبارت پرتکرارتر نگه داشته می‌شود.",
        note="Only the top CATALOG_ZERO_RESULT_CAP by count are worth keeping.",
    ),
)
# fmt: on

RULES_BY_KEY: dict[str, Rule] = {rule.key: rule for rule in RULES}
assert len(RULES_BY_KEY) == len(RULES), "duplicate retention rule key"


# --- running ----------------------------------------------------------------------------


@dataclass
class RuleResult:
    key: str
    count: int = 0  # rows deleted or redacted (or, in a dry run, that would be)
    held: int = 0  # rows that matched but are under a legal hold


@dataclass
class RunResult:
    dry_run: bool
    rules: list[RuleResult] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {r.key: r.count for r in self.rules}

    @property
    def total(self) -> int:
        return sum(r.count for r in self.rules)


def _apply_chunk(rule: Rule, qs: models.QuerySet, now: dt.datetime) -> int:
    model = rule.model
    if rule.action == DELETE:
        _, per_model = qs.delete()
        return per_model.get(model._meta.label, 0)
    if rule.audit_each:
        # Lock the rows, write each audit event in the same transaction as its change.
        ids = list(qs.select_for_update(of=("self",)).values_list("pk", flat=True))
        changed = getattr(model._default_manager.filter(pk__in=ids), rule.update_method)(
            **rule.blank_values(now)
        )
        for pk in ids:
            audit_record(
                action=rule.audit_each, subject_type=model._meta.label_lower, subject_id=pk
            )
        return changed
    return getattr(qs, rule.update_method)(**rule.blank_values(now))


def rule_run(
    rule: Rule, *, now: dt.datetime, batch_size: int = DEFAULT_BATCH_SIZE, dry_run: bool = False
) -> RuleResult:
    """Apply one rule in chunks of `batch_size` rows, each in its own transaction."""
    eligible = rule.eligible(now)
    todo = rule.not_held(eligible)
    result = RuleResult(key=rule.key)
    if dry_run:
        result.count = todo.count()
        result.held = eligible.count() - result.count
        return result
    result.held = eligible.count() - todo.count()
    last_pk = None
    while True:
        chunk = todo.order_by("pk")
        if last_pk is not None:
            chunk = chunk.filter(pk__gt=last_pk)
        ids = list(chunk.values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        last_pk = ids[-1]
        with transaction.atomic():
            # Filtered again inside the transaction: a row changed meanwhile is left alone.
            result.count += _apply_chunk(rule, todo.filter(pk__in=ids), now)
    return result


def retention_run(
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    batch_size: int | None = None,
    rules: tuple[Rule, ...] | None = None,
) -> RunResult:
    """Run every rule; one audit summary per real run (counts per rule, nothing personal)."""
    now = now or timezone.now()
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    run = RunResult(dry_run=dry_run)
    for rule in rules if rules is not None else RULES:
        run.rules.append(rule_run(rule, now=now, batch_size=batch_size, dry_run=dry_run))
    if not dry_run:
        with transaction.atomic():
            audit_record(
                action=AUDIT_ACTION,
                subject_type="privacy.retention",
                after={
                    "counts": run.counts,
                    "held": {r.key: r.held for r in run.rules if r.held},
                    "total": run.total,
                },
            )
    return run
