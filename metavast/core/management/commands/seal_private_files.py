"""Seal every plaintext file under PRIVATE_STORAGE_ROOT and make the tree owner-only.

Invoice PDFs written before sealing existed are plaintext, 0644, in 0755 directories. A
download seals its file the first time it is read; this command does them all at once
(run it once after upgrading; it is safe to run again: sealed files are left as they are).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from metavast.core.private_files import seal_plaintext_files


class Command(BaseCommand):
    help = "Encrypt plaintext private files (invoice PDFs) and make them owner-only."

    def handle(self, *args, **options):
        tally = seal_plaintext_files(Path(settings.PRIVATE_STORAGE_ROOT))
        self.stdout.write(
            self.style.SUCCESS(
                f"Private files: {tally.sealed} sealed, {tally.unchanged} already sealed."
            )
        )
