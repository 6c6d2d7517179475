"""The discount-code form after a refused code: the code as typed and why, beside the field.

The apply view redirects (POST, then GET), so what was typed would be lost; it keeps the
attempt in the session for the next render of the form, which takes it once."""

from django import template

register = template.Library()

DISCOUNT_ATTEMPT_KEY = "cart:discount-attempt"


@register.simple_tag(takes_context=True)
def discount_attempt(context):
    session = getattr(context.get("request"), "session", None)
    if session is None or DISCOUNT_ATTEMPT_KEY not in session:
        return None
    return session.pop(DISCOUNT_ATTEMPT_KEY)
