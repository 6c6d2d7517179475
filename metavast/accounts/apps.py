from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "metavast.accounts"
    verbose_name = "حساب‌ها"
