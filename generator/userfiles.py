"""Reading what users give us: the one reader of user text files (specs, configs, rosters, answer
files, keys) and the bounded YAML, JSON and CSV parsers behind it.

Every problem is one :class:`~generator.errors.UserError` line naming the file; nothing here
can exhaust memory or the stack, whatever the input:

* size: a file is read up to its kind's limit (:data:`LIMITS`), never further, so a device such
  as ``/dev/zero`` or a multi-gigabyte file is refused after reading the limit;
* depth: YAML and JSON nest at most :data:`MAX_DEPTH` levels (checked on YAML's event stream
  before anything is built; JSON's C decoder stops cleanly at Python's recursion limit, and
  specs and configs are then checked for :data:`MAX_DEPTH`);
* YAML aliases (``*anchor``) are refused: a few hundred bytes of nested aliases would otherwise
  expand to gigabytes (the "billion laughs");
* numbers: YAML numbers have at most :data:`MAX_DIGITS` digits, and JSON numbers beyond Python's
  4,300-digit conversion limit are one clear error (every value is range-checked later);
  YAML's surprising integer forms (``010`` is octal 8, ``1:30`` is base-60 90) are refused with
  a hint;
* text: UTF-8 (a byte-order mark is fine), no NUL or other control characters, and not a zip
  archive (an ``.xlsx`` workbook saved instead of CSV).
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import UserError, brief

MiB = 1 << 20
LIMITS = {
    "spec": 1 * MiB,
    "config": 1 * MiB,
    "template": 1 * MiB,
    "roster": 8 * MiB,
    "answer file": 64 * MiB,
    "key": 1024 * MiB,
}
"""The largest file of each kind that is read, in bytes."""

MAX_DEPTH = 50
"""The deepest nesting of lists and mappings read from YAML or JSON."""

MAX_DIGITS = 30
"""The most digits a number in a user's file may have (shapes and counts have at most 16)."""

MAX_FIELD = 10_000
"""The longest CSV field, in characters."""

_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f]")
_TEXT_BYTES = bytes(sorted(set(range(256)) - {*range(0x00, 0x09), *range(0x0e, 0x20)}))
"""Every byte but the control characters :data:`_BINARY` refuses: deleting these from a file's
bytes leaves nothing in a text file, 20 times faster than the regex on a 130 MB key. (UTF-8 puts
no byte below 0x80 inside a multi-byte character, so the bytes hold a control character exactly
when the text does.)"""


def _article(what: str) -> str:
    return "an" if what[:1] in "aeiou" else "a"


