"""Periodic jobs for the embedded default: CELERY_BEAT_SCHEDULE without a beat process.

Production runs `celery beat` beside the workers. The embedded default (`make run`: SQLite,
no broker, one gunicorn process) has neither, and without them nothing sealed the audit
trail, expired unpaid orders, retried the outbox or applied retention. So gunicorn's
`post_worker_init` hook (config/gunicorn_local.py) starts this scheduler in the worker: one
daemon thread that runs every entry of CELERY_BEAT_SCHEDULE at its interval.

- One scheduler per var/: an OS file lock (flock on EMBEDDED_SCHEDULER_LOCK_FILE) is taken
  first; a second process (another worker, a second `make run` on the same files) finds it
  held and schedules nothing. The kernel drops the lock when the holder dies.
- Each job runs in the scheduler's thread through `task.apply()`, Celery's eager path, as a
  worker would run it. A job that raises is logged and the others go on; its next run is
  at its next interval.
- After each job the thread's database connections are closed: no idle connection holds
  SQLite's files or a PostgreSQL slot between runs.
- Every entry first runs right after start (work that piled up while the store was down is
  done at once), then `schedule` seconds after its previous start. Intervals are seconds
  or timedeltas; any other Celery schedule (crontab) runs when it says it is due.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import importlib
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

from metavast.core import background

logger = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    task: str
    interval: float | None  # seconds; None for a Celery schedule object
    celery_schedule: object = None
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    next_due: float = 0.0
    last_run_at: dt.datetime | None = None


def _jobs(schedule: dict) -> list[Job]:
    jobs = []
    for name, entry in schedule.items():
        every = entry["schedule"]
        if isinstance(every, dt.timedelta):
            every = every.total_seconds()
        interval = float(every) if isinstance(every, (int, float)) else None
        jobs.append(
            Job(
                name=name,
                task=entry["task"],
                interval=interval,
                celery_schedule=None if interval is not None else every,
                args=tuple(entry.get("args", ())),
                kwargs=dict(entry.get("kwargs", {})),
            )
        )
    return jobs


def _task(name: str):
    """The registered Celery task; its module is imported first if nothing did yet."""
    from celery import current_app

    if name not in current_app.tasks:
        current_app.loader.import_default_modules()  # autodiscovery, as a worker does
    if name not in current_app.tasks:
        importlib.import_module(name.rsplit(".", 1)[0])
    return current_app.tasks[name]


class EmbeddedScheduler:
    def __init__(
        self,
        schedule: dict,
        *,
        lock_path: Path,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] | None = None,
        tick: float = 1.0,
    ):
        self.jobs = _jobs(schedule)
        self.lock_path = Path(lock_path)
        self._clock = clock
        self._stop = threading.Event()
        self._sleep = sleep or self._stop.wait
        self._tick = tick
        self._lock_fd: int | None = None
        self._thread: threading.Thread | None = None
        self._started_at = timezone.now()
        self.runs: Counter[str] = Counter()  # job name -> runs since start
        self.failures: Counter[str] = Counter()

    # --- The lock ----------------------------------------------------------------------

    def acquire_lock(self) -> bool:
        """Take the file lock without waiting; False when another scheduler holds it."""
        if self._lock_fd is not None:
            return True
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd
        return True

    def release_lock(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    # --- Running jobs ------------------------------------------------------------------

    def _is_due(self, job: Job, now: float) -> bool:
        if job.interval is not None:
            return now >= job.next_due
        due, _next_in = job.celery_schedule.is_due(job.last_run_at or self._started_at)
        return due

    def run_job(self, job: Job) -> bool:
        """Run one job now, in this thread; True if it succeeded. Never raises."""
        started = time.monotonic()
        try:
            with background.background_thread():
                result = _task(job.task).apply(args=job.args, kwargs=job.kwargs)
            if result.failed():
                raise result.result
        except Exception:
            logger.exception("scheduled job failed", extra={"job": job.name})
            self.failures[job.name] += 1
            return False
        finally:
            self.runs[job.name] += 1
            connections.close_all()
        logger.debug(
            "scheduled job ran",
            extra={"job": job.name, "duration_ms": int((time.monotonic() - started) * 1000)},
        )
        return True

    def run_pending(self) -> list[str]:
        """Run every job that is due; the names of those that ran (ok or not)."""
        ran = []
        for job in self.jobs:
            if self._stop.is_set():
                break
            now = self._clock()
            if not self._is_due(job, now):
                continue
            job.last_run_at = timezone.now()
            if job.interval is not None:
                job.next_due = now + job.interval
            self.run_job(job)
            ran.append(job.name)
        return ran

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                self.run_pending()
                self._sleep(self._tick)
        finally:
            self.release_lock()

    # --- Start and stop ----------------------------------------------------------------

    def start(self) -> bool:
        """Start the thread if this process gets the lock; False if another one has it."""
        if not self.acquire_lock():
            logger.info("embedded scheduler not started: another process holds the lock")
            return False
        start_time = self._clock()
        for job in self.jobs:
            job.next_due = start_time
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="metavast-scheduler", daemon=True)
        self._thread.start()
        logger.info("embedded scheduler started", extra={"jobs": len(self.jobs)})
        return True

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the running job (if any) and release the lock."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        else:
            self.release_lock()


_embedded: EmbeddedScheduler | None = None


def start_embedded_scheduler() -> EmbeddedScheduler | None:
    """From gunicorn's post_worker_init: run the beat schedule here when there is no broker.

    With a broker (tasks not eager) Celery beat and workers do this job; nothing starts.
    """
    global _embedded
    if not settings.CELERY_TASK_ALWAYS_EAGER or _embedded is not None:
        return _embedded
    scheduler = EmbeddedScheduler(
        settings.CELERY_BEAT_SCHEDULE, lock_path=settings.EMBEDDED_SCHEDULER_LOCK_FILE
    )
    if scheduler.start():
        _embedded = scheduler
    return _embedded


def stop_embedded_scheduler() -> None:
    global _embedded
    if _embedded is not None:
        _embedded.stop()
        _embedded = None
