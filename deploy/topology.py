#!/usr/bin/env python3
"""The production topology on one machine, with real processes: `make prod` / `make prod-stop`.

    nginx :8443 (TLS from a local CA, HTTP/2) ──► gunicorn node 1 :8101 ─┐
          :8480 (redirect to https)          └─► gunicorn node 2 :8102 ─┤
                                                                        ├─► PostgreSQL primary :55432
    Celery worker w1, w2 and beat ◄── RabbitMQ vhost metavast_prod      │     └─ streaming replica :55433
                                                                        └─► Redis :6390 (cache, limits)
    app nodes and workers ──SMTP──► a mail sink :8025 (Maildir var/prod/app/outbox/mail)
    Zarinpal, if chosen ──► a fake bank :8026, only while a test runs one (the sandbox is default)

Everything lives under var/prod/ (keys, TLS, logs, pids, the app's media and private files),
except the two PostgreSQL clusters: PostgreSQL refuses to run as root, and var/ is owner-only
(root, 0700, config/owner_only.py), so the clusters live in the postgres user's own
/var/lib/postgresql/metavast-prod/ (var/prod/pg is a link to it).

    python3 deploy/topology.py up       # idempotent: starts what is not running
    python3 deploy/topology.py down     # stops everything it started (by pid)
    python3 deploy/topology.py status
    python3 deploy/topology.py stop NAME / start NAME   # one part, for the fault suite
    python3 deploy/topology.py only app1    # one app node behind nginx (the load test)

The secrets in var/prod/metavast.env are made once, at the first `up`, like a shop's would be
(kept apart from backups: docs/backups.md). Nothing here is used by `make run` or `make test`.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from base64 import urlsafe_b64encode
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROD = ROOT / "var" / "prod"
RUN = PROD / "run"
LOG = PROD / "log"
TLS = PROD / "tls"
APP_VAR = PROD / "app"
MAIL_DIR = APP_VAR / "outbox" / "mail"
ENV_FILE = PROD / "metavast.env"
PG_ROOT = Path("/var/lib/postgresql/metavast-prod")
PG_BIN = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1])
VENV_BIN = ROOT / ".venv" / "bin"

HTTPS_PORT = 8443
HTTP_PORT = 8480
NODES = {"app1": 8101, "app2": 8102}
PRIMARY_PORT = 55432
REPLICA_PORT = 55433
REDIS_PORT = 6390
# Mail leaves the app by SMTP to this port, where a sink (aiosmtpd, the "mail" part) keeps
# every message in a Maildir under var/prod/app/outbox/mail: a test shop sends no real mail,
# and the fault suite reads the confirmation links there, as it reads SMS codes.
MAIL_PORT = 8025
# Zarinpal, when chosen, is a fake bank on this port (metavast/payments/tests/fake_zarinpal.py;
# the fault suite starts it, by hand: `.venv/bin/python -m metavast.payments.tests.fake_zarinpal
# 8026`): a test shop never talks to the real one. A short timeout, for the timeout fault.
FAKE_BANK_PORT = 8026
FAKE_BANK_MERCHANT_ID = "11111111-2222-3333-4444-555555555555"  # what the fake expects
FAKE_BANK_TIMEOUT_SECONDS = 3
VHOST = "metavast_prod"
DB_NAME = "metavast"
ADMIN_PATH = "staff-desk"
# nginx reaches the app nodes from this address, the only one the app trusts for
# X-Forwarded-For: the browser (127.0.0.1) and the proxy are then told apart.
PROXY_ADDRESS = "127.0.0.2"
BASE_URL = f"https://localhost:{HTTPS_PORT}"
WORKERS = ("worker1", "worker2")


def log(message: str) -> None:
    print(f"[prod] {message}", flush=True)


def run(cmd: list[str], *, check: bool = True, env: dict | None = None, **kw):
    return subprocess.run(cmd, check=check, env=env, text=True, **kw)  # noqa: S603


def as_postgres(cmd: list[str], *, check: bool = True, capture: bool = False):
    return run(
        ["runuser", "-u", "postgres", "--", *cmd],
        check=check,
        capture_output=capture,
        cwd="/",
    )


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_for(what: str, predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise SystemExit(f"[prod] {what} did not come up in {timeout:.0f}s (see {LOG})")


# --- secrets and environment -------------------------------------------------------------


def make_env_file() -> None:
    if ENV_FILE.exists():
        return
    sys.path.insert(0, str(ROOT))
    from config.demo import demo_seller_env

    values = {
        "DJANGO_SETTINGS_MODULE": "config.settings.topology",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(48),
        "AUDIT_SEAL_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": f"{BASE_URL},https://127.0.0.1:{HTTPS_PORT}",
        "ADMIN_PATH": ADMIN_PATH,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PRIMARY_PORT}/{DB_NAME}",
        "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{REPLICA_PORT}/{DB_NAME}",
        "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "CELERY_BROKER_URL": f"amqp://guest:guest@127.0.0.1:5672/{VHOST}",
        "TRUSTED_PROXIES": PROXY_ADDRESS,
        "METAVAST_VAR_DIR": str(APP_VAR),
        "SITE_URL": BASE_URL,
        "LOG_LEVEL": "INFO",
        **demo_seller_env(),
    }
    ENV_FILE.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(ENV_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("# Made by deploy/topology.py at the first `make prod`. Keep it secret.\n")
        for key, value in values.items():
            handle.write(f"{key}={json.dumps(value, ensure_ascii=False)}\n")
    log(f"secrets and settings written to {ENV_FILE}")


def app_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    for line in ENV_FILE.read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = json.loads(value)
    # Not in the env file, so an env file made before this setting existed still gets it.
    env.setdefault("EMAIL_URL", f"smtp://127.0.0.1:{MAIL_PORT}")
    env.setdefault("ZARINPAL_BASE_URL", f"http://127.0.0.1:{FAKE_BANK_PORT}")
    env.setdefault("ZARINPAL_MERCHANT_ID", FAKE_BANK_MERCHANT_ID)
    env.setdefault("ZARINPAL_TIMEOUT", str(FAKE_BANK_TIMEOUT_SECONDS))
    env.setdefault("PAYMENT_REDIRECT_ALLOWED_HOSTS", f"127.0.0.1:{FAKE_BANK_PORT}")
    env.update(extra)
    return env


# --- TLS from a local CA -----------------------------------------------------------------


def make_tls() -> None:
    TLS.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = TLS / "ca.key", TLS / "ca.pem"
    key, csr, cert = TLS / "server.key", TLS / "server.csr", TLS / "server.pem"
    if cert.exists():
        return
    run(["openssl", "req", "-x509", "-new", "-nodes", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-keyout", str(ca_key), "-out", str(ca_cert),
         "-days", "825", "-subj", "/CN=Metavast local CA (make prod)"], capture_output=True)  # fmt: skip
    run(["openssl", "req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-keyout", str(key), "-out", str(csr),
         "-subj", "/CN=localhost"], capture_output=True)  # fmt: skip
    ext = TLS / "server.ext"
    ext.write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
    )
    run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key),
         "-CAcreateserial", "-out", str(cert), "-days", "397", "-extfile", str(ext)],
        capture_output=True)  # fmt: skip
    log(f"local CA {ca_cert} and a certificate for localhost, 127.0.0.1")


# --- PostgreSQL primary and streaming replica ----------------------------------------------


def pg_ready(port: int) -> bool:
    result = run(
        [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-q"], check=False
    )
    return result.returncode == 0


def pg_ctl(name: str, action: str, *, mode: str = "fast") -> None:
    datadir = PG_ROOT / name
    cmd = [str(PG_BIN / "pg_ctl"), "-D", str(datadir), "-w", "-t", "60"]
    if action == "start":
        cmd += ["-l", str(PG_ROOT / f"{name}.log"), "start"]
    else:
        cmd += ["-m", mode, action]
    as_postgres(cmd, capture=True, check=action != "stop")


def pg_conf(port: int) -> str:
    return (
        "\n# deploy/topology.py\n"
        f"port = {port}\nlisten_addresses = '127.0.0.1'\n"
        f"unix_socket_directories = '{PG_ROOT / 'run'}'\n"
        "wal_level = replica\nmax_wal_senders = 5\nwal_keep_size = '256MB'\n"
        "hot_standby = on\nhot_standby_feedback = on\nshared_buffers = '64MB'\n"
        "max_connections = 60\n"
    )


def setup_postgres() -> None:
    if not PG_ROOT.exists():
        PG_ROOT.mkdir(parents=True)
        shutil.chown(PG_ROOT, "postgres", "postgres")
        PG_ROOT.chmod(0o700)
    (PG_ROOT / "run").exists() or as_postgres(["mkdir", "-p", str(PG_ROOT / "run")])
    link = PROD / "pg"
    if not link.is_symlink():
        link.symlink_to(PG_ROOT)
    primary, replica = PG_ROOT / "primary", PG_ROOT / "replica"
    if not primary.exists():
        log("initdb: the primary cluster")
        as_postgres([str(PG_BIN / "initdb"), "-D", str(primary), "-U", "postgres",
                     "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"], capture=True)  # fmt: skip
        with open(primary / "postgresql.conf", "a") as conf:
            conf.write(pg_conf(PRIMARY_PORT))
    if not pg_ready(PRIMARY_PORT):
        pg_ctl("primary", "start")
    exists = run(
        ["psql", "-h", "127.0.0.1", "-p", str(PRIMARY_PORT), "-U", "postgres", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'", "postgres"],  # noqa: S608
        capture_output=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        run(["psql", "-h", "127.0.0.1", "-p", str(PRIMARY_PORT), "-U", "postgres", "-qc",
             f"CREATE DATABASE {DB_NAME}", "postgres"])  # fmt: skip
    if not replica.exists():
        log("pg_basebackup: the streaming replica")
        as_postgres([str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(PRIMARY_PORT),
                     "-U", "postgres", "-D", str(replica), "-R", "-X", "stream", "-c", "fast"],
                    capture=True)  # fmt: skip
        with open(replica / "postgresql.conf", "a") as conf:
            conf.write(pg_conf(REPLICA_PORT))
    if not pg_ready(REPLICA_PORT):
        pg_ctl("replica", "start")


# --- Redis and RabbitMQ --------------------------------------------------------------------


def start_redis() -> None:
    if port_open(REDIS_PORT):
        return
    (PROD / "redis").mkdir(parents=True, exist_ok=True)
    run(["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--daemonize", "yes",
         "--dir", str(PROD / "redis"), "--save", "", "--appendonly", "no",
         "--pidfile", str(RUN / "redis.pid"), "--logfile", str(LOG / "redis.log")])  # fmt: skip
    wait_for("redis", lambda: port_open(REDIS_PORT), 10)


def setup_rabbitmq() -> None:
    vhosts = run(["rabbitmqctl", "-q", "list_vhosts"], capture_output=True).stdout.split()
    if VHOST not in vhosts:
        run(["rabbitmqctl", "-q", "add_vhost", VHOST], capture_output=True)
    run(["rabbitmqctl", "-q", "set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*"],
        capture_output=True)  # fmt: skip


# --- the app: migrate, gunicorn nodes, Celery ----------------------------------------------


def manage(*args: str) -> None:
    run([str(VENV_BIN / "python"), "manage.py", *args], env=app_env(), cwd=ROOT)


def _command_mark(name: str) -> str:
    """What the command line of `name`'s process contains (its pid file names that process)."""
    if name in NODES:
        return f"127.0.0.1:{NODES[name]}"  # gunicorn --bind
    if name in WORKERS:
        return f"{name}@"  # celery worker -n
    return {
        "beat": str(RUN / "beat-schedule"),
        "mail": f"aiosmtpd -n -l 127.0.0.1:{MAIL_PORT}",
        "nginx": f"nginx: master process nginx -c {PROD / 'nginx' / 'nginx.conf'}",
        "redis": f"redis-server 127.0.0.1:{REDIS_PORT}",
    }[name]


