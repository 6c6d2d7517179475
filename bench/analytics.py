"""Analytics counting cost (issue 13): catalog pages with counting on, against off.

The goal: with counting on, at least 90 % of the req/s with counting off. Each round serves a
product page and a category page with wrk (16 connections, 10 s) from a server with counting
on (config.settings.bench) and one with it off (config.settings.bench_analytics_off), in
alternating order, with browser-like headers so the requests are really counted. Run by hand:

    .venv/bin/python bench/analytics.py --seed     # first run: creates and seeds its database
    .venv/bin/python bench/analytics.py

Uses its own database (mv_bench_analytics), Redis database 13 and var directory.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib import HEADER, bench_env, manage, serve, wrk

DB_NAME = "mv_bench_analytics"
DB = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
HEADERS_LUA = """wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 \
(KHTML, like Gecko) Chrome/124.0 Safari/537.36"
wrk.headers["Accept-Language"] = "fa-IR,fa;q=0.9"
wrk.headers["Accept"] = "text/html"
"""
SETTINGS = {"on": "config.settings.bench", "off": "config.settings.bench_analytics_off"}


def _psql(sql: str, db: str = "postgres") -> str:
    command = ["psql", "-U", "postgres", "-h", "127.0.0.1", "-d", db, "-tAc", sql]
    return subprocess.run(command, capture_output=True, text=True).stdout.strip()


def main() -> None:
    var_dir = Path(tempfile.gettempdir()) / "metavast-bench-analytics"
    var_dir.mkdir(exist_ok=True)
    base = bench_env(
        METAVAST_VAR_DIR=str(var_dir), DATABASE_URL=DB, REDIS_URL="redis://127.0.0.1:6379/13"
    )
    if "--seed" in sys.argv:
        _psql(f"CREATE DATABASE {DB_NAME}")
        manage("migrate", "--noinput", "-v0", env=base)
        manage("collectstatic", "--noinput", "-v0", env=base)
        manage("seed_demo", "--products", "2000", env=base)
    product = _psql("SELECT slug FROM catalog_product ORDER BY id LIMIT 1", DB_NAME)
    category = _psql("SELECT slug FROM catalog_category ORDER BY id LIMIT 1", DB_NAME)
    paths = {"product": f"/product/{quote(product)}/", "category": f"/c/{quote(category)}/"}
    script = var_dir / "headers.lua"
    script.write_text(HEADERS_LUA)
    rates: dict[tuple[str, str], list[float]] = {}
    rows = []
    for round_ in range(3):
        for mode in ("on", "off") if round_ % 2 == 0 else ("off", "on"):
            with serve({**base, "DJANGO_SETTINGS_MODULE": SETTINGS[mode]}) as url:
                for name, path in paths.items():
                    wrk("warm-up", url + path, duration=2, script=str(script))
                    result = wrk(f"{name}, counting {mode}", url + path, script=str(script))
                    rows.append(result)
                    rates.setdefault((name, mode), []).append(result.rps)
                    print(result.row(), flush=True)
    print(HEADER)
    for result in rows:
        print(result.row())
    for name in paths:
        on, off = max(rates[(name, "on")]), max(rates[(name, "off")])
        print(f"{name}: counting on is {100 * on / off:.0f} % of off (best of 3; goal >= 90 %)")


if __name__ == "__main__":
    main()
