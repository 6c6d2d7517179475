"""`make bench`: the framework floor and the home page under production settings.

Uses PostgreSQL when DATABASE_URL is set (else a throwaway SQLite file), gunicorn with
2 workers on 127.0.0.1, wrk with 16 connections for 10 s per URL.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lib import HEADER, bench_env, manage, serve, wrk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="metavast-bench-")
    env = bench_env(METAVAST_VAR_DIR=var_dir)
    manage("migrate", "--noinput", "-v0", env=env)
    manage("collectstatic", "--noinput", "-v0", env=env)
    manage("seed_demo", env=env)
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    print(f"\nMetavast bench — {database}, gunicorn 2 workers, wrk {args.connections} conns")
    print(HEADER)
    with serve(env) as base:
        for name, path in [("/ping (framework floor)", "/ping"), ("/ (home)", "/")]:
            result = wrk(name, base + path, connections=args.connections, duration=args.duration)
            print(result.row(), flush=True)


if __name__ == "__main__":
    main()
