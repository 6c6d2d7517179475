from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "metavast.reviews"
    verbose_name = "دیدگاه‌ها و پرسش‌ها"

    def ready(self) -> None:
        # Held review evidence leaves only through the legal-disclosure register: its
        # package builder collects this category through legal's registry.
        from metavast.legal.collectors import register_collector
        from metavast.legal.models import DataCategory
        from metavast.reviews.services.holds import held_content_collect

        register_collector(DataCategory.HELD_CONTENT, held_content_collect)
