"""Campaigns (issue 13, item 2): segments, consent at send time, quiet hours, throttling,
the «لغو۱۱» suffix, counts, and that no staff page names a recipient."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest
from django.test import Client
from django.utils import timezone

from metavast.accounts.testing import verify_staff_client
from metavast.audit.models import AuditEvent
from metavast.consent import marketing as consent
from metavast.core.jalali import TEHRAN
from metavast.marketing import services
from metavast.marketing.errors import NoConfirmedContact
from metavast.marketing.models import Campaign, CampaignRecipient, CampaignStatus
from metavast.marketing.segments import segment_size
from metavast.marketing.tests.factories import give
from metavast.notifications.models import OutboxMessage, Purpose, Status
from metavast.notifications.services import notify
from metavast.notifications.services import outbox as outbox_module
from metavast.orders.models import Order
from metavast.orders.tests.factories import fill_cart, make_customer
from metavast.reviews.tests.factories import make_staff

pytestmark = pytest.mark.django_db

EMAIL = consent.Channel.EMAIL
SMS = consent.Channel.SMS
# Far in the future so the outbox's own clock (it takes max(now, not_before)) never wins.
MORNING = dt.datetime(2030, 1, 15, 10, 0, tzinfo=TEHRAN)
NIGHT = dt.datetime(2030, 1, 15, 23, 0, tzinfo=TEHRAN)


def _campaign(channel=SMS, **rules) -> Campaign:
    author = make_staff("marketing")
    fields = {"name": "حراج زمستانه", "channel": channel, "body_text": "سلام {نام}، حراج آغاز شد."}
    if channel == EMAIL:
        fields.update(subject="حراج زمستانه", body_html="<p>سلام {نام}</p>")
    return services.campaign_save(campaign=Campaign(**fields, **rules), actor=author)


def _recipients(campaign) -> set[int]:
    return set(
        OutboxMessage.objects.filter(
            purpose=Purpose.PROMOTION,
            pk__in=CampaignRecipient.objects.filter(campaign=campaign).values("message"),
        ).values_list("user_id", flat=True)
    )


# --- Done means: exactly the consenting, confirmed contacts; none during quiet hours ---


def test_campaign_reaches_exactly_consenting_confirmed_contacts_and_waits_out_quiet_hours(world):
    people = world["people"]
    campaign = _campaign(SMS, category=world["mobiles"])
    actor = campaign.created_by
    # Staff see the size: yes_both and yes_sms (phone buyers with SMS consent, confirmed).
    assert segment_size(campaign) == 2
    services.campaign_schedule(campaign=campaign, at=NIGHT, actor=actor, now=NIGHT)

    # 23:00 Tehran: quiet hours. Nothing is queued and the campaign waits.
    result = services.campaigns_send_due(now=NIGHT)
    assert result["queued"] == 0
    assert OutboxMessage.objects.filter(purpose=Purpose.PROMOTION).count() == 0
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED
    # 07:59 still quiet.
    early = dt.datetime(2030, 1, 16, 7, 59, tzinfo=TEHRAN)
    assert services.campaigns_send_due(now=early)["queued"] == 0

    # 08:00: exactly the two consenting, confirmed phone buyers.
    eight = dt.datetime(2030, 1, 16, 8, 0, tzinfo=TEHRAN)
    result = services.campaigns_send_due(now=eight)
    assert result["queued"] == 2
    assert _recipients(campaign) == {people["yes_both"].pk, people["yes_sms"].pk}
    messages = OutboxMessage.objects.filter(purpose=Purpose.PROMOTION)
    assert {m.address for m in messages} == {
        people["yes_both"].mobile,
        people["yes_sms"].mobile,
    }
    for message in messages:
        assert message.channel == SMS
        assert message.body.endswith("\nلغو۱۱")
        assert message.next_attempt_at >= eight
        assert not services.is_quiet_hour(message.next_attempt_at)
    assert any("آرش" in m.body for m in messages)  # the name is filled in per person
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    sent = AuditEvent.objects.get(action="marketing.campaign_sent")
    assert sent.after == {"queued": 2}
    # A second run queues nobody twice.
    assert services.campaigns_send_due(now=eight + dt.timedelta(minutes=1))["queued"] == 0
    assert messages.count() == 2


def test_email_campaign_carries_list_unsubscribe_and_footer_link(world, settings):
    settings.SITE_URL = "https://shop.example.ir"
    people = world["people"]
    campaign = _campaign(EMAIL)
    services.campaign_schedule(
        campaign=campaign, at=MORNING, actor=campaign.created_by, now=MORNING
    )
    services.campaigns_send_due(now=MORNING)
    # Email consent and a confirmed address: yes_both and book; nobody else.
    assert _recipients(campaign) == {people["yes_both"].pk, people["book"].pk}
    message = OutboxMessage.objects.get(user=people["yes_both"], purpose=Purpose.PROMOTION)
    link = consent.unsubscribe_url(people["yes_both"], EMAIL)
    assert message.email_headers == {
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert link in message.body and link in message.html_body
    assert 'dir="rtl"' in message.html_body and "سلام آرش" in message.html_body
    assert message.subject == "حراج زمستانه"


def test_consent_is_checked_again_at_send_time(world):
    people = world["people"]
    campaign = _campaign(SMS, category=world["phones"])
    services.campaign_schedule(
        campaign=campaign, at=MORNING, actor=campaign.created_by, now=MORNING
    )
    # yes_sms leaves after the campaign was scheduled, before it is sent.
    consent.consent_withdraw(user=people["yes_sms"], channel=SMS, source="sms_reply")
    services.campaigns_send_due(now=MORNING)
    assert _recipients(campaign) == {people["yes_both"].pk}


# --- Segments ---------------------------------------------------------------------------


def test_segment_sizes_by_rule(world):
    people = world["people"]
    assert segment_size(_campaign(SMS)) == 4  # yes_both, yes_sms, book, cancelled
    assert segment_size(_campaign(EMAIL)) == 2  # yes_both, book
    assert segment_size(_campaign(SMS, category=world["phones"])) == 2
    assert segment_size(_campaign(SMS, category=world["books"])) == 1
    assert segment_size(_campaign(SMS, province="isfahan")) == 1
    assert segment_size(_campaign(SMS, province="tehran", city="تهران")) == 3
    assert segment_size(_campaign(SMS, city="اصفهان")) == 1
    # Last order before / after a date (given as Jalali in the admin, stored Gregorian).
    Order.objects.filter(user=people["book"]).update(
        placed_at=dt.datetime(2025, 3, 1, 12, tzinfo=TEHRAN)
    )
    boundary = dt.date(2025, 6, 1)
    assert segment_size(_campaign(SMS, last_order_before=boundary)) == 1
    assert segment_size(_campaign(SMS, last_order_after=boundary)) == 3


def test_segment_cart_abandoned(world):
    people = world["people"]
    phone = world["phones"]
    from metavast.catalog.models import Product

    product = Product.objects.filter(category=phone).first()
    now = timezone.now()
    # yes_both ordered a month ago, then left a phone in the cart ten days ago.
    Order.objects.filter(user=people["yes_both"]).update(placed_at=now - dt.timedelta(days=30))
    cart = fill_cart(people["yes_both"], (product.variants.first(), 1))
    type(cart).objects.filter(pk=cart.pk).update(updated_at=now - dt.timedelta(days=10))
    # book does the same but then ordered.
    cart2 = fill_cart(people["book"], (product.variants.first(), 1))
    type(cart2).objects.filter(pk=cart2.pk).update(updated_at=now - dt.timedelta(days=10))
    Order.objects.filter(user=people["book"]).update(placed_at=now - dt.timedelta(days=1))
    # yes_sms touched the cart yesterday: not abandoned for a week.
    cart3 = fill_cart(people["yes_sms"], (product.variants.first(), 1))
    type(cart3).objects.filter(pk=cart3.pk).update(updated_at=now - dt.timedelta(days=1))
    campaign = _campaign(SMS, cart_abandoned_days=7)
    assert segment_size(campaign, now=now) == 1
    services.campaign_schedule(campaign=campaign, at=now, actor=campaign.created_by, now=now)
    services.campaign_send_step(campaign=campaign, now=max(now, MORNING))
    assert _recipients(campaign) == {people["yes_both"].pk}


# --- SMS text ---------------------------------------------------------------------------


def test_sms_suffix_is_appended_and_counted():
    text = services.sms_text("تخفیف ویژه {نام}", name="سارا")
    assert text == "تخفیف ویژه سارا\nلغو۱۱"
    assert services.sms_parts("ب" * 70) == 1
    assert services.sms_parts("ب" * 71) == 2
    assert services.sms_parts("ب" * 134) == 2
    assert services.sms_parts("ب" * 135) == 3
    assert services.sms_parts("a" * 160) == 1 and services.sms_parts("a" * 161) == 2
    # 64 Persian characters + newline + «لغو۱۱» (5) = 70: one part; one more makes two.
    assert services.sms_parts(services.sms_text("ب" * 64)) == 1
    assert services.sms_parts(services.sms_text("ب" * 65)) == 2


def test_quiet_hours_boundaries(settings):
    settings.MARKETING_SMS_QUIET_HOURS = (22, 8)
    at = lambda h, m=0: dt.datetime(2030, 1, 15, h, m, tzinfo=TEHRAN)  # noqa: E731
    assert not services.is_quiet_hour(at(21, 59))
    assert services.is_quiet_hour(at(22, 0))
    assert services.is_quiet_hour(at(3))
    assert not services.is_quiet_hour(at(8))
    assert services.quiet_hours_end(at(23)) == dt.datetime(2030, 1, 16, 8, 0, tzinfo=TEHRAN)
    assert services.quiet_hours_end(at(3)) == at(8)
    assert services.quiet_hours_end(at(10)) == at(10)


# --- Throttling and counts ----------------------------------------------------------------


def test_throttling_queues_in_chunks_at_the_configured_rate(shop, settings):
    settings.MARKETING_SEND_RATE_PER_MINUTE = 5
    settings.MARKETING_SEND_CHUNK_SIZE = 2
    customers = [make_customer() for _ in range(7)]
    for customer in customers:
        give(customer, EMAIL)
    campaign = _campaign(EMAIL)
    services.campaign_schedule(
        campaign=campaign, at=MORNING, actor=campaign.created_by, now=MORNING
    )

    first = services.campaigns_send_due(now=MORNING)
    assert first == {"queued": 5, "skipped": 0, "chunks": 3, "campaigns": 1}
    slots = sorted(
        OutboxMessage.objects.filter(purpose=Purpose.PROMOTION).values_list(
            "next_attempt_at", flat=True
        )
    )
    # Chunks of 2, 2, 1 spread over the minute at 5 a minute: +0 s, +24 s, +48 s.
    seconds = [(slot - MORNING).total_seconds() for slot in slots]
    assert seconds == [0, 0, 24, 24, 48]
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENDING

    second = services.campaigns_send_due(now=MORNING + dt.timedelta(minutes=1))
    assert second["queued"] == 2
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert _recipients(campaign) == {c.pk for c in customers}


def test_counts_queued_sent_failed_unsubscribed(shop):
    customers = [make_customer() for _ in range(3)]
    for customer in customers:
        give(customer, EMAIL)
    campaign = _campaign(EMAIL)
    services.campaign_schedule(
        campaign=campaign, at=MORNING, actor=campaign.created_by, now=MORNING
    )
    services.campaigns_send_due(now=MORNING)
    messages = list(OutboxMessage.objects.filter(purpose=Purpose.PROMOTION).order_by("pk"))
    OutboxMessage.objects.filter(pk__in=[messages[0].pk, messages[1].pk]).update(status=Status.SENT)
    OutboxMessage.objects.filter(pk=messages[2].pk).update(status=Status.FAILED)
    # Someone who was never in this campaign leaving does not count.
    outsider = make_customer()
    give(outsider, EMAIL)
    consent.consent_withdraw(user=outsider, channel=EMAIL, source="profile")
    # One recipient leaves after the campaign started (a time after MORNING).
    consent.consent_withdraw(
        user=customers[0],
        channel=EMAIL,
        source="unsubscribe_link",
        now=MORNING + dt.timedelta(hours=1),
    )
    campaign.refresh_from_db()
    assert services.campaign_counts(campaign=campaign) == {
        "queued": 3,
        "sent": 2,
        "failed": 1,
        "unsubscribed": 1,
    }


# --- Transactional messages are never blocked by marketing consent ------------------------


def test_transactional_messages_ignore_marketing_consent(shop):
    customer = make_customer()
    give(customer, EMAIL, SMS)
    consent.consent_withdraw(user=customer, channel=EMAIL, source="profile")
    consent.consent_withdraw(user=customer, channel=SMS, source="profile")
    assert not consent.may_send(customer, EMAIL) and not consent.may_send(customer, SMS)
    written = notify(user=customer, template="orders/paid", context={"order_number": "MV-1"})
    assert {m.channel for m in written} == {EMAIL, SMS}
    assert all(m.purpose == Purpose.ACCOUNT for m in written)
    assert all("لغو۱۱" not in m.body for m in written)  # no promotion rides along
    # The transactional path cannot consult marketing consent: it does not even import it.
    source = inspect.getsource(outbox_module.notify) + inspect.getsource(outbox_module._write)
    assert "consent" not in source and "may_send" not in source


# --- Preview, test-send, and no page lists recipients --------------------------------------


def test_test_send_goes_to_own_confirmed_contact_only(shop):
    campaign = _campaign(EMAIL)
    author = campaign.created_by
    with pytest.raises(NoConfirmedContact):
        services.campaign_test_send(campaign=campaign, actor=author)  # email not confirmed
    type(author).objects.filter(pk=author.pk).update(email_confirmed_at=timezone.now())
    author.refresh_from_db()
    message = services.campaign_test_send(campaign=campaign, actor=author)
    assert message.address == author.email and message.user == author
    assert OutboxMessage.objects.filter(purpose=Purpose.PROMOTION).count() == 1
    assert CampaignRecipient.objects.count() == 0  # not counted in the campaign
    assert AuditEvent.objects.filter(action="marketing.campaign_test_sent").count() == 1


def test_preview_uses_a_placeholder_not_a_customer(world):
    preview = services.campaign_preview(campaign=_campaign(SMS))
    assert preview["text"] == "سلام مشتری گرامی، حراج آغاز شد.\nلغو۱۱"
    assert preview["parts"] == 1


def test_no_admin_page_lists_recipients(world):
    people = world["people"]
    staff_user = make_staff("marketing")
    client = verify_staff_client(_logged_in(staff_user), staff_user)
    response = client.post(
        "/admin/marketing/campaign/add/",
        {
            "name": "کارزار گوشی",
            "channel": SMS,
            "subject": "",
            "body_text": "سلام {نام}",
            "body_html": "",
            "category": world["mobiles"].pk,
            "province": "",
            "city": "",
            "last_order_after": "",
            "last_order_before": "",
            "cart_abandoned_days": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get(name="کارزار گوشی")
    assert AuditEvent.objects.filter(action="marketing.campaign_composed").exists()
    base = f"/admin/marketing/campaign/{campaign.pk}"
    pages = [
        "/admin/marketing/campaign/",
        f"{base}/change/",
        f"{base}/preview/",
        f"{base}/preview/email/",
        f"{base}/schedule/",
        f"{base}/test-send/",
    ]
    html = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html[url] = response.content.decode()
    assert "۲ نفر" in html[f"{base}/change/"]  # the size, in Persian digits
    # Schedule with a Jalali date-time typed in Persian digits.
    response = client.post(f"{base}/schedule/", {"at": "۱۴۰۸/۱۰/۲۶ ۱۰:۰۰"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED
    assert campaign.scheduled_at == dt.datetime(2030, 1, 15, 10, 0, tzinfo=TEHRAN)
    services.campaigns_send_due(now=MORNING)
    assert CampaignRecipient.objects.filter(campaign=campaign).count() == 2
    for url in pages[:3]:
        html[url + "#after"] = client.get(url).content.decode()
    for customer in people.values():
        for page in html.values():
            for value in (
                customer.first_name,
                customer.last_name,
                customer.email,
                customer.mobile,
                customer.mobile[3:],
            ):
                assert value not in page
    # No admin for the recipients exists at all.
    assert client.get("/admin/marketing/campaignrecipient/").status_code == 404


def test_other_roles_cannot_open_campaigns(world):
    support = make_staff("support")
    client = verify_staff_client(_logged_in(support), support)
    assert client.get("/admin/marketing/campaign/").status_code == 403


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Through the real outbox, the beat task, and a chunk spilling into the quiet hours ----


def test_delivered_sms_ends_with_the_suffix_and_counts_as_sent(world):
    from metavast.notifications.backends import locmem
    from metavast.notifications.services import message_deliver

    locmem.outbox.clear()
    campaign = _campaign(SMS, province="isfahan")
    services.campaign_schedule(
        campaign=campaign, at=MORNING, actor=campaign.created_by, now=MORNING
    )
    services.campaigns_send_due(now=MORNING)
    (message,) = OutboxMessage.objects.filter(purpose=Purpose.PROMOTION)
    assert message_deliver(message_id=message.message_id, now=MORNING) == "sent"
    (sms,) = locmem.outbox
    assert sms.body.endswith("لغو۱۱") and "بهار" in sms.body
    assert services.campaign_counts(campaign=campaign)["sent"] == 1


def test_the_beat_task_sends_due_campaigns(world, settings):
    from metavast.marketing.tasks import send_due_campaigns

    assert settings.CELERY_BEAT_SCHEDULE["marketing-send-due"]["task"] == (
        "metavast.marketing.tasks.send_due_campaigns"
    )
    campaign = _campaign(EMAIL)
    now = timezone.now()
    services.campaign_schedule(campaign=campaign, at=now, actor=campaign.created_by, now=now)
    assert send_due_campaigns() == 2
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_sms_chunk_whose_slot_falls_in_quiet_hours_waits_until_eight(shop, settings):
    settings.MARKETING_SEND_RATE_PER_MINUTE = 2
    settings.MARKETING_SEND_CHUNK_SIZE = 1
    customers = [make_customer() for _ in range(2)]
    for customer in customers:
        give(customer, SMS)
    campaign = _campaign(SMS)
    before_ten = dt.datetime(2030, 1, 15, 21, 59, 45, tzinfo=TEHRAN)
    services.campaign_schedule(
        campaign=campaign, at=before_ten, actor=campaign.created_by, now=before_ten
    )
    assert services.campaigns_send_due(now=before_ten)["queued"] == 2
    slots = sorted(
        OutboxMessage.objects.filter(purpose=Purpose.PROMOTION).values_list(
            "next_attempt_at", flat=True
        )
    )
    # The first chunk goes at 21:59:45; the second's slot (22:00:15) waits until 08:00.
    assert slots == [before_ten, dt.datetime(2030, 1, 16, 8, 0, tzinfo=TEHRAN)]


def test_cancel_stops_further_sending_and_transitions_are_enforced(shop, settings):
    from metavast.marketing.errors import InvalidCampaignTransition

    settings.MARKETING_SEND_RATE_PER_MINUTE = 1
    customers = [make_customer() for _ in range(3)]
    for customer in customers:
        give(customer, EMAIL)
    campaign = _campaign(EMAIL)
    actor = campaign.created_by
    services.campaign_schedule(campaign=campaign, at=MORNING, actor=actor, now=MORNING)
    services.campaign_unschedule(campaign=campaign, actor=actor)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT and campaign.scheduled_at is None
    assert services.campaigns_send_due(now=MORNING)["queued"] == 0  # a draft never sends
    services.campaign_schedule(campaign=campaign, at=MORNING, actor=actor, now=MORNING)
    assert services.campaigns_send_due(now=MORNING)["queued"] == 1
    services.campaign_cancel(campaign=campaign, actor=actor, now=MORNING)
    assert services.campaigns_send_due(now=MORNING + dt.timedelta(minutes=1))["queued"] == 0
    assert OutboxMessage.objects.filter(purpose=Purpose.PROMOTION).count() == 1
    with pytest.raises(InvalidCampaignTransition):
        services.campaign_schedule(campaign=campaign, at=MORNING, actor=actor, now=MORNING)
    cancelled = AuditEvent.objects.get(action="marketing.campaign_cancelled")
    assert cancelled.after == {"queued": 1}
