"""The ``worksheet`` subcommand: build worksheets from a config, report where they are."""

from __future__ import annotations

import argparse
import sys

from generator.cli.options import add_build_options, pdf_options


def register(sub: argparse._SubParsersAction) -> None:
    """Adds ``worksheet`` to the CLI.

    Args:
        sub: What ``ArgumentParser.add_subparsers`` returned.
    """
    p = sub.add_parser("worksheet", help="build worksheets, answer keys and key.json from a config")
    p.add_argument("--config", required=True, help="worksheet config (YAML or JSON)")
    add_build_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Builds the worksheets and says where they were written.

    Args:
        args: The parsed options of ``worksheet``.

    Returns:
        The exit code (0).
    """
    from generator.worksheet import build_worksheets

    out = build_worksheets(args.config, args.seed, args.out, args.templates, verify=not args.no_verify,
                           **pdf_options(args))
    print(f"worksheets written to {out}/ (open {out}/index.html)", file=sys.stderr)
    return 0
