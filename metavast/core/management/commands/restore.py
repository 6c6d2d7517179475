"""`manage.py restore <dir> --database-url URL`: into a fresh, empty database.

Checks the manifest's sizes and SHA-256 first. Then run `manage.py check_keys` against the
restored database with the keys you kept apart.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from metavast.core.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into a fresh database."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--database-url", required=True)
        parser.add_argument("--private-root", help="empty directory for the private files")
        parser.add_argument("--media-root", help="empty directory for the media")

    def handle(self, *args, directory, database_url, private_root, media_root, **options):
        try:
            manifest = backup_restore(
                directory=Path(directory),
                database_url=database_url,
                private_root=Path(private_root) if private_root else None,
                media_root=Path(media_root) if media_root else None,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"بازگردانی انجام شد (پشتیبانِ {manifest['created_at']}). "
            "اکنون check_keys را با همان کلیدها اجرا کنید."
        )
