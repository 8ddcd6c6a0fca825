"""The ``practice`` subcommand: build the self-contained practice page, say where it is."""

from __future__ import annotations

import argparse
import sys

from generator.cli.options import bounded_int

DEFAULT_SEED = 2026
"""The Makefile's seed."""

DEFAULT_PER_TYPE = 180
MAX_PER_TYPE = 1000
"""Equal to :mod:`generator.practice`'s (a test checks); that module is imported only when the
command runs, so building the parser stays fast."""


def register(sub: argparse._SubParsersAction) -> None:
    """Adds ``practice`` to the CLI.

    Args:
        sub: What ``ArgumentParser.add_subparsers`` returned.
    """
    p = sub.add_parser("practice", help="build the offline practice page: every problem type, checked as you go")
    p.add_argument("--out", required=True, help="output folder for index.html (replaced atomically)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"same seed -> byte-identical page (default {DEFAULT_SEED})")
    p.add_argument("--per-type", type=bounded_int(1, MAX_PER_TYPE), default=DEFAULT_PER_TYPE, metavar="N",
                   help=f"problems per topic, 1 to {MAX_PER_TYPE} (default {DEFAULT_PER_TYPE})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Builds the practice page and says where it was written and how large it is.

    Args:
        args: The parsed options of ``practice``.

    Returns:
        The exit code (0).
    """
    from generator.practice import build_practice

    built = build_practice(args.out, args.seed, args.per_type)
    print(f"practice page written to {built.page} ({sum(built.counts.values()):,} problems in "
          f"{len(built.counts)} topics, {built.size / 1e6:.1f} MB)", file=sys.stderr)
    return 0
