from django import template

register = template.Library()


@register.filter
def national_mobile(value) -> str:
    """'+989351112233' -> '09351112233', the way Iranians write a mobile number."""
    text = str(value or "")
    return "0" + text[3:] if text.startswith("+98") else text
