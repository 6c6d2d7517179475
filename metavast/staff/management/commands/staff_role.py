"""`manage.py staff_role assign|remove|list <email> [role]`: roles from the command line.

The command acts as a superuser named by --actor (the set-up path: the superuser exists for
set-up only), or as the first active superuser when there is exactly one. The rules and the
audit row are the service's (metavast/staff/services.py).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from metavast.accounts.models import User
from metavast.core.errors import DomainError
from metavast.staff.roles import ROLES
from metavast.staff.services import staff_role_assign, staff_role_remove, user_role_keys


class Command(BaseCommand):
    help = "دادن، گرفتن یا فهرست نقش‌های یک کارمند"

    def add_arguments(self, parser):
        parser.add_argument("operation", choices=("assign", "remove", "list"))
        parser.add_argument("email", nargs="?")
        parser.add_argument("role", nargs="?", choices=[r.key for r in ROLES])
        parser.add_argument("--actor", help="ایمیل مدیر ارشدی که این کار به نام او ثبت می‌شود")

    def _actor(self, email: str | None) -> User:
        superusers = User.objects.filter(is_superuser=True, is_active=True)
        if email:
            actor = superusers.by_email(email).first()
            if actor is None:
                raise CommandError("مدیر ارشد فعالی با این ایمیل نیست.")
            return actor
        if superusers.count() != 1:
            raise CommandError("با --actor ایمیل مدیر ارشدی را بدهید که کار به نام او ثبت شود.")
        return superusers.get()

    def handle(self, *args, operation, email=None, role=None, actor=None, **options):
        if operation == "list":
            users = User.objects.filter(is_staff=True).order_by("pk")
            if email:
                users = users.by_email(email)
            for user in users:
                roles = ", ".join(user_role_keys(user)) or "-"
                flag = " (superuser)" if user.is_superuser else ""
                self.stdout.write(f"{user.email}{flag}: {roles}")
            return
        if not email or not role:
            raise CommandError("ایمیل و نقش هر دو لازم است.")
        user = User.objects.by_email(email).first()
        if user is None:
            raise CommandError("کاربری با این ایمیل نیست.")
        service = staff_role_assign if operation == "assign" else staff_role_remove
        try:
            service(user=user, role=role, actor=self._actor(actor))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{user.email}: {', '.join(user_role_keys(user)) or '-'}")
