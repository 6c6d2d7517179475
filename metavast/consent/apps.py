from django.apps import AppConfig


class ConsentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "metavast.consent"
    verbose_name = "رضایت‌ها"

    def ready(self):
        # The sign-up (welcome) page asks for marketing consent through accounts' hooks.
        from metavast.accounts import hooks
        from metavast.consent import web

        hooks.signup_boxes.append(web.marketing_boxes)
        hooks.after_signup.append(web.apply_signup_boxes)
