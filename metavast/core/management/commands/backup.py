"""`manage.py backup <dir>`: the database, private files and media, with a manifest.

The keys are not included: back them up separately (docs/backups.md).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from metavast.core.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database, the private files and the media into an empty directory."

    def add_arguments(self, parser):
        parser.add_argument("directory")

    def handle(self, *args, directory: str, **options):
        try:
            manifest = backup_create(
                directory=Path(directory),
                database=settings.DATABASES["default"],
                private_root=Path(settings.PRIVATE_STORAGE_ROOT),
                media_root=Path(settings.MEDIA_ROOT),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        for name, info in manifest["files"].items():
            self.stdout.write(f"{name}\t{info['size']}\t{info['sha256']}")
        self.stdout.write(
            "پشتیبان ساخته شد. کلیدها در آن نیستند: آن‌ها را جدا نگه دارید (docs/backups.md)."
        )
