"""Writing output: folders all or nothing, files atomically, byte-identical for the same inputs,
and never over anything this tool did not write.

A build writes into a temporary folder beside the target and moves it into place only when
every file is written, so a failed or interrupted build never leaves a half-written folder
behind. Each folder carries a manifest of the files written into it (:data:`MANIFEST`); a later
build replaces the folder only when nothing else is in it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from generator.errors import UserError

GENERATOR = "cnn-worksheets"
"""Names this tool in manifests."""

MANIFEST = ".cnn-worksheets.json"
"""Written into every output folder: which files this tool wrote there, with their sha256. A
folder is replaced only when it is empty or everything in it is listed here, unchanged."""

CLUTTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
"""Files an operating system drops into folders it shows; they never block a rebuild."""

_MANIFEST_LIMIT = 256 << 20


def _refuse_special(out: Path, option: str) -> None:
    """``/``, ``.``, ``..``, the current folder, one above it, or the home folder is never an
    output folder: a typo there would otherwise aim a rebuild at someone's files."""
    raw = str(out)
    real = Path(os.path.realpath(out))
    cwd = Path.cwd().resolve()
    try:
        home: Path | None = Path.home().resolve()
    except (RuntimeError, KeyError):  # no home folder known
        home = None
    if out.name in ("", ".", "..") or real == Path(real.anchor) or real in (cwd, *cwd.parents, home):
        raise UserError(
            f"{option} {raw}: refusing to write into the current folder, one above it, the home "
            f"folder or the root; give a folder of its own, such as build/worksheets"
        )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _walk(folder: Path) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Every entry below ``folder`` (links not followed), with its path relative to ``folder``
    in POSIX form."""
    stack = [(folder, "")]
    while stack:
        path, prefix = stack.pop()
        with os.scandir(path) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                rel = prefix + entry.name
                yield rel, entry
                if entry.is_dir(follow_symlinks=False):
                    stack.append((Path(entry.path), rel + "/"))


def foreign_entry(folder: Path) -> str | None:
    """Why ``folder`` may not be replaced: the first thing in it that this tool did not write,
    or that changed since; None when it is empty or all ours.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / "thesis.txt").write_text("mine")
    ...     foreign_entry(Path(d))
    'thesis.txt (not written by cnn-worksheets)'
    """
    listed: dict[str, str] | None = None
    manifest = folder / MANIFEST
    if manifest.is_file() and not manifest.is_symlink() and manifest.stat().st_size <= _MANIFEST_LIMIT:
        try:
            data = json.loads(manifest.read_bytes())
            files = data.get("files") if isinstance(data, dict) and data.get("generator") == GENERATOR else None
            if isinstance(files, dict) and all(isinstance(v, str) for v in files.values()):
                listed = files
        except (ValueError, OSError, RecursionError):
            listed = None
    folders = {"/".join(parts[:i]) for parts in (rel.split("/") for rel in listed or ()) for i in range(1, len(parts))}
    for rel, entry in _walk(folder):
        if entry.is_symlink():
            return f"{rel} (a link, not written by cnn-worksheets)"
        if entry.is_dir(follow_symlinks=False):
            if rel not in folders:
                return f"{rel}/ (a folder cnn-worksheets did not write)"
            continue
        if not entry.is_file(follow_symlinks=False):
            return f"{rel} (not a regular file)"
        if entry.name in CLUTTER or (rel == MANIFEST and listed is not None):
            continue
        if listed is None or rel not in listed:
            return f"{rel} (not written by cnn-worksheets)"
        if _sha256(Path(entry.path)) != listed[rel]:
            return f"{rel} (changed since cnn-worksheets wrote it)"
    return None


def _write_manifest(folder: Path, command: str) -> None:
    files = {rel: _sha256(Path(entry.path)) for rel, entry in _walk(folder) if entry.is_file(follow_symlinks=False)}
    data = {"generator": GENERATOR, "command": command, "files": dict(sorted(files.items()))}
    write_text(folder / MANIFEST, json.dumps(data, indent=1) + "\n")


def check_replaceable(out: str | Path, option: str = "--out", what: str = "an output folder",
                      legacy: Callable[[Path], bool] | None = None) -> Path:
    """The real folder ``out`` names (symlinks followed), after checking that a build may
    replace it: it does not exist, is empty, or holds only files this tool wrote, unchanged.

    ``legacy`` may accept a folder written before manifests existed (the lab's).

    Raises:
        UserError: ``out`` is the root, the current folder or above it, the home folder, a
            file, or a folder holding anything this tool did not write.
    """
    out = Path(out)
    _refuse_special(out, option)
    real = Path(os.path.realpath(out))
    try:
        st = real.stat()
    except FileNotFoundError:
        return real
    except OSError as exc:
        raise UserError(f"{option} {out}: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise UserError(f"{option} {out}: exists and is not a folder; not replaced")
    try:
        foreign = foreign_entry(real)
    except OSError as exc:
        raise UserError(f"{option} {out}: cannot read the folder: {exc.strerror or exc}") from None
    if foreign is not None and not (legacy is not None and not (real / MANIFEST).exists() and legacy(real)):
        raise UserError(
            f"{option} {out}: not replaced, because it is not {what} of cnn-worksheets: it holds "
            f"{foreign}; choose a new or empty folder, or move those files away"
        )
    return real


@contextlib.contextmanager
def atomic_dir(out: str | Path, command: str = "build", option: str = "--out",
               what: str = "an output folder", legacy: Callable[[Path], bool] | None = None) -> Iterator[Path]:
    """Yields a fresh temporary folder beside ``out``; on success it replaces ``out`` whole, on
    any error (Ctrl-C and SIGTERM included) it is removed and ``out`` is left as it was.

    ``out`` is replaced only when it does not exist, is empty, or holds nothing but the files an
    earlier build wrote (listed with their sha256 in :data:`MANIFEST`), unchanged: nothing this
    tool did not write is ever removed. A symlinked ``out`` is followed: the folder it points to
    is replaced and the link stays. Checked before the build and again just before the swap.
    """
    real = check_replaceable(out, option, what, legacy)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{real.name}.tmp-", dir=real.parent))
    except OSError as exc:
        raise UserError(f"{option} {out}: cannot create the folder: {exc.strerror or exc}") from None
    try:
        try:
            yield tmp
        except OSError as exc:  # a full disk, a quota, a name too long: the user's to fix
            raise UserError(f"{option} {out}: cannot write the output: {exc.strerror or exc}") from None
        _write_manifest(tmp, command)
        tmp.chmod(0o755)  # mkdtemp makes it private; the result is ordinary output
        check_replaceable(out, option, what, legacy)
        old = real.with_name(f".{real.name}.old-{os.getpid()}") if real.exists() else None
        with _signals_held():  # an interrupt lands before the swap or after the old folder is gone
            _swap(tmp, real, old, f"{option} {out}")
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(new: Path, target: Path, old: Path | None, where: str) -> None:
    """Moves ``target`` aside to ``old`` (when it exists) and ``new`` into its place; if the
    second move fails, the first is undone."""
    try:
        if old is not None:
            target.rename(old)
        try:
            new.rename(target)
        except OSError:
            if old is not None:
                old.rename(target)
            raise
    except OSError as exc:
        raise UserError(f"{where}: cannot replace the folder: {exc.strerror or exc}") from None


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Holds Ctrl-C, SIGTERM and SIGHUP back for the two renames of a swap, so an interrupt never
    lands between them (it is delivered right after)."""
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def write_file(path: str | Path, data: bytes, option: str = "--out") -> None:
    """Writes ``data`` to the file ``path`` names, as a user expects of ``--out FILE``.

    A regular file (or a new one) is replaced atomically: a temporary file beside it is renamed
    over it, keeping its mode. A symlink is followed, so its target gets the data and the link
    stays. Anything else (``/dev/stdout``, a FIFO, a terminal) is written to directly. A folder
    is an error.

    Raises:
        UserError: ``path`` is a folder, its folder does not exist, or it cannot be written.
    """
    if str(path).endswith(("/", os.sep)):
        raise UserError(f"{option} {path} names a folder; give a file name")
    real = Path(os.path.realpath(path))
    try:
        st = real.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UserError(f"{option} {path}: cannot write: {exc.strerror or exc}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise UserError(f"{option} {path} is a folder; give a file name")
    try:
        if st is not None and not stat.S_ISREG(st.st_mode):
            with open(real, "wb") as f:
                f.write(data)
            return
        if not real.parent.is_dir():
            raise UserError(f"{option} {path}: no such folder {real.parent}")
        mode = stat.S_IMODE(st.st_mode) if st is not None else _default_mode()
        fd, name = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            tmp.chmod(mode)
            os.replace(tmp, real)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise UserError(f"{option} {path}: cannot write: {exc.strerror or exc}") from None


def _default_mode() -> int:
    """The mode a new file gets under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_text(path: Path, text: str) -> None:
    """UTF-8 with Unix newlines, whatever the platform."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def derive_seed(*parts: object) -> int:
    """A 64-bit seed from any parts, stable across runs and platforms (unlike ``hash()``).

    >>> derive_seed(2026, "ws1") == derive_seed(2026, "ws1") != derive_seed(2026, "ws2")
    True
    """
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()
    return int(digest[:16], 16)


class Progress:
    """A progress bar on a terminal (stderr), silent otherwise."""

    def __init__(self, total: int, label: str, enabled: bool | None = None) -> None:
        self.total = max(total, 1)
        self.label = label
        self.done = 0
        self.enabled = sys.stderr.isatty() if enabled is None else enabled

    def advance(self, step: int = 1, label: str | None = None) -> None:
        self.done += step
        if label:
            self.label = label
        if self.enabled:
            width = 28
            filled = int(width * self.done / self.total)
            bar = "#" * filled + "-" * (width - filled)
            sys.stderr.write(f"\r[{bar}] {self.done}/{self.total} {self.label[:40]:<40}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()
