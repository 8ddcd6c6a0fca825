"""The ``list`` subcommand: every problem type, ``find``/``topic``/``layers`` value, built-in
model and ``covers`` topic a config can name, one line each."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Adds ``list`` to the CLI.

    Args:
        sub: What ``ArgumentParser.add_subparsers`` returned.
    """
    p = sub.add_parser("list", help="what a config can ask for: problem types, find/topic/layers values, zoo models")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Prints the catalog.

    Args:
        args: The parsed options of ``list`` (none).

    Returns:
        The exit code (0).
    """
    from generator.catalog import catalog_text

    sys.stdout.write(catalog_text())
    return 0
