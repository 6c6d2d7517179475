"""`dumpdata` writes fields decrypted: personal models are refused unless asked, then audited."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from metavast.audit.models import AuditEvent
from metavast.orders.tests.factories import make_customer, make_variant
from metavast.privacy.management.commands.dumpdata import AUDIT_ACTION

pytestmark = pytest.mark.django_db


def _dump(*args, **options) -> str:
    out = StringIO()
    call_command("dumpdata", *args, stdout=out, **options)
    return out.getvalue()


def test_the_catalog_dumps_as_before_and_is_not_audited():
    make_variant(title="کالای آزمایشی دامپ")
    # Searches that found nothing are free text someone typed: personal, so left out here.
    data = json.loads(_dump("catalog", exclude=["catalog.ZeroResultQuery"]))
    assert any(row["model"] == "catalog.product" for row in data)
    assert not AuditEvent.objects.filter(action=AUDIT_ACTION).exists()


@pytest.mark.parametrize("args", [(), ("accounts",), ("accounts.User",), ("orders", "catalog")])
def test_personal_models_are_refused_with_their_names(args):
    make_customer(first_name="پریسا", last_name="دامپی")
    with pytest.raises(CommandError, match="personal data") as refused:
        _dump(*args)
    assert "داده" in str(refused.value)
    assert not AuditEvent.objects.filter(action=AUDIT_ACTION).exists()


def test_excluding_the_personal_models_is_allowed():
    make_customer(first_name="پریسا", last_name="دامپی")
    out = _dump(
        "accounts",
        exclude=[
            "accounts.User",
            "accounts.Address",
            "accounts.UserSession",
            "accounts.OneTimeCode",
        ],
    )
    assert "دامپی" not in out


def test_with_the_flag_the_dump_is_written_and_audited():
    make_customer(first_name="پریسا", last_name="دامپی")
    out = _dump("accounts.User", include_personal_data=True)
    assert "دامپی" in out  # in clear, as asked
    event = AuditEvent.objects.get(action=AUDIT_ACTION)
    assert event.after["models"] == ["accounts.user"]
    assert "دامپی" not in json.dumps(event.after, ensure_ascii=False)


def test_an_unknown_model_is_a_clear_error():
    with pytest.raises(CommandError):
        _dump("nosuchapp")
