"""Production secrets: format, strength and no example values, at start-up and in
`check --deploy` (metavast.core.checks)."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.checks import run_checks

from config.demo import demo_seller_env
from metavast.core.checks import example_secrets, secret_problems

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "SECRET_KEY": "p" * 30 + "-Zq8$kV3!mN7@rT2^wX5&yB9*cD4(eF6)gH1",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "BLIND_INDEX_KEY": "bK7-x2Qv9mZpL4tR8wN1cY6dH3fJ0gS5aE",
    "AUDIT_SEAL_KEY": "sQ4-v8Lm2XpT7rK9wZ1bN6cH3dF0gJ5yAe",
}


def _example_values() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        name, _, value = line.partition("=")
        if name in GOOD:
            values[name] = value
    return values


def _env(**overrides) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        ALLOWED_HOSTS="shop.example.ir",
        ADMIN_PATH="staff-desk",
        **GOOD,
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


def _problems(**overrides) -> list[tuple[str, str]]:
    values = {
        "secret_key": GOOD["SECRET_KEY"],
        "field_encryption_keys": [GOOD["FIELD_ENCRYPTION_KEYS"]],
        "blind_index_key": GOOD["BLIND_INDEX_KEY"],
        "audit_seal_key": GOOD["AUDIT_SEAL_KEY"],
    }
    values.update(overrides)
    return secret_problems(**values)


# --- Start-up of the production settings ---


FERNET_FORMAT = "is not a Fernet key (urlsafe base64 of 32 bytes, 44 characters ending in '=')"


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("FIELD_ENCRYPTION_KEYS", "abc", f"FIELD_ENCRYPTION_KEYS key 1 {FERNET_FORMAT}"),
        ("BLIND_INDEX_KEY", "x", "BLIND_INDEX_KEY is shorter than 32 characters"),
        ("AUDIT_SEAL_KEY", "k" * 40, "AUDIT_SEAL_KEY is not random"),
    ],
)
def test_production_refuses_to_start_with_a_malformed_key(variable, value, problem):
    result = _manage("check", env=_env(**{variable: value}))
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"django.core.exceptions.ImproperlyConfigured: Production secrets: {problem}"
    )
    assert "; " not in last  # only the one bad secret is named
    assert value not in last.split("Production secrets: ")[1]  # the secret is never echoed


def test_production_refuses_to_start_with_the_env_example_secrets():
    examples = _example_values()
    assert set(examples) == set(GOOD)  # the example file has all four
    result = _manage("check", env=_env(**examples))
    assert result.returncode != 0
    for name in GOOD:
        assert f"{name} is the example value from .env.example" in result.stderr or (
            name == "FIELD_ENCRYPTION_KEYS"
            and "FIELD_ENCRYPTION_KEYS key 1 is the example value" in result.stderr
        ), name


def test_production_starts_with_valid_secrets():
    result = _manage("check", env=_env())
    assert result.returncode == 0, result.stderr


def test_deploy_check_reports_bad_keys_through_manage_py(tmp_path):
    # Local settings start with any keys; `check --deploy` is what must catch them there.
    env = _env(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        METAVAST_VAR_DIR=str(tmp_path),
        FIELD_ENCRYPTION_KEYS="abc",
        BLIND_INDEX_KEY="x",
    )
    result = _manage("check", "--deploy", env=env)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "(metavast.E002) FIELD_ENCRYPTION_KEYS key 1 is not a Fernet key" in output
    assert "(metavast.E003) BLIND_INDEX_KEY is shorter than 32 characters" in output
    assert "metavast.E001" not in output and "metavast.E004" not in output


# --- The rules themselves ---


def test_valid_secrets_have_no_problems():
    assert _problems() == []
    two_keys = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    assert _problems(field_encryption_keys=two_keys) == []


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("abc", "key 1 is not a Fernet key"),
        (base64.urlsafe_b64encode(b"k" * 31).decode(), "key 1 is not a Fernet key"),
        (base64.urlsafe_b64encode(b"k" * 33).decode(), "key 1 is not a Fernet key"),
        (base64.b64encode(b"\xfb\xff" * 16).decode(), "key 1 is not a Fernet key"),  # + and /
        (Fernet.generate_key().decode().rstrip("="), "key 1 is not a Fernet key"),
        (Fernet.generate_key().decode() + " ", "key 1 is not a Fernet key"),
        (base64.urlsafe_b64encode(b"\x00" * 32).decode(), "key 1 is not random"),
        (base64.urlsafe_b64encode(b"fake-key-" * 3 + b"fake-").decode(), "key 1 is the example"),
        (base64.urlsafe_b64encode(b"0123456789abcdef" * 2).decode(), "key 1 is not random"),
    ],
)
def test_field_keys_must_be_random_fernet_keys(key, problem):
    problems = _problems(field_encryption_keys=[key])
    assert [name for name, _ in problems] == ["FIELD_ENCRYPTION_KEYS"]
    assert problems[0][1].startswith(problem)


def test_every_field_key_is_checked_not_only_the_first():
    problems = _problems(field_encryption_keys=[Fernet.generate_key().decode(), "abc"])
    assert [(n, p.split(" (")[0]) for n, p in problems] == [
        ("FIELD_ENCRYPTION_KEYS", "key 2 is not a Fernet key")
    ]


@pytest.mark.parametrize("name", ["blind_index_key", "audit_seal_key"])
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("x", "is shorter than 32 characters"),
        ("Qm3xV8rT2pL9wZ4kN7bH1cF6dJ5gS0y", "is shorter than 32 characters"),  # 31
        ("k" * 64, "is not random"),
        ("abcd" * 16, "is not random"),
        ("change-me-" + "Qm3xV8rT2pL9wZ4kN7bH1cF6dJ5gS0yA", "is a placeholder"),
        ("DUMMY-Qm3xV8rT2pL9wZ4kN7bH1cF6dJ5gS0yA", "is a placeholder"),
        ("", "is missing"),
    ],
)
def test_text_keys_need_32_random_characters(name, value, problem):
    label = name.upper()
    problems = _problems(**{name: value})
    assert problems == [(label, problem)] or (
        len(problems) == 1 and problems[0][0] == label and problems[0][1].startswith(problem)
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            "django-insecure-" + "Qm3xV8rT2pL9wZ4kN7bH1cF6dJ5gS0yAeQm3xV8rT2pL9wZ4kN7b",
            "starts with",
        ),
        ("Qm3xV8rT2pL9wZ4kN7bH1cF6dJ5gS0yAe", "is shorter than 50 characters"),
        ("ab" * 40, "is not random"),
        ("change-me-to-50-random-characters-change-me-to-50-random", "is the example value"),
        ("", "is missing"),
    ],
)
def test_secret_key_follows_djangos_rules(value, problem):
    problems = _problems(secret_key=value)
    assert len(problems) == 1 and problems[0][0] == "SECRET_KEY"
    assert problems[0][1].startswith(problem)


def test_each_example_secret_of_env_example_is_refused():
    examples = _example_values()
    assert set(examples.values()) <= example_secrets()
    problems = _problems(
        secret_key=examples["SECRET_KEY"],
        field_encryption_keys=[examples["FIELD_ENCRYPTION_KEYS"]],
        blind_index_key=examples["BLIND_INDEX_KEY"],
        audit_seal_key=examples["AUDIT_SEAL_KEY"],
    )
    assert {name for name, _ in problems} == set(GOOD)
    assert all("example value" in problem for _, problem in problems)


def test_an_edited_env_example_is_refused_too(tmp_path):
    edited = tmp_path / ".env.example"
    edited.write_text("BLIND_INDEX_KEY=Zy9-another-sample-key-that-is-long-enough\n")
    assert "Zy9-another-sample-key-that-is-long-enough" in example_secrets(edited)
    assert "Zy9-another-sample-key-that-is-long-enough" not in example_secrets(tmp_path / "none")


def test_one_key_may_not_serve_two_secrets():
    problems = _problems(audit_seal_key=GOOD["BLIND_INDEX_KEY"])
    assert problems == [
        ("AUDIT_SEAL_KEY", "is the same as BLIND_INDEX_KEY: each secret needs its own")
    ]


# --- The registered deploy check (in this process, on the test database's settings) ---


def _metavast_messages():
    return [
        (m.id, m.msg)
        for m in run_checks(include_deployment_checks=True)
        if m.id and m.id.startswith("metavast.")
    ]


def test_deploy_check_is_clean_with_valid_secrets(settings):
    settings.SECRET_KEY = GOOD["SECRET_KEY"]
    settings.FIELD_ENCRYPTION_KEYS = [GOOD["FIELD_ENCRYPTION_KEYS"]]
    settings.BLIND_INDEX_KEY = GOOD["BLIND_INDEX_KEY"]
    settings.AUDIT_SEAL_KEY = GOOD["AUDIT_SEAL_KEY"]
    assert _metavast_messages() == []


def test_deploy_check_names_each_bad_secret(settings):
    settings.SECRET_KEY = "change-me-to-50-random-characters-change-me-to-50-random"
    settings.FIELD_ENCRYPTION_KEYS = ["abc"]
    settings.BLIND_INDEX_KEY = "x"
    settings.AUDIT_SEAL_KEY = "change-me-audit-seal-key"
    messages = dict(_metavast_messages())
    assert sorted(messages) == ["metavast.E001", "metavast.E002", "metavast.E003", "metavast.E004"]
    assert messages["metavast.E001"] == "SECRET_KEY is the example value from .env.example."
    assert messages["metavast.E003"] == "BLIND_INDEX_KEY is shorter than 32 characters."
