"""Build the demo store. Safe to run again: every step is an upsert."""

from django.core.management.base import BaseCommand

from metavast.catalog.demo import seed_catalog
from metavast.checkout.demo import seed_courier_hours, seed_shipping
from metavast.staff.demo import seed_staff
from metavast.storefront.demo import seed_pages


class Command(BaseCommand):
    help = "Load demo data (pages; catalog and more as the apps land). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=None, help="catalog size")

    def handle(self, *args, products=None, **options):
        pages = seed_pages()
        self.stdout.write(f"pages: {pages}")
        catalog = seed_catalog(products=products)
        self.stdout.write("catalog: " + ", ".join(f"{k}={v}" for k, v in catalog.items()))
        shipping = {**seed_shipping(), **seed_courier_hours()}
        self.stdout.write("shipping: " + ", ".join(f"{k}={v}" for k, v in shipping.items()))
        for email, password in seed_staff().items():
            self.stdout.write(f"staff: {email}" + (f" password: {password}" if password else ""))
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
