"""Seal every plaintext private file and, on disk, make the tree owner-only.

Invoice PDFs (and the audit checkpoints file) written before sealing existed are plaintext,
0644, in 0755 directories. A read seals its file the first time; this command does them all
at once, through the private storage (PRIVATE_STORAGE_ROOT or the bucket), so it is the same
on both (run it once after upgrading; it is safe to run again: sealed files are left as they
are).
"""

from django.core.management.base import BaseCommand

from metavast.core.private_files import seal_plaintext_files


class Command(BaseCommand):
    help = "Encrypt plaintext private files (invoice PDFs) and make them owner-only."

    def handle(self, *args, **options):
        tally = seal_plaintext_files()
        self.stdout.write(
            self.style.SUCCESS(
                f"Private files: {tally.sealed} sealed, {tally.unchanged} already sealed."
            )
        )
