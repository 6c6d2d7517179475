"""The privacy policy page's "today's practice" section, generated, never hand-written.

The policy text (content/privacy-policy-fa.txt) says what the shop promises; this section
says what the system does, read from the same purpose registry and retention rules that the
retention engine runs and the «حریم خصوصی من» page shows, so the page cannot drift from the
behaviour. The storefront sits above privacy and staff, so it may name the roles here.
"""

from __future__ import annotations

from dataclasses import dataclass

from metavast.privacy import registry
from metavast.staff.roles import ROLES_BY_KEY

PRIVACY_SLUG = "privacy"


@dataclass(frozen=True)
class PracticeRow:
    label: str
    fields: list[str]
    purposes: list[str]
    bases: list[str]
    retention: list[str]
    roles: list[str]


def _role_names(entries: list[registry.PersonalField]) -> list[str]:
    keys: list[str] = []
    for entry in entries:
        keys.extend(k for k in entry.roles if k not in keys)
    return [ROLES_BY_KEY[k].name for k in keys if k in ROLES_BY_KEY]


def practice_rows() -> list[PracticeRow]:
    return [
        PracticeRow(
            label=summary.label,
            fields=summary.field_labels(),
            purposes=summary.purpose_labels(),
            bases=summary.basis_labels(),
            retention=summary.retention_sentences(),
            roles=_role_names(summary.entries),
        )
        for summary in registry.summaries()
    ]


def retention_sentences() -> list[str]:
    """One sentence per rule of the retention engine, in its order."""
    return [rule.describe_fa() for rule in registry.retention_rules().values()]
