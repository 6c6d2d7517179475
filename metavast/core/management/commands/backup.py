"""`manage.py backup <dir>`: the database, private files and media, with a manifest.

The keys are not included: back them up separately (docs/backups.md). Private files or media
kept in object storage (OBJECT_STORAGE_URL) are not on this machine: they are left out, and
the command says so, rather than writing a tarball of an empty directory that looks like
them; the bucket's versioning backs them up (docs/backups.md).
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.management.base import BaseCommand, CommandError

from metavast.core.backups import BackupError, backup_create


def _filesystem_root(alias: str) -> Path | None:
    storage = storages[alias]
    return Path(storage.location) if isinstance(storage, FileSystemStorage) else None


class Command(BaseCommand):
    help = "Back up the database, the private files and the media into an empty directory."

    def add_arguments(self, parser):
        parser.add_argument("directory")

    def handle(self, *args, directory: str, **options):
        private_root = _filesystem_root("private")
        media_root = _filesystem_root("default")
        try:
            manifest = backup_create(
                directory=Path(directory),
                database=settings.DATABASES["default"],
                private_root=private_root,
                media_root=media_root,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        for name, info in manifest["files"].items():
            self.stdout.write(f"{name}\t{info['size']}\t{info['sha256']}")
        for label in manifest["not_included"]:
            self.stderr.write(
                f"{label}: در فضای ذخیره‌سازی ابری است و در این پشتیبان نیست؛ نسخه‌بندی باکت"
                f" پشتیبان آن است (the {label} files are in object storage, not in this"
                " backup: the bucket's versioning backs them up, docs/backups.md)."
            )
        self.stdout.write(
            "پشتیبان ساخته شد. کلیدها در آن نیستند: آن‌ها را جدا نگه دارید (docs/backups.md)."
        )
