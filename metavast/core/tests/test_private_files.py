"""The private storage on the filesystem (metavast.core.private_files.PrivateFileSystemStorage):
names, not paths; sealed; owner-only; atomic; a name written again replaced; no URL."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import storages

from metavast.core import crypto, private_files
from metavast.core.private_files import PrivateFileSystemStorage


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def root(settings, tmp_path) -> Path:
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private-root"
    return settings.PRIVATE_STORAGE_ROOT


def test_the_private_storage_is_the_filesystem_under_the_current_root(root):
    store = storages["private"]
    assert isinstance(store, PrivateFileSystemStorage)
    assert Path(store.location) == root
    with pytest.raises(NotImplementedError):
        store.url("invoices/1405/sale-000001.pdf")


def test_write_seals_owner_only_and_the_same_name_is_replaced(root):
    old_umask = os.umask(0o022)
    try:
        root.mkdir(mode=0o755)
        os.chmod(root, 0o755)  # a looser root left by hand is tightened on the next write
        name = private_files.write_sealed("invoices/1405/sale-000001.pdf", b"%PDF-first")
        again = private_files.write_sealed("invoices/1405/sale-000001.pdf", b"%PDF-second")
    finally:
        os.umask(old_umask)

    assert name == again == "invoices/1405/sale-000001.pdf"
    path = root / name
    assert crypto.is_sealed(path.read_bytes())
    assert private_files.read_sealed(name) == b"%PDF-second"
    assert sorted(p.name for p in path.parent.iterdir()) == ["sale-000001.pdf"]  # no temp left
    assert mode(path) == 0o600
    assert [mode(d) for d in (root, root / "invoices", path.parent)] == [0o700] * 3


def test_a_plaintext_file_is_sealed_on_its_first_read(root):
    path = root / "legal" / "disclosure-1.zip"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK plaintext")
    assert private_files.read_sealed("legal/disclosure-1.zip") == b"PK plaintext"
    assert crypto.decrypt_bytes(path.read_bytes()) == b"PK plaintext"
    assert mode(path) == 0o600


def test_a_reader_never_sees_half_a_file(root):
    """One thread rewrites a 1 MB file under the same name while another reads it: every
    read opens (a torn token would raise InvalidToken) and is one of the two contents."""
    name = "privacy/export-1.zip"
    contents = (b"a" * 1_000_000, b"b" * 1_000_000)
    private_files.write_sealed(name, contents[0])
    done = threading.Event()
    errors: list[BaseException] = []

    def writer():
        try:
            for i in range(30):
                private_files.write_sealed(name, contents[i % 2])
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    reads = 0
    while not done.is_set() or reads < 5:
        assert private_files.read_sealed(name) in contents
        reads += 1
    thread.join()
    assert errors == [] and reads >= 5


def test_names_walk_every_folder_and_skip_writes_in_progress_and_links(root, tmp_path):
    for name in ("audit/checkpoints/20261203/000000000002-ab.json", "invoices/1405/s.pdf", "x"):
        private_files.write_sealed(name, b"data")
    (root / "invoices" / "1405" / ".s.pdf.abc123.tmp").write_bytes(b"half")
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours")
    (root / "invoices" / "link.pdf").symlink_to(outside)
    (root / "linked-dir").symlink_to(tmp_path)

    assert list(private_files.names()) == [
        "x",
        "audit/checkpoints/20261203/000000000002-ab.json",
        "invoices/1405/s.pdf",
    ]
    assert list(private_files.names("invoices")) == ["invoices/1405/s.pdf"]
    assert list(private_files.names("nothing-here")) == []


def test_names_of_a_root_not_made_yet_is_empty(root):
    assert not root.exists()
    assert list(private_files.names()) == []
    assert private_files.seal_plaintext_files().sealed == 0


@pytest.mark.parametrize("name", ["", "/etc/passwd", "../outside.txt", "invoices/../../x"])
def test_names_that_escape_the_root_are_refused(root, tmp_path, name):
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours")
    with pytest.raises(SuspiciousFileOperation):
        private_files.write_sealed(name, b"data")
    with pytest.raises(SuspiciousFileOperation):
        private_files.delete(name)
    assert outside.read_text() == "not ours"


def test_delete_says_whether_there_was_a_file(root):
    private_files.write_sealed("legal/disclosure-7.zip", b"zip")
    assert private_files.delete("legal/disclosure-7.zip") is True
    assert not (root / "legal" / "disclosure-7.zip").exists()
    assert private_files.delete("legal/disclosure-7.zip") is False


def test_a_file_where_a_folder_should_be_fails_with_an_oserror_and_leaves_nothing(root):
    """The fault the invoice render task retries on (autoretry_for=OSError)."""
    root.mkdir()
    (root / "invoices").write_text("not a directory")
    with pytest.raises(OSError):
        private_files.write_sealed("invoices/1405/sale-000001.pdf", b"%PDF-")
    assert sorted(p.name for p in root.iterdir()) == ["invoices"]
