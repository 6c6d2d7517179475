"""Per-object staff action pages in the admin (approve, reject, place a hold, schedule...).

Each page shows a small form on the model's action template and, on POST, calls one service;
a domain error becomes a Persian message and the staff member goes back to the object. The
admins of legal, reviews and marketing share these helpers instead of each keeping a copy.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from metavast.core.errors import DomainError


class ActionPagesMixin:
    """For a ModelAdmin: `action_template` is the page the forms are shown on."""

    action_template = ""

    def _object(self, request, pk: int, permission: str):
        if not request.user.has_perm(permission):
            raise PermissionDenied
        return get_object_or_404(self.model, pk=pk)

    def _back(self, obj):
        opts = self.model._meta
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))

    def _page(self, request, obj, form, title: str, button: str, **extra):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "form": form,
            "title": title,
            "button": button,
            **extra,
        }
        return TemplateResponse(request, self.action_template, context)

    def _run(self, request, obj, call, success: str):
        try:
            call()
        except DomainError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
        else:
            self.message_user(request, success, messages.SUCCESS)
        return self._back(obj)
