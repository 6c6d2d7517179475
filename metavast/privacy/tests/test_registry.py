"""The purpose registry covers every personal-looking field, and every entry is real."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.test.utils import isolate_apps

from metavast.privacy import registry
from metavast.privacy.registry import FIELDS, NOT_PERSONAL, Basis, Category, Purpose
from metavast.staff.roles import ROLES_BY_KEY


def _field(label: str, name: str):
    model = apps.get_model(label)
    return model._meta.get_field(name)


def test_every_personal_looking_field_of_every_installed_model_is_declared():
    assert registry.uncovered_fields() == []


@isolate_apps("metavast.privacy")
def test_a_new_personal_looking_field_is_reported_until_declared():
    class Parcel(models.Model):  # noqa: DJ008
        birth_date = models.DateField()
        courier_phone = models.CharField(max_length=16)
        client_ip = models.GenericIPAddressField()
        shipping_cost = models.PositiveIntegerField()  # "ip" inside a word: not personal
        description = models.TextField()

        class Meta:
            app_label = "privacy"

    assert registry.uncovered_fields([Parcel]) == [
        "privacy.Parcel.birth_date",
        "privacy.Parcel.client_ip",
        "privacy.Parcel.courier_phone",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "first_name",
        "email",
        "receiver_mobile",
        "national_id",
        "postal_code",
        "ip",
        "ip_address",
        "user_agent",
        "street",
        "plaque",
        "birth_date",
        "home_address",
        "phone",
    ],
)
def test_personal_names_match(name):
    assert registry.PERSONAL_NAME.search(name)


@pytest.mark.parametrize("name", ["shipping_cost", "description", "title", "sku", "zip"])
def test_other_names_do_not_match(name):
    assert not registry.PERSONAL_NAME.search(name)


def test_every_entry_and_companion_names_a_real_field():
    for entry in FIELDS:
        for name in entry.covers():
            try:
                _field(entry.model, name)
            except (LookupError, FieldDoesNotExist):
                pytest.fail(f"{entry.model}.{name} is declared but does not exist")


def test_every_not_personal_entry_names_a_real_field_and_gives_a_reason():
    for key, reason in NOT_PERSONAL.items():
        label, name = key.rsplit(".", 1)
        _field(label, name)
        assert reason.strip()


def test_no_field_is_declared_twice():
    keys = [f"{e.model}.{name}" for e in FIELDS for name in e.covers()]
    assert len(keys) == len(set(keys))
    assert not set(keys) & set(NOT_PERSONAL)


def test_every_entry_says_what_why_on_what_basis_and_until_when():
    for entry in FIELDS:
        assert entry.label.strip(), entry.key
        assert entry.purposes and all(p in Purpose.values for p in entry.purposes), entry.key
        assert entry.basis in Basis.values, entry.key
        assert entry.category in Category.values, entry.key
        assert bool(entry.retention.rule) != bool(entry.retention.statement), entry.key
        assert entry.retention.sentence().strip(), entry.key


def test_roles_that_see_a_field_are_real_roles():
    for entry in FIELDS:
        for role in entry.roles:
            assert role in ROLES_BY_KEY, f"{entry.key}: unknown role {role!r}"


def test_retention_rule_keys_are_rules_of_the_retention_engine():
    from metavast.privacy.retention import RULES

    keys = {rule.key for rule in RULES}
    used = {e.retention.rule for e in FIELDS if e.retention.rule}
    assert used, "no registry entry refers to a retention rule"
    assert used <= keys, f"unknown rule keys: {sorted(used - keys)}"
    for entry in FIELDS:
        if entry.retention.rule:
            rule = registry.retention_rules()[entry.retention.rule]
            assert entry.retention.sentence() == rule.describe_fa()


def test_a_rule_covers_the_field_it_is_cited_for():
    """A registry entry citing a rule names a field of the rule's model (or the rule's model
    is deleted whole): the sentence shown is about the data it is shown beside."""
    rules = registry.retention_rules()
    for entry in FIELDS:
        if not entry.retention.rule:
            continue
        rule = rules[entry.retention.rule]
        assert rule.model_label.lower() == entry.model.lower(), entry.key
        if rule.action == "redact" and rule.fields:
            assert entry.field in rule.fields, entry.key


def test_the_other_persons_data_is_flagged_and_only_for_shipping():
    third_party = [e for e in FIELDS if e.is_third_party]
    assert {e.key for e in third_party} >= {
        "orders.Order.receiver_first_name",
        "orders.Order.receiver_last_name",
        "orders.Order.receiver_mobile",
    }
    for entry in third_party:
        assert entry.purposes == (Purpose.SHIPPING,), entry.key  # P4: only to ship that order
        assert Purpose.MARKETING not in entry.purposes
