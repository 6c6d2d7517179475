"""Start-up validation of the seller's details (production refuses to start without them).

Kept free of Django models so the settings module can import it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from metavast.core.identifiers import (
    normalize_company_national_id,
    normalize_economic_number,
    normalize_landline,
    normalize_postal_code,
)

_VALIDATORS = {
    "economic_number": normalize_economic_number,
    "national_id": normalize_company_national_id,
    "postal_code": normalize_postal_code,
    "phone": normalize_landline,
}


def seller_problems(seller: dict, memory_id: str) -> list[str]:
    problems = [
        f"SELLER_{key.upper()} is missing"
        for key in (
            "name",
            "economic_number",
            "national_id",
            "registration_number",
            "address",
            "postal_code",
            "phone",
        )
        if not seller.get(key)
    ]
    for key, normalize in _VALIDATORS.items():
        if seller.get(key):
            try:
                normalize(seller[key])
            except ValidationError:
                problems.append(f"SELLER_{key.upper()} is not valid")
    if len(memory_id or "") != 6 or not (memory_id or "").isalnum():
        problems.append("MOADIAN_MEMORY_ID must be 6 letters or digits")
    return problems
