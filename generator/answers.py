"""Answer normalization: the one rule set for keys, grading (``check``) and the offline
self-check in the HTML worksheets (whose JavaScript mirrors :func:`normalize` and is tested
against it in a real browser).

Answer kinds and what students may type:

* ``shape``: ``(None, 26, 26, 32)``, ``(26, 26, 32)``, ``26x26x32``, ``26 x 26 x 32``,
  ``26,26,32``, ``[26, 26, 32]``, ``26*26*32`` -> canonical ``26x26x32``. A leading ``None`` or
  ``?`` (the batch axis) is dropped; ``(None, 576)`` and ``576`` are both ``576``.
* ``int``: ``18496``, ``18,496``, ``18 496``, ``18_496``, ``18496.0`` -> ``18496``; ``18.496``
  and ``18.000`` are ambiguous (a decimal point, or Europe's thousands separator?) and not read.
* ``choice``: a word such as ``same`` or ``valid``, or a multiple-choice letter: case and
  surrounding spaces and quotes are ignored -> ``same``.

Anything else normalizes to None (wrong, with a message saying why it could not be read), as
does a number of more than :data:`MAX_DIGITS` digits: one pasted 5,000-digit answer is graded
"unreadable" and never stops the grading of the others.

>>> normalize("(None, 26, 26, 32)", "shape"), normalize("26 x 26 x 32", "shape")
('26x26x32', '26x26x32')
>>> normalize("18,496", "int"), normalize("18 496", "int")
('18496', '18496')
>>> normalize(" 'Same' ", "choice")
'same'
>>> normalize("twenty", "int") is None, normalize("9" * 5000, "int") is None
(True, True)
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

KINDS = ("shape", "int", "choice")

MAX_DIGITS = 30
"""A whole number with more digits cannot be read (no right answer has more than 16); the
worksheets' JavaScript applies the same limit."""

_DIGIT_GROUPS = re.compile(r"^[+]?[0-9]{1,3}([,\s_][0-9]{3})+$")
_DOT_GROUPS = re.compile(r"[+]?[0-9]{1,3}(\.[0-9]{3})+")
_SHAPE_SPLIT = re.compile(r"\s*(?:[x×*,;]|\s)\s*")
_CANONICAL = {
    "int": re.compile(rf"(?:0|[1-9][0-9]{{0,{MAX_DIGITS - 1}}})", re.ASCII).fullmatch,
    "shape": re.compile(rf"(?:0|[1-9][0-9]{{0,{MAX_DIGITS - 1}}})(?:x(?:0|[1-9][0-9]{{0,{MAX_DIGITS - 1}}}))*", re.ASCII).fullmatch,
}


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return text.strip("'\"` ").strip()


def _int(text: str) -> int | None:
    text = text.strip()
    if _DOT_GROUPS.fullmatch(text):  # 18.000: 18 or (written in much of Europe) 18,000?
        return None
    if _DIGIT_GROUPS.match(text):
        text = re.sub(r"[,\s_]", "", text)
    text = re.sub(r"\.0+$", "", text)
    if re.fullmatch(r"[+]?[0-9]+", text) and len(text.lstrip("+")) <= MAX_DIGITS:
        return int(text)
    return None


def normalize(answer: str, kind: str) -> str | None:
    """The canonical form of a typed answer, or None when it cannot be read as ``kind``."""
    canonical_form = _CANONICAL.get(kind)
    if canonical_form is not None and canonical_form(answer):
        return answer  # already canonical (keys hold thousands of these): nothing to clean
    text = _clean(answer)
    if kind == "int":
        value = _int(text)
        return None if value is None else str(value)
    if kind == "shape":
        text = text.strip("()[]{} ")
        parts = [p for p in _SHAPE_SPLIT.split(text) if p]
        if parts and parts[0] in ("none", "?", "batch", "n"):
            parts = parts[1:]
        values = [_int(p) for p in parts]
        if not values or any(v is None for v in values):
            return None
        return "x".join(str(v) for v in values)
    if kind == "choice":
        text = text.strip("().")
        return text or None
    raise ValueError(f"unknown answer kind {kind!r}; expected one of {KINDS}")


def canonical(value: object, kind: str) -> str:
    """The canonical form of a computed answer (a shape tuple, an int or a word).

    >>> canonical((26, 26, 32), "shape"), canonical(18496, "int")
    ('26x26x32', '18496')
    """
    if kind == "shape":
        assert isinstance(value, tuple | list), value
        return "x".join(str(int(v)) for v in value)
    result = normalize(str(value), kind)
    if result is None:
        raise ValueError(f"cannot express {value!r} as a {kind} answer")
    return result


def display(value: str, kind: str, batch_first: bool = False) -> str:
    """How a canonical answer is shown in a key: shapes as Keras prints them, or (``batch_first``:
    a PyTorch shape, whose first axis is the batch) as PyTorch does.

    >>> display("26x26x32", "shape"), display("18496", "int"), display("b", "choice")
    ('(None, 26, 26, 32)', '18,496', 'B')
    >>> display("64x32x26x26", "shape", batch_first=True)
    '[64, 32, 26, 26]'
    """
    if kind == "shape" and batch_first:
        return "[" + ", ".join(value.split("x")) + "]"
    if kind == "shape":
        return "(None, " + ", ".join(value.split("x")) + ")"
    if kind == "int":
        return f"{int(value):,}"
    if len(value) == 1 and value.isalpha():  # a multiple-choice letter, as the question prints it
        return value.upper()
    return value


def answer_hash(salt: str, blank_id: str, canonical_answer: str) -> str:
    """The digest the HTML self-check compares against: SHA-256 of ``salt:blank:answer``.

    The page holds only digests, never the answers; the salt makes each worksheet's digests
    differ so they cannot be looked up in a table built from another worksheet.
    """
    return hashlib.sha256(f"{salt}:{blank_id}:{canonical_answer}".encode()).hexdigest()
