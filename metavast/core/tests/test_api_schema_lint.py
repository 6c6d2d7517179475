"""Redocly CLI's recommended lint passes on the published schema with no error or warning.

The schema is dumped from /api/v1/openapi.json as served, and `npx redocly lint` runs on it
with redocly.yaml (the recommended rules; any rule turned off there says why). @redocly/cli
is pinned in package.json / package-lock.json and installed by `make test` (npm ci).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("npm") is None,
        reason="npm is not installed: `make test` installs the API tools with npm ci",
    ),
]


def npx(*args: str) -> subprocess.CompletedProcess:
    """`npx` from the repository root, so it finds the pinned tools in node_modules."""
    tool = ROOT / "node_modules" / ".bin" / args[0]
    assert tool.exists(), f"{args[0]} is not installed: run `make npm-deps` (npm ci)"
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    return subprocess.run(
        ["npx", "--no-install", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def lint(schema: dict, tmp_path: Path) -> dict:
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    run = npx("redocly", "lint", str(path), "--config", str(ROOT / "redocly.yaml"), "--format=json")
    report = json.loads(run.stdout)
    report["exit_code"] = run.returncode
    return report


@pytest.fixture
def schema(client) -> dict:
    return client.get("/api/v1/openapi.json").json()


def test_the_published_schema_passes_redocly_recommended(schema, tmp_path):
    report = lint(schema, tmp_path)
    problems = [(p["ruleId"], p["message"]) for p in report["problems"]]
    assert report["totals"]["errors"] == 0, problems
    assert report["totals"]["warnings"] == 0, problems
    assert report["exit_code"] == 0


def test_the_lint_does_catch_what_the_issue_found(schema, tmp_path):
    # The schema as it was: no license, no servers, a public operation without `security`.
    del schema["info"]["license"]
    schema["servers"] = []
    del schema["paths"]["/api/v1/pages"]["get"]["security"]
    report = lint(schema, tmp_path)
    rules = {p["ruleId"] for p in report["problems"]}
    assert {"info-license", "no-empty-servers", "security-defined"} <= rules
    assert report["totals"]["errors"] >= 2 and report["exit_code"] != 0
