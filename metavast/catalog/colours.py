"""Colour swatches for variant choices: a colour option's Persian name → a CSS colour.

The product page draws a small dot beside a colour variant's name («مشکی»). Names are
matched after normalize() (Arabic letters, spacing, ZWNJ), so «نقره ای» and «نقره‌ای» are one
name; a name not listed gets no dot (a plain chip), never a guessed colour.
"""

from __future__ import annotations

from metavast.core.text import normalize

# Option names that hold a colour.
COLOUR_OPTIONS = {"رنگ", "رنگ بندی", "رنگبندی", "color", "colour"}

_COLOURS = {
    "مشکی": "#1b1b1b",
    "سیاه": "#1b1b1b",
    "سفید": "#ffffff",
    "آبی": "#1e63d6",
    "آبی روشن": "#6fb4ff",
    "آبی تیره": "#173f8a",
    "سرمه ای": "#1f2a5a",
    "فیروزه ای": "#1fb5ad",
    "سبز": "#1a8f3a",
    "سبز روشن": "#7cc96a",
    "سبز تیره": "#1f5130",
    "یشمی": "#3d8f6f",
    "زیتونی": "#6b7a2f",
    "قرمز": "#d32f2f",
    "زرشکی": "#8b1a2b",
    "صورتی": "#f48fb1",
    "بنفش": "#7b3fb5",
    "یاسی": "#b9a3d8",
    "زرد": "#f5c518",
    "لیمویی": "#e6e35a",
    "نارنجی": "#f57c00",
    "قهوه ای": "#6d4c41",
    "کرم": "#efe3c2",
    "بژ": "#d9c7a7",
    "خاکستری": "#8a8f98",
    "طوسی": "#8a8f98",
    "نوک مدادی": "#4a4d52",
    "گرافیتی": "#41454b",
    "نقره ای": "#c0c4c8",
    "طلایی": "#d4af37",
    "رزگلد": "#e0b0a0",
    "مسی": "#b87333",
}
COLOURS = {normalize(name): css for name, css in _COLOURS.items()}


def css_colour(name: str) -> str:
    """The CSS colour of a Persian colour name, or "" when the name is not a known colour."""
    return COLOURS.get(normalize(str(name or "")), "")


def variant_swatch(options) -> dict | None:
    """The first colour option of a variant as {"name", "css"} (css "" when unknown), or None
    when the variant has no colour option."""
    for pair in options or []:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            continue
        option, value = pair
        if normalize(str(option)) in COLOUR_OPTIONS:
            return {"name": str(value), "css": css_colour(value)}
    return None
