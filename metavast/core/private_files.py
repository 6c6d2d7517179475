"""Private files at rest (invoice PDFs, privacy exports, legal packages, audit checkpoints):
sealed, by name, through the "private" storage, rotated with the keys.

Every private file is stored through `storages["private"]` under a relative name (what the
database rows keep, e.g. `invoices/1405/sale-000012.pdf`), so the same code runs on the
filesystem (the default: PRIVATE_STORAGE_ROOT) and on S3-compatible object storage
(OBJECT_STORAGE_URL: the bucket's private/ prefix, shared by every app machine).

Whatever the backend, what is stored is sealed with the field-encryption keys
(`crypto.encrypt_bytes`, a MultiFernet token): a copied disk, a bucket listing or a backup
shows no personal data, and `rotate_field_keys` re-seals the files under the new primary
key exactly as it re-encrypts the columns. Writing a name again replaces it (an invoice
re-rendered after a failed attempt, a retried task): the rows point at names, never at
"name_AbC12x" variants.

On the filesystem `PrivateFileSystemStorage` keeps the guarantees Django's own
FileSystemStorage does not give: files are written to a temporary file in the same
directory and renamed over the name (a reader never sees half a file; two writers of the
same name both leave a whole one), files are 0600 and every directory from the root down
0700, and there is no URL. On S3 a PUT replaces an object whole, and the "private" canned
ACL keeps it owner-only (config/settings/base.py, object_storages).

Files written before sealing existed are plaintext: `read_sealed` seals such a file the
first time it is read, and `manage.py seal_private_files` seals them all at once.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.files.utils import validate_file_name

from metavast.core import crypto

FILE_MODE = 0o600
DIR_MODE = 0o700
STORAGE_ALIAS = "private"


class PrivateStorageError(OSError):
    """The private storage could not be reached or refused a request (an object store's
    error, re-raised as an OSError so that tasks retrying on OSError, such as the invoice
    PDF render, retry on S3 exactly as on a full or unwritable disk)."""


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
        current.mkdir(mode=DIR_MODE, exist_ok=True)  # a file in the way: FileExistsError
        _tighten(current, DIR_MODE)


class PrivateFileSystemStorage(FileSystemStorage):
    """FileSystemStorage for private files, rooted at PRIVATE_STORAGE_ROOT.

    Django's FileSystemStorage with allow_overwrite truncates the file in place (a reader
    can see half of it) and creates missing directories with makedirs, which leaves an
    existing, looser parent as it is; it also falls back on MEDIA_URL for url(). Here a write
    goes through a 0600 temporary file and an atomic rename, every directory level is made
    or tightened to 0700, and there is no URL: private files are streamed by views that
    check who asks. The root is read from settings when first used (and again when the
    setting changes), so a test's or a deployment's PRIVATE_STORAGE_ROOT is the one used."""

    def __init__(self, location=None, **options):
        options.setdefault("file_permissions_mode", FILE_MODE)
        options.setdefault("directory_permissions_mode", DIR_MODE)
        options["allow_overwrite"] = True  # a name written again is replaced, never renamed
        super().__init__(location=location, **options)

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_STORAGE_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise NotImplementedError("private files have no URL: stream them through a view")

    def _save(self, name, content):
        root = Path(self.location)
        path = Path(self.path(name))
        ensure_private_dir(path.parent, root=root)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:  # mkstemp opens it 0600 whatever the umask
                for chunk in content.chunks():
                    handle.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        return path.relative_to(root).as_posix()


def storage() -> Storage:
    return storages[STORAGE_ALIAS]


def is_filesystem(store: Storage | None = None) -> bool:
    return isinstance(store or storage(), FileSystemStorage)


@contextlib.contextmanager
def _backend_errors():
    """An object store's own exceptions (botocore's) as PrivateStorageError (an OSError)."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # no S3 client installed: only filesystem errors can happen
        yield
        return
    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise PrivateStorageError(f"private storage: {exc}") from exc


def check_name(name: str) -> str:
    """`name` if it is a relative name inside the private storage; SuspiciousFileOperation
    for an empty or absolute name or one with a `..` part (it would escape the root)."""
    if not name or name.startswith(("/", "\\")) or Path(name).is_absolute():
        raise SuspiciousFileOperation(f"not a private file name: {name!r}")
    validate_file_name(name, allow_relative_path=True)  # refuses `..` parts
    return name


