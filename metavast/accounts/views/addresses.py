"""The address book, and the cities of a province for its form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from metavast.accounts import forms
from metavast.accounts.models import Address, iran_divisions
from metavast.accounts.services import addresses as address_services
from metavast.accounts.views._common import _error
from metavast.core.errors import DomainError
from metavast.core.http import no_store


@login_required
@require_GET
@no_store
def addresses_view(request):
    items = list(Address.objects.of(request.user))
    return render(request, "accounts/addresses.html", {"addresses": items})


@login_required
@require_http_methods(["GET", "POST"])
@no_store
def address_edit_view(request, pk: int | None = None):
    address = None
    initial = {}
    if pk is not None:
        address = Address.objects.of(request.user).filter(pk=pk).first()
        if address is None:
            raise Http404
        initial = {
            f: getattr(address, f)
            for f in (
                "label",
                "province",
                "city",
                "street",
                "alley",
                "plaque",
                "unit",
                "postal_code",
                "receiver_first_name",
                "receiver_last_name",
                "receiver_mobile",
                "is_default",
            )
        }
        initial["receiver_is_self"] = "1" if address.receiver_is_self else "0"
    form = forms.AddressForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if address is None:
                address_services.address_create(user=request.user, data=form.to_input())
            else:
                address_services.address_update(
                    user=request.user, address_id=address.pk, data=form.to_input()
                )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except DomainError as exc:
            _error(form, exc)
        else:
            messages.success(request, "نشانی ذخیره شد.")
            return redirect("accounts:addresses")
    return render(request, "accounts/address_form.html", {"form": form, "address": address})


@login_required
@require_POST
def address_delete_view(request, pk: int):
    try:
        address_services.address_delete(user=request.user, address_id=pk)
    except DomainError as exc:
        raise Http404 from exc
    messages.success(request, "نشانی حذف شد.")
    return redirect("accounts:addresses")


@require_GET
def cities_view(request):
    """<option>s of a province's cities, for the address form (htmx)."""
    cities = iran_divisions().get(request.GET.get("province", ""), {}).get("cities", [])
    return render(request, "accounts/_city_options.html", {"cities": cities})
