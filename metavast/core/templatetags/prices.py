"""Prices as the shopper sees them: a stored net amount with VAT included, at the rate of the
day (metavast.core.vat). `{% load prices %}` then `{{ variant.price|with_vat|toman }}`."""

from __future__ import annotations

from django import template

from metavast.core.vat import display_gross

register = template.Library()


@register.filter
def with_vat(net):
    return display_gross(net)