def read_text(path: str | os.PathLike[str], what: str, label: str = "") -> str:
    """A user's text file, checked and decoded.

    Args:
        path: The file.
        what: What it should be, a key of :data:`LIMITS` (``"roster"``, ``"key"`` ...).
        label: The option it came from (``--roster``), put before the path in messages.

    Raises:
        UserError: The file is missing, a folder, unreadable, larger than its limit, empty, a
            zip archive, not UTF-8, or holds control characters.
    """
    where = f"{label} {path}".strip()
    limit = LIMITS[what]
    try:
        if Path(path).is_dir():
            raise UserError(f"{where}: is a folder, not {_article(what)} {what}")
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise UserError(f"{where}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{where}: is a folder, not {_article(what)} {what}") from None
    except OSError as exc:
        raise UserError(f"{where}: cannot read the {what}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise UserError(f"{where}: larger than {limit // MiB:,} MiB; {_article(what)} {what} is at most that")
    if not data.strip():
        raise UserError(f"{where}: the {what} is empty")
    if data.startswith(b"PK\x03\x04"):
        raise UserError(f"{where}: a zip archive (an .xlsx workbook?), not a text {what}; save it as CSV UTF-8 or JSON")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"{where}: the {what} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from None
    binary = _BINARY.search(text) if data.translate(None, _TEXT_BYTES) else None
    if binary:
        line = text.count("\n", 0, binary.start()) + 1
        raise UserError(f"{where} line {line}: the {what} holds binary data (control character {binary.group()!r}), not text")
    return text


# ---------------------------------------------------------------- JSON


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pauses Python's cyclic garbage collector while a block builds millions of small objects
    (an 80 MB key): without it, the collector's repeated passes over the growing heap make JSON
    decoding four times slower. Nothing built here holds reference cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {brief(key, 40)} appears twice in one object")
        out[key] = value
    return out


def _json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


_DEPTH_CHECKED = 4 * MiB
"""JSON texts up to this size get the :data:`MAX_DEPTH` check and refuse a key repeated in one
object (specs and configs); larger ones (keys, which this tool writes) rely on the decoder's own
recursion limit, which stops a deep file cleanly, and are never walked recursively here."""


def load_json(text: str, source: str, what: str = "") -> Any:
    """Parses JSON text, bounded in depth and in the length of its numbers. Messages start
    ``invalid JSON``, or ``not a JSON {what}`` when ``what`` names what the file should be.

    >>> load_json('{"a": [1, 2.5]}', "x.json")
    {'a': [1, 2.5]}
    >>> load_json("[" * 5000 + "]" * 5000, "x.json")
    Traceback (most recent call last):
    ...
    generator.errors.UserError: x.json: invalid JSON: nested more than 50 levels deep
    """
    problem = f"not a JSON {what}" if what else "invalid JSON"
    hook = _unique_keys if len(text) <= _DEPTH_CHECKED else None
    try:
        with paused_gc():
            data = json.loads(text, parse_constant=_json_constant, object_pairs_hook=hook)
    except RecursionError:
        raise UserError(f"{source}: {problem}: nested more than {MAX_DEPTH} levels deep") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{source}: {problem} at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):
            raise UserError(f"{source}: {problem}: holds a number with more than 4,300 digits") from None
        raise UserError(f"{source}: {problem}: {exc}") from None
    if len(text) <= _DEPTH_CHECKED:
        _check_depth(data, source, problem)
    return data


def _check_depth(data: Any, source: str, problem: str) -> None:
    """Refuses containers nested more than :data:`MAX_DEPTH` levels (without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise UserError(f"{source}: {problem}: nested more than {MAX_DEPTH} levels deep")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


# ---------------------------------------------------------------- YAML


def _yaml_loader() -> type:
    """PyYAML's SafeLoader without YAML 1.1's surprising integers and booleans (``off``,
    ``yes``, ``NO`` stay text), and with bounded numbers."""
    import yaml

    class Loader(yaml.SafeLoader):
        def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
            text = str(node.value).replace("_", "")
            body = text.lstrip("+-")
            if ":" in body:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{brief(node.value)} is a base-60 number in YAML 1.1; quote it, or write the number",
                    node.start_mark)
            if len(body) > 1 and body[0] == "0" and body[1:2].isdigit():
                meant = body.lstrip("0")[:MAX_DIGITS] or "0"
                octal = str(int(body, 8)) if len(body) <= MAX_DIGITS else ""
                either = meant if octal in ("", meant) else f"{meant} or {octal}"
                raise yaml.constructor.ConstructorError(
                    None, None, f"{str(node.value)[:40]} has a leading zero, which YAML 1.1 reads as an octal "
                    f"number{f' ({octal})' if octal else ''}; write {either}",
                    node.start_mark)
            if len(body) > MAX_DIGITS:
                raise yaml.constructor.ConstructorError(
                    None, None, f"a number with {len(body):,} digits (at most {MAX_DIGITS})", node.start_mark)
            return super().construct_yaml_int(node)

        def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
            if ":" in str(node.value):
                raise yaml.constructor.ConstructorError(
                    None, None, f"{brief(node.value)} is a base-60 number in YAML 1.1; quote it, or write the number",
                    node.start_mark)
            if len(str(node.value)) > 4 * MAX_DIGITS:
                raise yaml.constructor.ConstructorError(
                    None, None, f"a number {len(node.value):,} characters long", node.start_mark)
            return super().construct_yaml_float(node)

        def construct_yaml_bool(self, node: yaml.ScalarNode) -> bool | str:  # type: ignore[override]
            # YAML 1.2's booleans only: YAML 1.1 also reads yes/no/on/off as booleans, and
            # `follow_through: off` (or a country code NO) must stay the text written.
            text = str(node.value)
            return text.lower() == "true" if text.lower() in ("true", "false") else text

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            if isinstance(node, yaml.MappingNode):
                self.flatten_mapping(node)
                seen: dict[Any, int] = {}
                for key_node, _ in node.value:
                    key = self.construct_object(key_node, deep=deep)
                    try:
                        if key in seen:
                            raise yaml.constructor.ConstructorError(
                                None, None, f"the key {brief(key, 40)} appears twice (first on line {seen[key] + 1})",
                                key_node.start_mark)
                        seen[key] = key_node.start_mark.line
                    except TypeError:  # unhashable: the base class says so
                        continue
            return super().construct_mapping(node, deep=deep)

    Loader.add_constructor("tag:yaml.org,2002:int", Loader.construct_yaml_int)
    Loader.add_constructor("tag:yaml.org,2002:float", Loader.construct_yaml_float)
    Loader.add_constructor("tag:yaml.org,2002:bool", Loader.construct_yaml_bool)
    return Loader


def load_yaml(text: str, source: str) -> Any:
    """Safe-loads YAML (JSON is YAML too) with bounded depth, no aliases and no surprising
    numbers; every problem is one line with the line and column.

    >>> load_yaml("units: 10", "c.yaml")
    {'units': 10}
    >>> load_yaml("[off, NO, yes, true, False]", "c.yaml")
    ['off', 'NO', 'yes', True, False]
    >>> load_yaml("units: 010", "c.yaml")
    Traceback (most recent call last):
    ...
    generator.errors.UserError: c.yaml: invalid YAML at line 1 column 8: 010 has a leading zero, which YAML 1.1 reads as an octal number (8); write 10 or 8
    >>> load_yaml("a: &x [1]\\nb: *x", "c.yaml")
    Traceback (most recent call last):
    ...
    generator.errors.UserError: c.yaml: invalid YAML at line 2 column 4: aliases (*x) are not read; write the value out
    """
    import yaml

    loader_class = _yaml_loader()
    try:
        depth = 0
        for event in yaml.parse(text, Loader=loader_class):
            if isinstance(event, yaml.AliasEvent):
                raise _YamlRefused(f"aliases (*{event.anchor}) are not read; write the value out", event.start_mark)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _YamlRefused(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.load(text, Loader=loader_class)  # noqa: S506 - a SafeLoader subclass
    except _YamlRefused as exc:
        raise UserError(f"{source}: invalid YAML{_at(exc.mark)}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "syntax error"
        raise UserError(f"{source}: invalid YAML{_at(mark)}: {problem}") from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise UserError(f"{source}: invalid YAML: nested too deeply") from None


class _YamlRefused(Exception):
    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.mark = mark


def _at(mark: Any) -> str:
    return f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""


def load_structured(path: str | os.PathLike[str], what: str, label: str = "") -> Any:
    """Reads a YAML or JSON file (by its suffix; YAML otherwise) of kind ``what``."""
    text = read_text(path, what, label)
    where = f"{label} {path}".strip()
    if str(path).lower().endswith(".json"):
        return load_json(text, where, what)
    return load_yaml(text, where)


# ---------------------------------------------------------------- CSV


@dataclass(frozen=True)
class CsvRow:
    """One non-blank row: the line it starts on (the header is usually line 1) and its cells."""

    line: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class CsvTable:
    """A CSV file: its header cells (as written) and its non-blank rows."""

    source: str
    header: tuple[str, ...]
    rows: tuple[CsvRow, ...]
    header_line: int = 1
    delimiter: str = ","


def read_csv(text: str, source: str, max_field: int = MAX_FIELD) -> CsvTable:
    """Splits CSV text into a header and rows.

    The delimiter is ``,``, or ``;`` or a tab when the header uses one instead (spreadsheets in
    many locales save with ``;``). Line ends may be ``\\n``, ``\\r\\n`` or a lone ``\\r`` (Excel
    for Mac). Blank lines are skipped. A row with more cells than the header is an error: an
    unquoted comma inside an answer (``26,26,32``) would otherwise be cut off silently.

    >>> t = read_csv("id;name\\r1;Ana\\r", "r.csv")
    >>> t.header, [(r.line, r.cells) for r in t.rows]
    (('id', 'name'), [(2, ('1', 'Ana'))])
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = next((d for d in ",;\t" if d in first), ",")
    csv.field_size_limit(max_field)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: tuple[str, ...] | None = None
    header_line = 1
    rows: list[CsvRow] = []
    line = 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                if header is None:
                    header, header_line = tuple(cells), line
                else:
                    if len(cells) > len(header):
                        raise UserError(
                            f"{source} line {line}: {len(cells)} cells, but the header has {len(header)}; "
                            f"an answer or name that holds a '{delimiter}' (such as 26{delimiter}26{delimiter}32 "
                            f"or 18{delimiter}496) must be quoted: \"26{delimiter}26{delimiter}32\""
                        )
                    rows.append(CsvRow(line, tuple(cells)))
            line = reader.line_num + 1
    except csv.Error as exc:
        message = str(exc)
        if "field larger than field limit" in message:
            message = f"a field longer than {max_field:,} characters"
        raise UserError(f"{source} line {reader.line_num}: not valid CSV: {message}") from None
    if header is None:
        raise UserError(f"{source}: the file is empty")
    return CsvTable(source, header, tuple(rows), header_line, delimiter)


def column_name(cell: str) -> str:
    """A header cell compared loosely: ``Student ID`` and ``student-id`` are ``student_id``.

    >>> column_name(" Student ID ")
    'student_id'
    """
    return re.sub(r"[\s-]+", "_", cell.strip().lower())
