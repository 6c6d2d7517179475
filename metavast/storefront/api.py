from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from config.api_schemas import ErrorOut
from metavast.storefront.models import Page

router = Router(tags=["pages"])


class PageOut(Schema):
    slug: str
    title: str
    body: str


class PageListItem(Schema):
    slug: str
    title: str


@router.get("/pages", response=list[PageListItem], summary="فهرست صفحه‌های ثابت")
def list_pages(request):
    return list(Page.objects.published().values("slug", "title"))


@router.get("/pages/{slug}", response={200: PageOut, 404: ErrorOut}, summary="یک صفحهٔ ثابت")
def get_page(request, slug: str):
    return get_object_or_404(Page.objects.published(), slug=slug)
