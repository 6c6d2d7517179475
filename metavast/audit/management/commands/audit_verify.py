from django.core.management.base import BaseCommand, CommandError

from metavast.audit.services import audit_seal, audit_verify


class Command(BaseCommand):
    help = "Check the audit hash chain; report the first tampered sealed row."

    def add_arguments(self, parser):
        parser.add_argument("--seal", action="store_true", help="seal pending rows first")

    def handle(self, *args, seal: bool, **options):
        if seal:
            audit_seal()
        result = audit_verify()
        if not result.ok:
            raise CommandError(
                f"Audit chain broken at event id {result.first_bad_id}: {result.reason} "
                f"({result.checked} rows verified before it)"
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {result.checked} rows."))
