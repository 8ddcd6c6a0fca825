"""Shared fixtures: the seed notebook, and a CLI runner that captures output and exit code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED_DIR = SHARED / "seed"


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


@pytest.fixture
def run_cli():
    """Runs ``generator.cli.main(argv)``; returns (exit code, stdout, stderr)."""
    from helpers import cli

    return cli