def pid_of(name: str) -> int | None:
    """The pid of `name` if it runs. A pid file outlives its process (a kill -9, a machine
    restart): the pid may by now be another process's, which must be neither taken for the
    part (it would never be started) nor stopped. A killed child not yet reaped by the test
    run that spawned it (a zombie) is gone too."""
    path = RUN / f"{name}.pid"
    try:
        pid = int(path.read_text().strip())
        for _ in range(20):
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
            if state in ("Z", "X"):
                return None
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            if cmdline:
                break
            time.sleep(0.05)  # just spawned: the command line shows once exec is done
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid if _command_mark(name).encode() in cmdline else None


def spawn(name: str, cmd: list[str], env: dict[str, str]) -> int:
    if (pid := pid_of(name)) is not None:
        return pid
    out = open(LOG / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps it)
    process = subprocess.Popen(  # noqa: S603
        cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    (RUN / f"{name}.pid").write_text(str(process.pid))
    return process.pid


def start_node(name: str) -> None:
    port = NODES[name]
    metrics_dir = RUN / f"metrics-{name}"
    if pid_of(name) is None:
        shutil.rmtree(metrics_dir, ignore_errors=True)  # figures of a dead node's workers
        metrics_dir.mkdir(parents=True)
    env = app_env(PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    cmd = [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.py", "--bind", f"127.0.0.1:{port}"]
    spawn(name, cmd, env)
    wait_for(f"app node {name}", lambda: http_ok(f"http://127.0.0.1:{port}/livez"), 60)


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
            return response.status == 200
    except Exception:
        return False


def start_mail() -> None:
    if port_open(MAIL_PORT):
        return
    MAIL_DIR.parent.mkdir(parents=True, exist_ok=True)
    spawn("mail", [str(VENV_BIN / "python"), "-m", "aiosmtpd", "-n", "-l",
                   f"127.0.0.1:{MAIL_PORT}", "-c", "aiosmtpd.handlers.Mailbox", str(MAIL_DIR)],
          app_env())  # fmt: skip
    wait_for("the mail sink", lambda: port_open(MAIL_PORT), 15)


def worker_ready(name: str, since: int) -> bool:
    """Celery logs "<name>@<host> ready." once its consumer takes tasks from the queue."""
    with open(LOG / f"{name}.log", "rb") as handle:
        handle.seek(since)
        return any(f"{name}@".encode() in line and b" ready." in line for line in handle)


def start_workers() -> None:
    """The workers, then beat; returns once every worker it started consumes. A worker
    takes ~10 s to start on a busy 2-core machine: a task queued meanwhile waits, and a
    fault test that kills one worker must know the other one is taking tasks."""
    for name in WORKERS:
        if pid_of(name) is None:
            start_worker(name)
    spawn("beat", [str(VENV_BIN / "celery"), "-A", "config", "beat", "--schedule",
                   str(RUN / "beat-schedule"), "--loglevel", "INFO"], app_env())  # fmt: skip


def start_worker(name: str, attempts: int = 5) -> None:
    """One worker, started again if it exits at start, as systemd does (Restart=always,
    RestartSec=2): a worker killed with -9 leaves its exclusive remote-control queue
    (<name>@host.celery.pidbox) on RabbitMQ until the broker has dropped the dead
    connection, which on a loaded machine takes seconds; a new worker of that name starting
    meanwhile stops with RESOURCE_LOCKED."""
    log_file = LOG / f"{name}.log"
    for _attempt in range(attempts):
        since = log_file.stat().st_size if log_file.exists() else 0
        spawn(name, [str(VENV_BIN / "celery"), "-A", "config", "worker", "-n", f"{name}@%h",
                     "--concurrency", "1", "--prefetch-multiplier", "1", "--without-gossip",
                     "--without-mingle", "--loglevel", "INFO"], app_env())  # fmt: skip
        wait_for(
            f"Celery {name}",
            lambda since=since: worker_ready(name, since) or pid_of(name) is None,
            120,
        )
        time.sleep(2)  # "ready" comes just before the remote-control queue is declared
        if pid_of(name) is not None:
            return
        log(f"Celery {name} exited at start; again in 2 s")
        (RUN / f"{name}.pid").unlink(missing_ok=True)
        time.sleep(2)
    raise SystemExit(f"[prod] Celery {name} did not start (see {log_file})")


# --- nginx ---------------------------------------------------------------------------------


def render_nginx(nodes_in_use: tuple[str, ...] = tuple(NODES)) -> Path:
    conf_dir = PROD / "nginx"
    (conf_dir / "tmp").mkdir(parents=True, exist_ok=True)
    nodes = " ".join(
        f"server 127.0.0.1:{NODES[name]} max_fails=1 fail_timeout=3s;" for name in nodes_in_use
    )
    values = {
        "SERVER_NAME": "localhost 127.0.0.1",
        "HTTPS_PORT": str(HTTPS_PORT),
        "HTTP_PORT": str(HTTP_PORT),
        "TLS_CERT": str(TLS / "server.pem"),
        "TLS_KEY": str(TLS / "server.key"),
        "STATIC_ROOT": f"{APP_VAR / 'static'}/",
        "MEDIA_ROOT": f"{APP_VAR / 'media'}/",
        "APP_NODES": nodes,
        "PROXY_BIND": PROXY_ADDRESS,
        "ADMIN_PATH": ADMIN_PATH,
        "CONF_DIR": str(conf_dir),
    }
    for source in ("metavast.conf", "metavast_proxy.conf"):
        text = (ROOT / "deploy" / "nginx" / source).read_text()
        for key, value in values.items():
            text = text.replace(f"@@{key}@@", value)
        (conf_dir / source).write_text(text)
    tmp = conf_dir / "tmp"
    main = f"""# The one-machine topology's nginx (deploy/topology.py); a shop uses Debian's nginx.conf.
# Root workers only because var/ is owner-only (root) here; a shop runs them as www-data.
user root;
worker_processes 2;
pid {RUN / "nginx.pid"};
error_log {LOG / "nginx-error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    server_tokens off;
    access_log {LOG / "nginx-access.log"};
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {conf_dir / "metavast.conf"};
}}
"""
    (conf_dir / "nginx.conf").write_text(main)
    return conf_dir / "nginx.conf"


def start_nginx(nodes_in_use: tuple[str, ...] = tuple(NODES)) -> None:
    conf = render_nginx(nodes_in_use)
    run(["nginx", "-t", "-q", "-c", str(conf)])
    if pid_of("nginx") is not None:
        run(["nginx", "-c", str(conf), "-s", "reload"])
        return
    run(["nginx", "-c", str(conf)])
    wait_for("nginx", lambda: port_open(HTTPS_PORT), 10)


# --- up / down -----------------------------------------------------------------------------


def up() -> None:
    for directory in (PROD, RUN, LOG, APP_VAR):
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    make_env_file()
    vendor = ROOT / "var" / "vendor"  # the web font `make fonts` fetched (scripts/fetch_font.sh)
    if vendor.is_dir() and not (APP_VAR / "vendor").exists():
        shutil.copytree(vendor, APP_VAR / "vendor")
    make_tls()
    setup_postgres()
    start_redis()
    setup_rabbitmq()
    start_mail()
    log("migrate, collectstatic, demo catalogue")
    manage("migrate", "--noinput", "-v0")
    manage("collectstatic", "--noinput", "-v0")
    manage("seed_demo")
    for name in NODES:
        start_node(name)
    start_workers()
    start_nginx()
    wait_for("the shop through nginx", lambda: https_ok("/readyz"), 60)
    log(f"up: {BASE_URL}/  (CA: {TLS / 'ca.pem'}; admin: /{ADMIN_PATH}/)")


def https_ok(path: str) -> bool:
    import ssl

    if not (TLS / "ca.pem").exists():  # a fresh machine: nothing is up yet
        return False
    context = ssl.create_default_context(cafile=str(TLS / "ca.pem"))
    try:
        with urllib.request.urlopen(f"{BASE_URL}{path}", timeout=3, context=context) as response:  # noqa: S310
            return response.status == 200
    except Exception:
        return False


def stop_process(name: str, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    pid = pid_of(name)
    if pid is None:
        (RUN / f"{name}.pid").unlink(missing_ok=True)
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and pid_of(name) is not None:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    if pid_of(name) is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    (RUN / f"{name}.pid").unlink(missing_ok=True)


def stop(name: str) -> None:
    if name == "nginx":
        if pid_of("nginx") is not None:
            run(["nginx", "-c", str(PROD / "nginx" / "nginx.conf"), "-s", "quit"], check=False)
            wait_for("nginx to stop", lambda: pid_of("nginx") is None, 15)
    elif name == "redis":
        if port_open(REDIS_PORT):
            run(["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"], check=False,
                capture_output=True)  # fmt: skip
            wait_for("redis to stop", lambda: not port_open(REDIS_PORT), 10)
    elif name in ("primary", "replica"):
        port = PRIMARY_PORT if name == "primary" else REPLICA_PORT
        if pg_ready(port):
            pg_ctl(name, "stop")
    else:
        stop_process(name)


def start(name: str) -> None:
    if name == "nginx":
        start_nginx()
    elif name == "redis":
        start_redis()
    elif name in ("primary", "replica"):
        if not pg_ready(PRIMARY_PORT if name == "primary" else REPLICA_PORT):
            pg_ctl(name, "start")
    elif name in NODES:
        start_node(name)
    elif name == "mail":
        start_mail()
    else:
        start_workers()


def only(name: str) -> None:
    """One app node behind nginx, the others stopped (the load test's one-node run).
    `start nginx` and `start app2` (or `up`) put both back."""
    if name not in NODES:
        raise SystemExit(f"[prod] not an app node: {name}")
    start_node(name)
    start_nginx((name,))
    for other in NODES:
        if other != name:
            stop(other)
    log(f"only {name} behind nginx")


def down() -> None:
    for name in ("nginx", *NODES, "beat", *WORKERS, "mail", "redis", "replica", "primary"):
        stop(name)
    log("down")


def status() -> None:
    parts = {name: pid_of(name) is not None for name in ("nginx", *NODES, *WORKERS, "beat", "mail")}
    parts["redis"] = port_open(REDIS_PORT)
    parts["primary"] = pg_ready(PRIMARY_PORT)
    parts["replica"] = pg_ready(REPLICA_PORT)
    for name, running in parts.items():
        print(f"{name:8} {'up' if running else 'down'}")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "status"
    if command == "up":
        up()
    elif command == "down":
        down()
    elif command == "status":
        status()
    elif command in ("stop", "start") and len(sys.argv) == 3:
        (stop if command == "stop" else start)(sys.argv[2])
    elif command == "only" and len(sys.argv) == 3:
        only(sys.argv[2])
    else:
        raise SystemExit(__doc__)
