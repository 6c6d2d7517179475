"""Access matrix rows for the admin site itself, third-party admins, project-level routes and
the staff app (format: access_matrix_format.py)."""

from __future__ import annotations

from metavast.staff.tests.access_matrix_format import (
    ALL,
    NOBODY,
    PUBLIC,
    Action,
    AdminModel,
    Route,
)

ADMIN = frozenset({"admin"})


def _staffrole(w):
    from metavast.staff.models import StaffRole

    return StaffRole.objects.get(key="support")


ROWS = [
    # The admin site: any staff member (TOTP-verified) reaches the index and their password.
    Route("admin:index", allowed=ALL),
    Route("admin:login", audience=PUBLIC, note="the sign-in page"),
    Route("admin:logout", audience=PUBLIC, note="POST only; signs the caller out"),
    Route("admin:password_change", allowed=ALL),
    Route("admin:password_change_done", allowed=ALL),
    Route("admin:jsi18n", allowed=ALL),
    Route(
        "admin:autocomplete",
        allowed=NOBODY,
        note="needs app_label/model_name/field_name of an autocomplete field; none is set up",
    ),
    Route(
        "admin:view_on_site",
        allowed=ALL,
        args=lambda w: (_content_type("orders.order"), w.order.pk),
        ok=(302, 404),
        note="a redirect to the object's public URL; orders have none (404), customers' data "
        "is not shown",
    ),
    # An app's index lists only the models a role may see: the staff app is the admin role's.
    Route("admin:app_list", allowed=ADMIN, args=("staff",)),
    Route("admin/(?P<url>.*)$", audience=PUBLIC, note="the admin's catch-all: 404 or login"),
    # Third-party models: superusers only (set-up).
    AdminModel("axes.accessattempt", obj=None, note="superusers only"),
    AdminModel("axes.accesslog", obj=None, note="superusers only"),
    AdminModel("axes.accessfailurelog", obj=None, note="superusers only"),
    Action("axes.accessattempt", "delete_selected"),
    Action("axes.accessattempt", "cleanup_expired_attempts"),
    Action("axes.accesslog", "delete_selected"),
    Action("axes.accessfailurelog", "delete_selected"),
    AdminModel("auth.group", obj=lambda w: _staffrole(w).group),
    Action("auth.group", "delete_selected"),
    # Two-factor devices: superusers only (never a secret; enrolment is on /accounts/staff/2fa/).
    AdminModel("otp_totp.totpdevice", obj=None, note="superusers only"),
    AdminModel("otp_static.staticdevice", obj=None, note="superusers only"),
    Action("otp_totp.totpdevice", "delete_selected"),
    Action("otp_static.staticdevice", "delete_selected"),
    # Staff roles: the admin role reads them and assigns; everyone sees their own history.
    AdminModel("staff.staffrole", view=ADMIN, obj=_staffrole),
    Action("staff.staffrole", "delete_selected"),
    Route("admin:staff_staffrole_assign", allowed=ADMIN),
    Route("admin:staff_access_history", allowed=ALL),
    # Project-level routes.
    Route("healthz", audience=PUBLIC),
    Route("ping", audience=PUBLIC),
    Route("livez", audience=PUBLIC),
    Route("readyz", audience=PUBLIC, note="states only: ok / error, replica lag"),
    Route("metrics", audience=PUBLIC, note="404 unless straight from METRICS_ALLOWED_NETWORKS"),
    Route("^media/(?P<path>.*)$", audience=PUBLIC, note="public product images"),
    Route("api:openapi-json", audience=PUBLIC),
    Route("api:openapi-view", audience=PUBLIC),
    Route("api:api-root", audience=PUBLIC),
    Route("api:no-such-endpoint", audience=PUBLIC, note="JSON 404 for any other /api/v1/ path"),
]


def _content_type(label: str) -> int:
    from django.contrib.contenttypes.models import ContentType

    app, model = label.split(".")
    return ContentType.objects.get(app_label=app, model=model).pk
