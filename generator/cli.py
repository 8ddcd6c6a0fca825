"""Thin command-line interface: parse options, call one library function, map errors.

Every subcommand's handler returns an exit code. A :class:`~generator.errors.UserError`
becomes one line on stderr and exit code 2; a
:class:`~generator.errors.VerificationError` exit code 1. No tracebacks for either.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from generator.errors import UserError, VerificationError

Handler = Callable[[argparse.Namespace], int]


def _add_explain(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explain", help="summary table and worked derivation of a model spec")
    p.add_argument("spec", help="architecture spec: .yaml/.yml/.json, or Keras Sequential .py")
    p.add_argument("--format", choices=["md", "json", "text", "latex"], default="text")
    p.add_argument("--verify", action="store_true", help="also build it in Keras and compare")
    p.set_defaults(func=_explain)


def _explain(args: argparse.Namespace) -> int:
    from generator.commands import explain

    return explain(args.spec, fmt=args.format, verify=args.verify)


def _add_bench(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="time the engine against Keras on random architectures")
    p.add_argument("--models", type=int, default=200, help="random architectures (default 200)")
    p.add_argument("--keras-models", type=int, default=20,
                   help="how many of them Keras builds (default 20; it is slow)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rounds", type=int, default=5,
                   help="alternating engine/Keras rounds; medians are reported (default 5)")
    p.add_argument("--roster", type=int, default=300,
                   help="students in the exam-build benchmark (0 skips it)")
    p.add_argument("--no-keras", action="store_true", help="engine figures only")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_bench)


def _bench(args: argparse.Namespace) -> int:
    from generator.bench import run_bench

    return run_bench(args)


# Modules with a ``register(subparsers)`` function that adds their own subcommands.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "generator.worksheet_cli",
    "generator.exam_cli",
    "generator.grading_cli",
    "generator.lab.cli",
)

SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [_add_explain, _add_bench]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="cnn-worksheets",
        description="CNN shape and parameter exercises with worked answers, verified against Keras.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(sub)
    for module in SUBCOMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m generator`` and the ``cnn-worksheets`` script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except VerificationError as exc:
        print(f"verification failed: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
