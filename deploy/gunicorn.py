"""gunicorn for one production app node (deploy/topology.py, deploy/systemd/metavast-app@.service).

Unlike config/gunicorn_local.py there is no scheduler and no background thread pool: Celery
beat and workers do that on the broker. Several workers per node, threads for slow clients;
each node is one of several behind nginx. Metrics: prometheus-client's multiprocess mode
(PROMETHEUS_MULTIPROC_DIR, one directory per node) sums the workers' figures, and a dead
worker's live gauges are dropped here.
"""

wsgi_app = "config.wsgi:application"
workers = 2
threads = 2
timeout = 30
graceful_timeout = 20
keepalive = 5
# A pasted paragraph in the search box must reach the shop (it cuts the query to 100
# characters and answers in Persian), not gunicorn's English 414 at 4,094 bytes.
limit_request_line = 8190
# A worker is recycled now and then, so a slow leak never takes the node down.
max_requests = 2000
max_requests_jitter = 200
loglevel = "warning"
accesslog = "-"
logger_class = "metavast.core.access_log.ScrubbedGunicornLogger"
access_log_format = "%(m)s %(U)s %(s)s %(B)s %(M)sms"
# nginx on this machine or the private network is the only client; it sets X-Forwarded-*.
forwarded_allow_ips = "127.0.0.1,127.0.0.2"


def child_exit(server, worker) -> None:
    import contextlib

    from prometheus_client import multiprocess

    # Without a multiprocess directory there is nothing to clean.
    with contextlib.suppress(Exception):
        multiprocess.mark_process_dead(worker.pid)
