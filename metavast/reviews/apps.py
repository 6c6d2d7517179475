from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "metavast.reviews"
    verbose_name = "دیدگاه‌ها و پرسش‌ها"
