"""Private files at rest (under PRIVATE_STORAGE_ROOT): sealed, owner-only, rotated with the keys.

Everything written under the private root is sealed with the field-encryption keys
(`crypto.encrypt_bytes`, a MultiFernet token), so a copied disk, a backup or a stray
`cat` shows no personal data, and `rotate_field_keys` re-seals the files under the new
primary key exactly as it re-encrypts the columns. Files are created 0600 through a
temporary file in the same directory and an atomic rename (a reader never sees half a
file; two writers of the same file both leave a whole one); directories are 0700.

Files written before sealing existed are plaintext: `read_sealed` seals such a file the
first time it is read, and `manage.py seal_private_files` seals them all at once.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from metavast.core import crypto

FILE_MODE = 0o600
DIR_MODE = 0o700


def _tighten(path: Path, mode: int) -> None:
    """chmod to `mode` if group or others have any bit (our own files only)."""
    with contextlib.suppress(FileNotFoundError):
        current = stat.S_IMODE(path.stat().st_mode)
        if current & 0o077:
            os.chmod(path, mode)


def ensure_private_dir(directory: Path, *, root: Path) -> None:
    """Create `directory` (inside `root`) and every level from `root` down, all 0700."""
    directory = Path(directory)
    root = Path(root)
    relative = directory.relative_to(root)  # ValueError if it escapes the root
    root.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(root, DIR_MODE)
    current = root
    for part in relative.parts:
        current = current / part
        current.mkdir(mode=DIR_MODE, exist_ok=True)
        _tighten(current, DIR_MODE)


def _write_owner_only(path: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:  # mkstemp opens it 0600 whatever the umask
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def write_sealed(path: Path, data: bytes, *, root: Path) -> None:
    """Seal `data` and store it at `path` (0600, in 0700 directories under `root`)."""
    path = Path(path)
    ensure_private_dir(path.parent, root=root)
    _write_owner_only(path, crypto.encrypt_bytes(data))


def read_sealed(path: Path, *, root: Path) -> bytes:
    """The plaintext of a sealed file. A plaintext file from before sealing is sealed in
    place now, so it is never read in clear twice. Raises InvalidToken if no listed key
    opens it or it was altered."""
    path = Path(path)
    raw = path.read_bytes()
    if crypto.is_sealed(raw):
        return crypto.decrypt_bytes(raw)
    write_sealed(path, raw, root=root)
    return raw


@dataclass
class Tally:
    sealed: int = 0  # plaintext files sealed now
    rotated: int = 0  # sealed files re-sealed under the primary key
    unchanged: int = 0  # already as wanted
    unreadable: int = 0  # sealed, but no listed key opens them
    plaintext: int = 0  # not sealed and left so (rotation only)


def _is_temporary(name: str) -> bool:
    # Another process's write in progress (it holds ciphertext only): leave it alone.
    return name.startswith(".") and name.endswith(".tmp")


def _files(root: Path):
    if not root.is_dir():
        return
    for directory, _subdirs, names in os.walk(root):
        _tighten(Path(directory), DIR_MODE)
        for name in sorted(names):
            if _is_temporary(name):
                continue
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                yield path


def seal_plaintext_files(root: Path) -> Tally:
    """Seal every plaintext file under `root` and make every file and directory owner-only."""
    root = Path(root)
    tally = Tally()
    for path in _files(root):
        raw = path.read_bytes()
        if crypto.is_sealed(raw):
            _tighten(path, FILE_MODE)
            tally.unchanged += 1
        else:
            write_sealed(path, raw, root=root)
            tally.sealed += 1
    return tally


def rotate_sealed_files(root: Path) -> Tally:
    """Re-seal every sealed file under `root` with the primary key (after a new key was put
    first in FIELD_ENCRYPTION_KEYS). Files no listed key opens are left exactly as they
    are, and so are plaintext ones (counted in `plaintext`; `seal_plaintext_files` seals
    them): a rotation run with the wrong key list must not destroy or re-key anything."""
    root = Path(root)
    tally = Tally()
    for path in _files(root):
        raw = path.read_bytes()
        if not crypto.is_sealed(raw):
            tally.plaintext += 1
            continue
        try:
            rotated = crypto.rotate_bytes(raw)
        except crypto.InvalidToken:
            tally.unreadable += 1
            continue
        _write_owner_only(path, rotated)
        tally.rotated += 1
    return tally
