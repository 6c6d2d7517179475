"""Helpers for benchmarks: serve the app under gunicorn with production settings, and
measure URLs with wrk. Run by hand (`make bench`), never in CI.

Figures from wrk: requests/s and latency percentiles (p50, p99) from `--latency`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# A fixed throwaway Fernet key for bench databases (never a real shop's key).
BENCH_FIELD_KEY = "YmVuY2gtZmllbGQta2V5LTAxMjM0NTY3ODlhYmNkZWY="


def bench_env(**extra: str) -> dict[str, str]:
    """Production settings with throwaway secrets; PostgreSQL when DATABASE_URL is set."""
    from config.demo import demo_seller_env

    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.bench",
        SECRET_KEY=env.get("SECRET_KEY") or "bench-" + "s" * 50,
        # Fixed, so a bench database seeded by an earlier run can still be read.
        FIELD_ENCRYPTION_KEYS=env.get("FIELD_ENCRYPTION_KEYS") or BENCH_FIELD_KEY,
        BLIND_INDEX_KEY=env.get("BLIND_INDEX_KEY") or "bench-blind-index-key-0123456789abcdef",
        AUDIT_SEAL_KEY=env.get("AUDIT_SEAL_KEY") or "bench-seal-W4nR8qT1xK6vB3mZ9pL2cH7",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        ADMIN_PATH="staff-bench",
        # Failed test deliveries (no SMS or mail provider here) would bury the figures.
        LOG_LEVEL="ERROR",
        **demo_seller_env(),
    )
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(env: dict[str, str], *, workers: int = 2, threads: int = 1) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/ping", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int

    def row(self) -> str:
        return (
            f"| {self.name:<32} | {self.rps:>9.0f} | {self.p50_ms:>8.1f} | {self.p99_ms:>8.1f} "
            f"| {self.errors:>6} |"
        )


HEADER = (
    "| URL                              |     req/s |  p50 ms  |  p99 ms  | errors |\n"
    "|----------------------------------|-----------|----------|----------|--------|"
)

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(
    name: str,
    url: str,
    *,
    connections: int = 16,
    duration: int = 10,
    threads: int = 2,
    script: str | None = None,
) -> Result:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if script:
        args += ["-s", script]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # Read the percentiles from wrk's "Latency Distribution" table only: the thread stats
    # above it hold percentages too ("+/- Stdev 45.50%").
    distribution = out.split("Latency Distribution", 1)[1]
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", distribution, re.M).group(1))
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", distribution, re.M).group(1))
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: .*?timeout (\d+)"):
        match = re.search(pattern, out)
        if match:
            errors += int(match.group(1))
    return Result(name, rps, p50, p99, errors)
