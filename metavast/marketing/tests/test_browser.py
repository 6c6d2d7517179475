"""The campaign admin in Chromium at 1366 px: the change page with the segment's size, the
email preview, and scheduling with a Jalali date-time typed in Persian digits. Screenshots go
to artifacts/marketing-*.png."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from metavast.core.jalali import TEHRAN
from metavast.marketing.models import Campaign, CampaignStatus
from metavast.marketing.services import campaign_save
from metavast.orders.tests.test_browser import staff_cookie
from metavast.reviews.tests.factories import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_campaign_admin_shows_size_never_people(
    world, new_browser_context, live_server, screenshot
):
    staff = make_staff("marketing")
    campaign = campaign_save(
        campaign=Campaign(
            name="حراج زمستانهٔ گوشی",
            channel="email",
            subject="حراج زمستانه",
            body_text="سلام {نام}، گوشی‌ها تا پایان دی با تخفیف.",
            body_html="<h2>حراج زمستانه</h2><p>سلام {نام}، گوشی‌ها تا پایان دی با تخفیف.</p>",
            category=world["mobiles"],
        ),
        actor=staff,
    )
    context = new_browser_context(viewport={"width": 1366, "height": 900}, device_scale_factor=1)
    context.add_cookies([staff_cookie(staff, live_server.url)])
    page = context.new_page()
    page.goto(f"/admin/marketing/campaign/{campaign.pk}/change/")
    expect(page.get_by_text("۱ نفر", exact=True)).to_be_visible()  # email consent + phone buyer
    screenshot(page, "marketing-1-change")
    content = page.content()
    for person in world["people"].values():
        assert person.email not in content and person.last_name not in content

    page.goto(f"/admin/marketing/campaign/{campaign.pk}/preview/")
    expect(page.get_by_text("مشتری گرامی").first).to_be_visible()
    mail = page.frame_locator("iframe")
    expect(mail.get_by_text("لغو اشتراک با یک کلیک")).to_be_visible()
    expect(mail.get_by_text("سلام مشتری گرامی")).to_be_visible()
    screenshot(page, "marketing-2-preview")

    page.goto(f"/admin/marketing/campaign/{campaign.pk}/schedule/")
    page.get_by_label("زمان ارسال (به وقت تهران)").fill("۱۴۰۸/۱۰/۲۶ ۱۰:۳۰")
    screenshot(page, "marketing-3-schedule")
    page.get_by_role("button", name="زمان‌بندی").click()
    expect(page.get_by_text("کارزار زمان‌بندی شد.")).to_be_visible()
    screenshot(page, "marketing-4-scheduled")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED
    assert campaign.scheduled_at == dt.datetime(2030, 1, 15, 10, 30, tzinfo=TEHRAN)
