from __future__ import annotations

from django import forms

from metavast.accounts.forms import AddressPlaceForm, ReceiverFields


class NewAddressForm(AddressPlaceForm):
    """A new address for the book: the place only. The receiver is chosen separately and
    stays on the order (P4)."""


RECEIVER_FIELDS = ("receiver_first_name", "receiver_last_name", "receiver_mobile")


def receiver_initial(*, draft, address=None, address_key: str = "") -> dict:
    """What the receiver fields show for the address `address_key` (a pk, or "new").

    The receiver given for this checkout on that very address (kept on the draft) comes
    first; otherwise the receiver saved with the address in the book; otherwise the
    customer. Another person's details are only read here, from the two places the customer
    gave them; the draft carries them to this order alone and forgets them once it is
    placed (P4)."""
    draft_key = str(draft.address_id) if draft.address_id else "new"
    if not draft.receiver_is_self and draft_key == address_key:
        source = draft
    elif address is not None and not address.receiver_is_self:
        source = address
    else:
        return {"receiver_is_self": "1", **dict.fromkeys(RECEIVER_FIELDS, "")}
    mobile = source.receiver_mobile or ""
    return {
        "receiver_is_self": "0",
        "receiver_first_name": source.receiver_first_name or "",
        "receiver_last_name": source.receiver_last_name or "",
        # Stored as +98...; the field shows it the way Iranians write it.
        "receiver_mobile": "0" + mobile[3:] if mobile.startswith("+98") else mobile,
    }


class ReceiverForm(ReceiverFields):
    # Which address the receiver fields were filled in for: picking another address on the
    # page and leaving them as they were means "that address's receiver", not the first's.
    receiver_for = forms.CharField(required=False, max_length=24, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiver_is_self"].label = "گیرندهٔ سفارش"
        self.fields[
            "receiver_mobile"
        ].help_text = "فقط برای رساندن همین سفارش به کار می‌رود و در حساب شما ذخیره نمی‌شود."

    def is_as_shown(self, shown: dict) -> bool:
        """Did the shopper post the receiver exactly as the page showed it (`shown`, what
        `receiver_initial` gave)? For the customer, the hidden name fields do not count."""
        posted_self = self.data.get("receiver_is_self") == "1"
        if posted_self != (shown["receiver_is_self"] == "1"):
            return False
        return posted_self or all(
            (self.data.get(name) or "").strip() == (shown[name] or "").strip()
            for name in RECEIVER_FIELDS
        )


class ShippingForm(forms.Form):
    method = forms.TypedChoiceField(label="روش ارسال", coerce=int, widget=forms.RadioSelect)
    # A courier's day and time window; which windows belong to which method is the
    # service's to check (the page shows each method's windows under it).
    window = forms.TypedChoiceField(
        label="روز و ساعت تحویل", coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, quotes=(), windows=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [(str(q.method.pk), q.method.name) for q in quotes]
        self.fields["window"].choices = [
            (str(w.pk), w.label)
            for method_windows in (windows or {}).values()
            for w in method_windows
        ]
        self.fields["window"].error_messages["invalid_choice"] = (
            "این بازهٔ تحویل دیگر در دسترس نیست؛ بازهٔ دیگری انتخاب کنید."
        )
