"""Queue a Celery task by its registered name, so services need not import tasks.py.

Tasks only call services, so every `tasks.py` imports its app's services; a service that
queued a task by importing it would close an import cycle (services → tasks → services).
Services name the task instead: `task_queue("metavast.invoices.tasks.submit_invoice", 7)`.

Celery knows a task once its module has been imported. A worker imports every app's
`tasks.py` at start (autodiscovery); the web process may not have, so the first time a name
is missing we ask Celery's loader to run that same autodiscovery. A name that is still
unknown is a programming error and raises KeyError at once, in tests too, rather than being
posted to a broker no worker will ever take it from.
"""

from __future__ import annotations

from celery import current_app


def task_queue(name: str, *args, **kwargs):
    """`task.delay(*args, **kwargs)` for the task registered as `name`."""
    app = current_app
    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name].delay(*args, **kwargs)
