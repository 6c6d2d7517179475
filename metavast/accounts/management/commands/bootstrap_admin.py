"""Create the first staff superuser with a random password, printed once.

There is never a default account: if a superuser exists, this does nothing and prints
no password. The password is shown on the terminal only, never logged.
"""

import secrets

from django.core.management.base import BaseCommand

from metavast.accounts.models import User


class Command(BaseCommand):
    help = "Create a staff superuser with a random password if none exists."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="admin@metavast.local")

    def handle(self, *args, email: str, **options):
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("A superuser already exists; no new password was made.")
            return
        password = secrets.token_urlsafe(18)
        User.objects.create_superuser(email=email, password=password, first_name="مدیر")
        self.stdout.write(
            self.style.SUCCESS(
                f"Staff superuser created.\n  email:    {email}\n  password: {password}\n"
                "  (shown once; store it now)"
            )
        )
