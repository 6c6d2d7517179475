"""Access matrix rows for campaigns (format: metavast/staff/tests/access_matrix_format.py).

Only the marketing role composes, previews, test-sends and schedules campaigns. Nobody
deletes one (a cancelled campaign stays, with its counts); the recipients have no admin at
all, so they appear in no row."""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import Action, AdminModel, Route

MARKETING = {"marketing"}


def _campaign(w):
    def make():
        from metavast.marketing.models import Campaign
        from metavast.marketing.services import campaign_save

        return campaign_save(
            campaign=Campaign(name="کارزار ماتریس", channel="sms", body_text="حراج زمستانه"),
            actor=w.superuser,
        )

    return w.once("campaign", make)


def _args(w):
    return (_campaign(w).pk,)


ROWS = [
    AdminModel(
        "marketing.campaign",
        view=MARKETING,
        add=MARKETING,
        change=MARKETING,
        delete=set(),
        obj=_campaign,
    ),
    # The site-wide bulk delete is never offered: nobody deletes a campaign.
    Action("marketing.campaign", "delete_selected", allowed=set()),
    Route("admin:marketing_campaign_preview", allowed=MARKETING, args=_args),
    Route("admin:marketing_campaign_preview_email", allowed=MARKETING, args=_args),
    Route("admin:marketing_campaign_test_send", allowed=MARKETING, args=_args),
    Route("admin:marketing_campaign_schedule", allowed=MARKETING, args=_args),
    Route("admin:marketing_campaign_unschedule", allowed=MARKETING, args=_args),
    Route("admin:marketing_campaign_cancel", allowed=MARKETING, args=_args),
]