def write_sealed(name: str, data: bytes) -> str:
    """Seal `data` and store it under `name`, replacing what was there; returns `name`."""
    check_name(name)
    with _backend_errors():
        stored = storage().save(name, ContentFile(crypto.encrypt_bytes(data)))
    if stored != name:  # the rows keep `name`: a renamed copy would be lost to them
        raise PrivateStorageError(f"private storage stored {name!r} as {stored!r}")
    return stored


def _read_raw(store: Storage, name: str) -> bytes:
    with _backend_errors(), store.open(name, "rb") as handle:
        return handle.read()


def read_sealed(name: str) -> bytes:
    """The plaintext of a sealed file. A plaintext file from before sealing is sealed in
    place now, so it is never read in clear twice. Raises FileNotFoundError if there is no
    such file, InvalidToken if no listed key opens it or it was altered."""
    raw = _read_raw(storage(), check_name(name))
    if crypto.is_sealed(raw):
        return crypto.decrypt_bytes(raw)
    write_sealed(name, raw)
    return raw


def exists(name: str) -> bool:
    if not name:
        return False
    with _backend_errors():
        return storage().exists(check_name(name))


def delete(name: str) -> bool:
    """Remove `name`; True if there was such a file."""
    store = storage()
    check_name(name)
    with _backend_errors():
        if not store.exists(name):
            return False
        store.delete(name)
    return True


def _is_temporary(name: str) -> bool:
    # Another process's write in progress (it holds ciphertext only): leave it alone.
    return name.startswith(".") and name.endswith(".tmp")


def names(prefix: str = "", *, store: Storage | None = None) -> Iterator[str]:
    """Every stored name under `prefix` (a folder), depth first, sorted; by listing, so it
    works on S3 (prefixes and delimiters) as on disk. On disk, symbolic links are skipped
    and every directory met is tightened to 0700."""
    store = store or storage()
    on_disk = is_filesystem(store)
    if on_disk:
        folder = Path(store.path(prefix))
        if not folder.is_dir() or folder.is_symlink():
            return
        _tighten(folder, DIR_MODE)
    try:
        with _backend_errors():
            directories, files = store.listdir(prefix)
    except FileNotFoundError:
        return
    for name in sorted(files):
        full = posixpath.join(prefix, name) if prefix else name
        if _is_temporary(name) or (on_disk and os.path.islink(store.path(full))):
            continue
        yield full
    for directory in sorted(directories):
        yield from names(posixpath.join(prefix, directory) if prefix else directory, store=store)


@dataclass
class Tally:
    sealed: int = 0  # plaintext files sealed now
    rotated: int = 0  # sealed files re-sealed under the primary key
    unchanged: int = 0  # already as wanted
    unreadable: int = 0  # sealed, but no listed key opens them
    plaintext: int = 0  # not sealed and left so (rotation only)


def _put(store: Storage, name: str, raw: bytes) -> None:
    with _backend_errors():
        stored = store.save(name, ContentFile(raw))
    if stored != name:
        raise PrivateStorageError(f"private storage stored {name!r} as {stored!r}")


def seal_plaintext_files() -> Tally:
    """Seal every plaintext private file; on disk, also make every file and directory
    owner-only."""
    store = storage()
    on_disk = is_filesystem(store)
    tally = Tally()
    for name in names(store=store):
        raw = _read_raw(store, name)
        if crypto.is_sealed(raw):
            if on_disk:
                _tighten(Path(store.path(name)), FILE_MODE)
            tally.unchanged += 1
        else:
            _put(store, name, crypto.encrypt_bytes(raw))
            tally.sealed += 1
    return tally


def rotate_sealed_files() -> Tally:
    """Re-seal every sealed private file with the primary key (after a new key was put
    first in FIELD_ENCRYPTION_KEYS). Files no listed key opens are left exactly as they
    are, and so are plaintext ones (counted in `plaintext`; `seal_plaintext_files` seals
    them): a rotation run with the wrong key list must not destroy or re-key anything."""
    store = storage()
    tally = Tally()
    for name in names(store=store):
        raw = _read_raw(store, name)
        if not crypto.is_sealed(raw):
            tally.plaintext += 1
            continue
        try:
            rotated = crypto.rotate_bytes(raw)
        except crypto.InvalidToken:
            tally.unreadable += 1
            continue
        _put(store, name, rotated)
        tally.rotated += 1
    return tally
