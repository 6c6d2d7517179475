from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "metavast.audit"
    verbose_name = "رویدادنگاری"
