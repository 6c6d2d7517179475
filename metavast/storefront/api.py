from __future__ import annotations

import re

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from metavast.core.schemas import ErrorOut
from metavast.storefront.models import Page

router = Router(tags=["pages"])

# A page's slug (SlugField, allow_unicode); anything else is simply not found, and never
# reaches the database (a NUL in the path is a 500 on PostgreSQL).
SLUG_RE = re.compile(r"[-\w]{1,80}")


class PageOut(Schema):
    slug: str
    title: str
    body: str


class PageListItem(Schema):
    slug: str
    title: str


@router.get(
    "/pages",
    response=list[PageListItem],
    summary="فهرست صفحه‌های ثابت",
    operation_id="pages_list",
)
def list_pages(request):
    return list(Page.objects.published().values("slug", "title"))


@router.get(
    "/pages/{slug}",
    response={200: PageOut, 404: ErrorOut},
    summary="یک صفحهٔ ثابت",
    operation_id="pages_get",
)
def get_page(request, slug: str):
    if not SLUG_RE.fullmatch(slug):
        raise Http404
    return get_object_or_404(Page.objects.published(), slug=slug)
