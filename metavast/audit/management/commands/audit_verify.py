from django.core.management.base import BaseCommand, CommandError

from metavast.audit.services import audit_seal, audit_verify


class Command(BaseCommand):
    help = (
        "Check the keyed audit chain against its seals and its last signed checkpoint; "
        "exit non-zero with the reason when it is not intact."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seal", action="store_true", help="seal pending rows first")

    def handle(self, *args, seal: bool, **options):
        if seal:
            audit_seal()
        result = audit_verify()
        if not result.ok:
            where = (
                f"Audit chain broken at event id {result.first_bad_id}"
                if result.first_bad_id is not None
                else "Audit chain not intact"
            )
            raise CommandError(
                f"{where}: {result.reason} [{result.problem}] "
                f"({result.checked} rows verified before it)"
            )
        checkpoint = (
            f"matches the checkpoint at seal_seq {result.checkpoint_seq}"
            if result.checkpoint_seq is not None
            else "no checkpoint yet"
        )
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain intact: {result.checked} rows; {checkpoint}.")
        )
