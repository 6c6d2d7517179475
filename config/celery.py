"""Celery app. With REDIS_URL tasks go to Redis; without a broker they run in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("metavast")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
