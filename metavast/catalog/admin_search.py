"""The staff's search synonyms in the back office (Persian labels; writes go through the
service so the search picks a change up on the next request)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from metavast.catalog.models import SearchSynonym
from metavast.catalog.search_synonyms import search_synonym_delete, search_synonym_save


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    list_display = ("phrase", "equivalents", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("phrase", "equivalents")
    fields = ("phrase", "equivalents", "is_active")
    search_help_text = _("جست‌وجو در عبارت و هم‌معنی‌ها")

    def save_model(self, request, obj, form, change):
        saved = search_synonym_save(
            phrase=form.cleaned_data["phrase"],
            equivalents=form.cleaned_data["equivalents"],
            is_active=form.cleaned_data["is_active"],
            synonym=obj if change else None,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        search_synonym_delete(synonym=obj)

    def delete_queryset(self, request, queryset):
        for synonym in queryset:
            search_synonym_delete(synonym=synonym)
