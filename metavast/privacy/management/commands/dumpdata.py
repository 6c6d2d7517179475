"""Django's `dumpdata`, refusing personal data unless the operator says so, and audited then.

`dumpdata` decrypts every encrypted field (it serialises model values), so a plain
`manage.py dumpdata > shop.json` would write every customer's name, mobile, address and
national code to a file in clear: a way out of the database that bypasses the legal
disclosure register (P8) and the encrypted backups (docs/backups.md). Catalog and other
non-personal data dump as before. A model in the privacy registry (metavast/privacy/
registry.py) is refused unless `--include-personal-data` is given; then the dump is recorded
in the audit trail (which models, which operating-system user), so it is not silent.
"""

from __future__ import annotations

import getpass

from django.apps import apps
from django.core.management.base import CommandError
from django.core.management.commands import dumpdata
from django.db import transaction

from metavast.audit.services import audit_record
from metavast.privacy.registry import FIELDS

AUDIT_ACTION = "privacy.operator_dump"


def personal_models() -> set[str]:
    return {entry.model.lower() for entry in FIELDS}


def selected_models(app_labels, excludes) -> set[str]:
    """The models (label_lower) a dumpdata with these arguments would write."""
    excluded_apps = {label for label in excludes if "." not in label}
    excluded_models = {label.lower() for label in excludes if "." in label}
    if app_labels:
        models = []
        for label in app_labels:
            if "." in label:
                models.append(apps.get_model(label))
            else:
                models.extend(apps.get_app_config(label).get_models())
    else:
        models = apps.get_models()
    return {
        model._meta.label_lower
        for model in models
        if model._meta.app_label not in excluded_apps
        and model._meta.label_lower not in excluded_models
    }


class Command(dumpdata.Command):
    help = (
        "Django's dumpdata; models with personal data (they are written decrypted) only with "
        "--include-personal-data, which is audited."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--include-personal-data",
            action="store_true",
            help="also dump models with personal data, in clear; recorded in the audit trail",
        )

    def handle(self, *app_labels, **options):
        try:
            chosen = selected_models(app_labels, options.get("exclude") or [])
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        personal = sorted(chosen & personal_models())
        if personal and not options.get("include_personal_data"):
            raise CommandError(
                "این مدل‌ها دادهٔ شخصی دارند و dumpdata آن‌ها را رمزگشایی‌شده می‌نویسد؛ برای "
                "پشتیبان از `manage.py backup` و برای درخواست قانونی از دفتر افشای قانونی "
                "استفاده کنید. (These models hold personal data, written in clear: "
                f"{', '.join(personal)}. Exclude them with -e, or pass "
                "--include-personal-data, which is audited.)"
            )
        if personal:
            with transaction.atomic():
                audit_record(
                    action=AUDIT_ACTION,
                    subject_type="privacy.dumpdata",
                    after={"models": personal, "os_user": getpass.getuser()},
                )
        return super().handle(*app_labels, **options)
