from __future__ import annotations

from django.db import transaction

from metavast.storefront.context_processors import invalidate_footer
from metavast.storefront.models import Page


@transaction.atomic
def page_upsert(*, slug: str, title: str, body: str, show_in_footer: bool = True) -> Page:
    page, _ = Page.objects.update_or_create(
        slug=slug, defaults={"title": title, "body": body, "show_in_footer": show_in_footer}
    )
    transaction.on_commit(invalidate_footer)
    return page
