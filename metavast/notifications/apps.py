from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "metavast.notifications"
    label = "notifications"
    verbose_name = "اعلان‌ها"
