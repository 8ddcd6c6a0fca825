"""Writing output folders: all or nothing, byte-identical for the same inputs, and progress.

A build writes into a temporary folder beside the target and moves it into place only when
every file is written, so a failed build never leaves a half-written folder behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from generator.errors import UserError


@contextlib.contextmanager
def atomic_dir(out: str | Path) -> Iterator[Path]:
    """Yields a fresh temporary folder; on success it replaces ``out``, on error it is removed
    and ``out`` is left as it was."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except OSError as exc:
        raise UserError(f"--out {out}: cannot create the folder: {exc.strerror}") from None
    try:
        yield tmp
        tmp.chmod(0o755)  # mkdtemp makes it private; the result is ordinary output
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yields a temporary file path beside ``path`` that replaces ``path`` only if the block
    succeeds. The result keeps ``path``'s mode, or gets the umask's default for a new file
    (``mkstemp`` alone would leave it private)."""
    mode = path.stat().st_mode & 0o777 if path.exists() else _default_mode()
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(mode)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


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
