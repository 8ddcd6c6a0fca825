"""Shared fixtures: the seed notebook, a CLI runner that captures output and exit code, and the
covering master key with its three LMS exports (shared by the ``test_exports*`` files)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from generator.pdf import CHROMIUM_ARGS

if TYPE_CHECKING:
    from generator.key import Key

collect_ignore_glob = ["data/*"]
"""The model scripts under ``data/`` are inputs read with ``ast``, not test modules: importing
them (``--doctest-modules``) would run Keras and torch code, and two share a basename."""

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED_DIR = SHARED / "seed"


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
"""Debian's Chromium, which the browser tests drive through Playwright."""
ARGS = list(CHROMIUM_ARGS)
"""The launch flags the PDF printer uses (offline: no background networking)."""


def need(condition: bool, reason: str) -> None:
    """Skip locally when an external resource is missing; in CI (CI=true) fail instead."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def seed_text() -> str:
    files = sorted(SEED_DIR.glob("*.txt")) if SEED_DIR.is_dir() else []
    need(bool(files), f"the seed notebook is expected in {SEED_DIR}")
    return files[0].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def chromium():
    """Playwright's Chromium launcher, started once per test module (the self-check's and the
    practice page's browser tests): one sync Playwright may run at a time."""
    need(Path(CHROMIUM).exists(), "Debian's chromium package (apt-get install chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        yield p.chromium


@pytest.fixture
def run_cli():
    """Runs ``generator.cli.main(argv)``; returns (exit code, stdout, stderr)."""
    from helpers import cli

    return cli


@pytest.fixture(scope="session")
def master() -> Key:
    """:func:`helpers.covering_key`: every way a problem becomes LMS questions, hostile names."""
    from helpers import covering_key

    return covering_key()


@pytest.fixture(scope="session")
def moodle(master: Key) -> bytes:
    """The Moodle XML export of :func:`master`."""
    from generator.exports import moodle_xml

    return moodle_xml(master)


@pytest.fixture(scope="session")
def gift_text(master: Key) -> str:
    """The GIFT export of :func:`master`."""
    from generator.exports import gift

    return gift(master)


@pytest.fixture(scope="session")
def qti(master: Key) -> bytes:
    """The Canvas QTI 1.2 export (a zip archive) of :func:`master`."""
    from generator.exports import qti_zip

    return qti_zip(master)


@pytest.fixture(scope="session", autouse=True)
def keys_match_the_schema():
    """Every key any test writes through ``Key.to_json`` is validated against
    ``docs/key.schema.json`` (the documented format is the written one)."""
    import json

    import jsonschema

    from generator.key import Key

    validator = jsonschema.Draft202012Validator(json.loads((REPO / "docs" / "key.schema.json").read_text()))
    original = Key.to_json

    def checked(self: Key) -> str:
        text = original(self)
        error = jsonschema.exceptions.best_match(validator.iter_errors(json.loads(text)))
        if error is not None:
            raise AssertionError(f"key does not match docs/key.schema.json at {list(error.absolute_path)}: {error.message}")
        return text

    Key.to_json = checked  # type: ignore[method-assign]
    yield
    Key.to_json = original  # type: ignore[method-assign]
