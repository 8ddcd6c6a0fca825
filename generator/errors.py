"""Errors a user can cause, and the one helper every message uses to quote a value.

The CLI prints a :class:`UserError` as one line and exits with code 2; a
:class:`VerificationError` with code 1.
"""

from __future__ import annotations

import reprlib
from typing import Any

QUOTE_LIMIT = 80
"""The most characters of a user's value that an error message quotes."""


class UserError(Exception):
    """Bad input: a spec, config, roster or answer file the user gave us.

    The message is one line that names the problem (file, layer index, argument) and the
    value received, in the manner of Keras' "... Received: strides=0".
    """

    exit_code = 2


class SpecError(UserError):
    """An architecture spec that cannot be parsed or is not a valid model."""


class GeometryError(SpecError):
    """A layer whose output would have a zero or negative dimension, or one too large to
    teach with."""


class VerificationError(Exception):
    """The engine and Keras disagree. Not the user's fault: exit code 1."""

    exit_code = 1


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwinds like KeyboardInterrupt, so every temporary folder is
    removed on the way out."""

    exit_code = 143


class _BoundedRepr(reprlib.Repr):
    """``reprlib`` with limits for every container and a safe view of huge integers (whose
    decimal ``repr`` Python refuses beyond 4,300 digits)."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxlist = self.maxtuple = self.maxdict = self.maxset = 6
        self.maxstring = self.maxother = QUOTE_LIMIT
        self.maxlong = 24

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 14_000:  # beyond what str() may convert
            return f"<an integer of about {int(x.bit_length() * 0.30103) + 1:,} digits>"
        if x.bit_length() > 80:
            return f"<an integer of {len(str(abs(x))):,} digits>"
        return super().repr_int(x, level)

    def repr_str(self, x: str, level: int) -> str:
        if len(x) > self.maxstring:
            return repr(x[: self.maxstring - 3]) + f"... ({len(x):,} characters)"
        return repr(x)


_REPR = _BoundedRepr()


def cut(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Plain text (not quoted) cut to ``limit`` characters, on one line.

    >>> cut("a\\nb"), cut("x" * 100, 10)
    ('a b', 'xxxxxxx...')
    """
    text = " ".join(str(text)[: 4 * limit].split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def brief(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """A value quoted in an error message: its ``repr``, cut to about ``limit`` characters
    whatever its size or depth, on one line.

    >>> brief([[[[[1]]]]])
    '[[[[...]]]]'
    >>> brief("x" * 500)[:12], brief(10 ** 5000)
    ("'xxxxxxxxxxx", '<an integer of about 5,001 digits>')
    >>> brief("two\\nlines")
    "'two\\\\nlines'"
    """
    try:
        text = _REPR.repr(value)
    except (ValueError, RecursionError, TypeError):  # pragma: no cover - defensive
        text = f"<{type(value).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= limit + 40 else text[: limit + 37] + "..."
