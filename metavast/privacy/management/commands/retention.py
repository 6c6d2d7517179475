"""Run the retention engine by hand, or see what it would do (`--dry-run`).

manage.py retention --dry-run        # counts per rule; nothing changes, nothing audited
manage.py retention                  # runs every rule now (as the hourly job does)
manage.py retention --rule outbox    # only the named rule(s)
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from metavast.privacy.retention import RULES, RULES_BY_KEY, retention_run


class Command(BaseCommand):
    help = "Apply the retention rules (metavast/privacy/retention.py); --dry-run only counts."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")
        parser.add_argument("--rule", action="append", default=[], help="only this rule key")
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args, dry_run: bool, rule: list[str], batch_size: int | None, **options):
        unknown = [key for key in rule if key not in RULES_BY_KEY]
        if unknown:
            raise CommandError(f"unknown rule(s): {', '.join(unknown)}")
        rules = tuple(RULES_BY_KEY[key] for key in rule) if rule else RULES
        run = retention_run(dry_run=dry_run, batch_size=batch_size, rules=rules)
        verb = "would" if dry_run else "did"
        width = max(len(r.key) for r in rules)
        for rule_obj, result in zip(rules, run.rules, strict=True):
            age = rule_obj.age
            period = "-" if age is None else str(age)
            line = (
                f"{result.key:<{width}}  {rule_obj.action:<9} {rule_obj.model_label:<30} "
                f"age>{period:<18} {verb} {rule_obj.action}: {result.count}"
            )
            if result.held:
                line += f" (held, skipped: {result.held})"
            self.stdout.write(line)
        summary = f"total: {run.total} row(s)"
        self.stdout.write(summary + (" (dry run: nothing changed)" if dry_run else ""))
