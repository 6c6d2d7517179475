"""The embedded default runs its own periodic jobs and keeps tasks off the request thread."""

import datetime as dt
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import EncodeError

from metavast.audit.checkpoints import CHECKPOINTS_FOLDER
from metavast.audit.models import AuditEvent
from metavast.audit.services import audit_record, audit_verify
from metavast.core import background, private_files
from metavast.core.scheduler import EmbeddedScheduler, _task, start_embedded_scheduler
from metavast.orders.models import Order, OrderStatus

ROOT = Path(__file__).resolve().parents[3]
SEAL = "metavast.audit.tasks.seal_audit_events"
ran_in: list[tuple[str, int]] = []
gate = threading.Event()


@shared_task
def note_thread(label: str) -> str:
    ran_in.append((label, threading.get_ident()))
    return label


@shared_task
def wait_for_gate(label: str) -> str:
    gate.wait(10)
    ran_in.append((label, threading.get_ident()))
    return label


@shared_task
def always_fails() -> None:
    raise RuntimeError("this job always fails")


class FastClock:
    """Monotonic seconds that jump 30 s every time the scheduler sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, _seconds: float) -> None:
        self.now += 30.0
        time.sleep(0.002)


def _wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def lock_path(tmp_path):
    return tmp_path / "scheduler.lock"


# --- The scheduler ----------------------------------------------------------------------


def test_every_beat_entry_names_a_registered_task():
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert _task(entry["task"]).name == entry["task"], name


@pytest.mark.django_db(transaction=True)
def test_scheduler_with_a_fast_clock_seals_the_audit_trail_and_expires_old_unpaid_orders(
    lock_path,
):
    from metavast.checkout.demo import seed_shipping
    from metavast.orders.tests.factories import fill_cart, make_customer, make_variant, place

    seed_shipping()
    buyer = make_customer()
    fill_cart(buyer, (make_variant(on_hand=5), 2))
    order = place(buyer)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    mine = audit_record(action="test.action", subject_type="thing", subject_id=1)
    assert AuditEvent.objects.unsealed().exists()

    clock = FastClock()
    scheduler = EmbeddedScheduler(
        settings.CELERY_BEAT_SCHEDULE, lock_path=lock_path, clock=clock, sleep=clock.sleep
    )
    assert scheduler.start()
    try:
        # 60 s jobs run at start and then every other 30 s tick.
        jobs = ("audit-seal", "orders-expire-unpaid")
        assert _wait_for(lambda: min(scheduler.runs[job] for job in jobs) >= 3), scheduler.runs
    finally:
        scheduler.stop()

    assert scheduler.runs["orders-expire-unpaid"] >= 3
    assert scheduler.runs["privacy-retention"] == 1  # hourly: once at start, not every tick
    assert set(scheduler.runs) == set(settings.CELERY_BEAT_SCHEDULE)
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "expired")
    cancelled = AuditEvent.objects.get(action="orders.status_changed", after__status="cancelled")
    sealed = AuditEvent.objects.filter(pk__in=[mine.pk, cancelled.pk], seal_seq__isnull=False)
    assert sealed.count() == 2
    assert list(private_files.names(CHECKPOINTS_FOLDER))
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_job_that_raises_is_logged_and_the_others_still_run(lock_path, caplog):
    schedule = {
        "broken": {"task": always_fails.name, "schedule": 60.0},
        "audit-seal": {"task": SEAL, "schedule": 60.0},
    }
    clock = FastClock()
    scheduler = EmbeddedScheduler(schedule, lock_path=lock_path, clock=clock)
    audit_record(action="test.action", subject_type="thing", subject_id=1)

    assert scheduler.run_pending() == ["broken", "audit-seal"]
    assert not AuditEvent.objects.unsealed().exists()
    clock.now += 59
    assert scheduler.run_pending() == []
    clock.now += 1
    assert scheduler.run_pending() == ["broken", "audit-seal"]  # the broken job is retried
    assert scheduler.failures == {"broken": 2}
    failures = [r for r in caplog.records if r.getMessage() == "scheduled job failed"]
    assert [r.job for r in failures] == ["broken", "broken"]
    assert all("this job always fails" in str(r.exc_info[1]) for r in failures)


def test_the_file_lock_lets_only_one_scheduler_run(lock_path):
    first = EmbeddedScheduler({}, lock_path=lock_path)
    second = EmbeddedScheduler({}, lock_path=lock_path)
    assert first.start()
    try:
        assert not second.start()
        assert second._thread is None
        assert lock_path.read_text().strip() == str(os.getpid())
    finally:
        first.stop()
    assert second.start()  # released on stop (and by the kernel if the holder dies)
    second.stop()


def test_the_lock_is_held_across_processes(lock_path):
    code = (
        "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
        "fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB); print('locked', flush=True);"
        "sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(lock_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert not EmbeddedScheduler({}, lock_path=lock_path).start()
    finally:
        holder.communicate("", timeout=10)
    scheduler = EmbeddedScheduler({}, lock_path=lock_path)
    assert scheduler.start()
    scheduler.stop()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_each_job_leaves_its_thread_without_an_open_database_connection(lock_path):
    scheduler = EmbeddedScheduler(
        {"audit-seal": {"task": SEAL, "schedule": 60.0}}, lock_path=lock_path
    )
    seen = {}

    def in_a_thread():
        audit_record(action="test.action", subject_type="thing", subject_id=1)
        assert connection.connection is not None
        seen["ok"] = scheduler.run_job(scheduler.jobs[0])
        seen["closed"] = connection.connection is None

    worker = threading.Thread(target=in_a_thread)
    worker.start()
    worker.join(30)
    assert seen == {"ok": True, "closed": True}


def test_the_scheduler_starts_only_without_a_broker(settings, lock_path):
    settings.EMBEDDED_SCHEDULER_LOCK_FILE = lock_path
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert start_embedded_scheduler() is None
    assert not lock_path.exists()


# --- Tasks off the request thread -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_embedded_mode_runs_a_task_queued_on_commit_on_a_background_thread(settings):
    settings.EMBEDDED_BACKGROUND_TASKS = True
    ran_in.clear()
    gate.clear()
    with transaction.atomic():
        transaction.on_commit(lambda: wait_for_gate.delay("slow"))
    # The commit returned while the task still waits: it is not in this thread.
    assert ran_in == []
    gate.set()
    assert background.wait_idle(10)
    assert [label for label, _ in ran_in] == ["slow"]
    assert ran_in[0][1] != threading.get_ident()


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_by_a_background_task_runs_inline_there(settings):
    settings.EMBEDDED_BACKGROUND_TASKS = True
    ran_in.clear()

    def outer() -> None:
        note_thread.delay("inner")
        ran_in.append(("outer", threading.get_ident()))

    background.submit("outer", outer)
    assert background.wait_idle(10)
    assert [label for label, _ in ran_in] == ["inner", "outer"]
    assert ran_in[0][1] == ran_in[1][1] != threading.get_ident()


@pytest.mark.django_db(transaction=True)
def test_tests_keep_running_tasks_inline_in_the_callers_thread():
    assert settings.EMBEDDED_BACKGROUND_TASKS is False
    ran_in.clear()
    with transaction.atomic():
        transaction.on_commit(lambda: note_thread.delay("inline"))
    assert ran_in == [("inline", threading.get_ident())]


def test_a_failing_background_task_is_logged_and_the_threads_go_on(settings, caplog):
    settings.EMBEDDED_BACKGROUND_TASKS = True
    caplog.set_level(logging.ERROR, logger="metavast.core.background")
    ran_in.clear()
    always_fails.delay()
    note_thread.delay("after")
    assert background.wait_idle(10)
    assert [label for label, _ in ran_in] == ["after"]
    (failure,) = [r for r in caplog.records if r.getMessage() == "background task failed"]
    assert failure.task_name == always_fails.name


def test_arguments_that_cannot_be_sent_fail_in_the_caller(settings):
    settings.EMBEDDED_BACKGROUND_TASKS = True
    ran_in.clear()
    with pytest.raises(EncodeError):
        note_thread.delay(object())
    assert background.wait_idle(10)
    assert ran_in == []


# --- Wiring of `make run` ---------------------------------------------------------------


def test_local_settings_without_a_broker_turn_the_embedded_mode_on(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", METAVAST_VAR_DIR=str(tmp_path))
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.EMBEDDED_BACKGROUND_TASKS, "
        "s.EMBEDDED_SCHEDULER_LOCK_FILE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["True", "True", str(tmp_path / "scheduler.lock")], (
        result.stderr
    )


def test_make_run_uses_the_gunicorn_config_with_the_scheduler_and_the_scrubbed_log():
    from config import gunicorn_local

    makefile = (ROOT / "Makefile").read_text()
    assert "gunicorn -c config/gunicorn_local.py" in makefile
    assert gunicorn_local.workers == 1
    assert gunicorn_local.logger_class == "metavast.core.access_log.ScrubbedGunicornLogger"
    for atom in ("%(h)s", "%(r)s", "%(q)s", "%(a)s", "%(f)s", "}i", "}e"):
        assert atom not in gunicorn_local.access_log_format
    assert callable(gunicorn_local.post_worker_init) and callable(gunicorn_local.worker_exit)
