from django.urls import path

from metavast.catalog.urls import UnicodeSlug  # noqa: F401  (registers the "uslug" converter)
from metavast.reviews import views

app_name = "reviews"

urlpatterns = [
    path("rules/", views.rules_view, name="rules"),
    path("mine/", views.mine_view, name="mine"),
    path("p/<uslug:slug>/", views.product_view, name="product"),
    path("p/<uslug:slug>/write/", views.write_view, name="write"),
    path("p/<uslug:slug>/ask/", views.ask_view, name="ask"),
    path("<id:pk>/edit/", views.edit_view, name="edit"),
    path("<id:pk>/vote/", views.vote_view, name="vote"),
    path("<id:pk>/report/", views.report_view, name="report"),
    path("q/<id:pk>/answer/", views.answer_view, name="answer"),
]
