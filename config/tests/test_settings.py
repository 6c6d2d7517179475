import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from config.demo import demo_seller_env

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**overrides) -> dict:
    # The browser fixture sets DJANGO_ALLOW_ASYNC_UNSAFE for its own process only.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="p" * 30 + "-Zq8$kV3!mN7@rT2^wX5&yB9*cD4(eF6)gH1",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        BLIND_INDEX_KEY="blind-" + "k" * 40,
        AUDIT_SEAL_KEY="seal-Qm3xV8rT2pL9wZ4kN7bH1cF6dJ5gS0yAe",
        ALLOWED_HOSTS="shop.example.ir",
        ADMIN_PATH="staff-desk",
        **demo_seller_env(),
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def _manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_deploy_check_is_clean():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "ALLOWED_HOSTS"]
)
def test_production_refuses_to_start_without_its_secrets(missing):
    result = _manage("check", env=_production_env(**{missing: None}))
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SELLER_NAME", None), ("SELLER_ECONOMIC_NUMBER", "123"), ("MOADIAN_MEMORY_ID", "AB")],
)
def test_production_refuses_an_invalid_invoice_seller(variable, value):
    result = _manage("check", env=_production_env(**{variable: value}))
    assert result.returncode != 0
    assert variable in result.stderr


def test_production_refuses_the_default_admin_path():
    result = _manage("check", env=_production_env(ADMIN_PATH=None))
    assert result.returncode != 0
    assert "ADMIN_PATH" in result.stderr


def test_production_cookies_and_hsts():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.ADMIN_PATH)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "Lax",
        "31536000",
        "True",
        "staff-desk",
    ], result.stderr
