"""Everything the embedded default writes under var/ is owner-only (config/owner_only.py).

Each entry point is started as a real process with local settings and a fresh var/, from a
parent whose umask is the usual 0022, and made to create what a running store creates: the
SQLite database (with its WAL files), generated keys, an e-mail and an SMS in the outbox,
an uploaded media file and an invoice-style private file.
"""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

WRITE_EVERYTHING = r"""
import json, os, stat, uuid
from pathlib import Path
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import connection
from metavast.core import private_files
from metavast.notifications.backends import SMS
from metavast.notifications.backends.filebased import FileSMSBackend

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE probe (x integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
send_mail("سلام", "متن", "shop@example.com", ["buyer@example.com"])
FileSMSBackend().send(SMS(message_id=uuid.uuid4(), local_id=1, receptor="+989121234567", body="کد"))
default_storage.save("probe/image.txt", ContentFile(b"image"))
root = Path(settings.PRIVATE_STORAGE_ROOT)
private_files.write_sealed("invoices/1405/invoice-000001.pdf", b"%PDF-")
(root / "plain.txt").write_bytes(b"written by any code under the private root")
var = Path(settings.VAR_DIR)
modes = {"": stat.S_IMODE(var.stat().st_mode)}
for directory, names, files in os.walk(var):
    for name in names + files:
        path = Path(directory) / name
        modes[str(path.relative_to(var))] = stat.S_IMODE(path.stat().st_mode)
print("MODES" + json.dumps(modes))
"""

ENTRY_POINTS = {
    "manage.py": [sys.executable, "manage.py", "shell", "-c", WRITE_EVERYTHING],
    "wsgi": [sys.executable, "-c", "import config.wsgi\n" + WRITE_EVERYTHING],
    "asgi": [sys.executable, "-c", "import config.asgi\n" + WRITE_EVERYTHING],
}

EXPECTED = [
    "",
    "metavast.sqlite3",
    "metavast.sqlite3-wal",
    "metavast.sqlite3-shm",
    "secret_key.key",
    "field_encryption.key",
    "blind_index.key",
    "outbox",
    "outbox/email",
    "outbox/sms",
    "media",
    "media/probe",
    "media/probe/image.txt",
    "private",
    "private/invoices",
    "private/invoices/1405",
    "private/invoices/1405/invoice-000001.pdf",
    "private/plain.txt",
]


def run_entry_point(argv: list[str], var_dir: Path) -> dict[str, int]:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV"}
    environment = {name: value for name, value in os.environ.items() if name in keep}
    environment |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "METAVAST_VAR_DIR": str(var_dir),
    }
    result = subprocess.run(
        argv,
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(0o022),  # what a shell usually hands down
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("MODES"))
    return json.loads(line.removeprefix("MODES"))


@pytest.mark.parametrize("entry_point", sorted(ENTRY_POINTS))
def test_everything_created_under_var_is_owner_only(entry_point, tmp_path):
    var_dir = tmp_path / "fresh" / "var"  # does not exist yet: the process creates it
    modes = run_entry_point(ENTRY_POINTS[entry_point], var_dir)

    for name in EXPECTED:
        assert name in modes, f"{name} was not created"
    assert any(name.startswith("outbox/email/") for name in modes)
    assert any(name.startswith("outbox/sms/") for name in modes)
    loose = {name: oct(mode) for name, mode in modes.items() if mode & 0o077}
    assert loose == {}
    assert modes[""] == 0o700
    assert modes["metavast.sqlite3"] == 0o600
    assert modes["private/invoices/1405/invoice-000001.pdf"] == 0o600


def test_an_existing_world_readable_var_is_tightened_at_start(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    os.chmod(var_dir, 0o755)
    (var_dir / "metavast.sqlite3").touch()
    os.chmod(var_dir / "metavast.sqlite3", 0o644)  # left by an older version

    modes = run_entry_point(ENTRY_POINTS["manage.py"], var_dir)

    # The old file keeps its bits, but nobody else can reach it any more.
    assert stat.S_IMODE(var_dir.stat().st_mode) == 0o700 == modes[""]


def test_var_is_created_owner_only_even_under_a_loose_umask(tmp_path, monkeypatch):
    from config import env

    var_dir = tmp_path / "new" / "var"
    monkeypatch.setattr(env, "VAR_DIR", var_dir)
    old_umask = os.umask(0o022)
    try:
        secret = env.local_secret("probe")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(var_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((var_dir / "probe.key").stat().st_mode) == 0o600
    assert (var_dir / "probe.key").read_text() == secret
