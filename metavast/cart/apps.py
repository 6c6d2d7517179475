from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "metavast.cart"
    label = "cart"
    verbose_name = "سبد خرید"

    def ready(self) -> None:
        # Sign-in belongs to the accounts app and has several ways in (password, SMS code,
        # sign-up); Django's user_logged_in fires after every one of them with the request
        # whose session still holds the guest cart. One receiver here merges that cart
        # without reaching into the accounts services, which this app does not own.
        from metavast.cart import receivers  # noqa: F401
