"""Celery app. With a broker (REDIS_URL) tasks go to it; without one they run in-process.

In-process means eager. Tests run eager tasks inline, in the caller's thread. The embedded
default (local settings, EMBEDDED_BACKGROUND_TASKS) runs them on this process's background
threads instead, so a task queued with `transaction.on_commit` never runs inside the request
that queued it: see `Task.apply_async` below and `metavast.core.background`.
"""

import os

from celery import Celery
from celery import Task as CeleryTask
from celery.signals import setup_logging
from celery.utils import uuid
from kombu import serialization

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


class Task(CeleryTask):
    """Every Metavast task. Off the request thread in the embedded default, else Celery's."""

    def apply_async(self, args=None, kwargs=None, task_id=None, producer=None, **options):
        from metavast.core import background

        app = self._get_app()
        if not background.should_defer(eager=app.conf.task_always_eager):
            return super().apply_async(args, kwargs, task_id, producer, **options)
        # Fail in the caller, as a broker would, if the arguments cannot be sent.
        serialization.dumps((args, kwargs), options.get("serializer") or app.conf.task_serializer)
        task_id = task_id or uuid()
        parent = super()

        def run_eagerly() -> object:
            return parent.apply_async(args, kwargs, task_id, **options)

        background.submit(self.name, run_eagerly)
        return self.AsyncResult(task_id)


app = Celery("metavast", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Issue 17: the request id of the request that queued a task follows it into the worker's logs.
from metavast.core.request_id import connect_celery_signals  # noqa: E402

connect_celery_signals()


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Workers log like the app nodes (JSON, scrubbed, with the request id), not Celery's way."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
