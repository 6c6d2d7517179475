"""gunicorn for `make run`, the embedded default: one process, its threads, nothing else.

- One worker with threads: its in-memory cache is the only one, so a price or stock change
  is seen at once (production shares Redis between workers); threads serve requests in
  parallel.
- Its periodic jobs (everything in CELERY_BEAT_SCHEDULE: audit sealing, order expiry,
  retention, outbox retries...) run in the worker on a scheduler thread, started below
  (metavast.core.scheduler); tasks queued by requests run on background threads
  (metavast.core.background). No broker, no beat, no extra command.
- The access log goes through the same scrubbing as our JSON logs: no client IP, no query
  string (payment Authority values), no reset or confirmation tokens
  (metavast.core.access_log).

The Makefile's `run` target adds `--bind`.
"""

wsgi_app = "config.wsgi:application"
workers = 1
threads = 8
loglevel = "warning"
accesslog = "-"
logger_class = "metavast.core.access_log.ScrubbedGunicornLogger"
# Atoms beyond these (IP, query, user agent, headers) print as "-" whatever this says.
access_log_format = "%(m)s %(U)s %(s)s %(B)s %(M)sms"
# gunicorn's largest request line (its default, 4094, answers a pasted paragraph in the
# search box with its own English «414 URI Too Long»): the search keeps the first
# search.MAX_QUERY_CHARS characters, and the box has the same maxlength.
limit_request_line = 8190


def post_worker_init(worker) -> None:
    """Django is loaded in the worker by now: start the periodic jobs here."""
    from metavast.core.scheduler import start_embedded_scheduler

    start_embedded_scheduler()


def worker_exit(server, worker) -> None:
    """Stop scheduling, then let queued background tasks finish (within graceful_timeout)."""
    from metavast.core import background
    from metavast.core.scheduler import stop_embedded_scheduler

    stop_embedded_scheduler()
    background.shutdown(wait=True)
