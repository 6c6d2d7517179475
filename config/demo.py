"""Demo values shared by the embedded default, the tests and the benchmarks.

Never read by production settings: production takes the real seller from SELLER_*.
"""

from __future__ import annotations

DEMO_SELLER = {
    "name": "فروشگاه اینترنتی متاوست (نمونه)",
    "economic_number": "10380284790",
    "national_id": "10380284790",
    "registration_number": "123456",
    "address": "تهران، خیابان ولیعصر، پلاک ۱۰۰",
    "postal_code": "1511111111",
    "phone": "+982188776655",
}
DEMO_MOADIAN_MEMORY_ID = "A1B2C3"


def demo_seller_env() -> dict[str, str]:
    """The demo seller as the SELLER_* / MOADIAN_MEMORY_ID variables production reads."""
    env = {f"SELLER_{key.upper()}": value for key, value in DEMO_SELLER.items()}
    env["MOADIAN_MEMORY_ID"] = DEMO_MOADIAN_MEMORY_ID
    return env
