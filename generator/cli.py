"""Thin command-line interface: parse options, call one library function, map errors.

Every subcommand's handler returns an exit code. A :class:`~generator.errors.UserError`
becomes one line on stderr and exit code 2 (so does a bad option: no usage block); a
:class:`~generator.errors.VerificationError` exit code 1. SIGTERM and SIGHUP unwind like Ctrl-C,
so temporary folders are removed (exit 143 / 130). No traceback ever reaches the user: anything
else is a bug, reported in one line with exit code 70 (``CNN_WORKSHEETS_DEBUG=1`` shows the
traceback).
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from generator.errors import Terminated, UserError, VerificationError, cut

Handler = Callable[[argparse.Namespace], int]


class Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one ``error:`` line and exit code 2, like every other
    error (argparse would print a usage block first)."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {self.prog}: {cut(message, 300)} (see --help)", file=sys.stderr)
        raise SystemExit(2)


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type`` for a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {cut(text, 30)!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low:,} to {high:,}, got {value}")
        return value

    parse.__name__ = "whole number"
    return parse


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
    p.add_argument("--models", type=bounded_int(1, 100_000), default=200,
                   help="random architectures, spread over the three levels (default 200)")
    p.add_argument("--keras-models", type=bounded_int(1, 10_000), default=20,
                   help="how many of them Keras builds (default 20, at most --models; it is slow)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rounds", type=bounded_int(1, 100), default=5,
                   help="alternating engine/Keras rounds; medians are reported (default 5)")
    p.add_argument("--roster", type=bounded_int(0, 10_000), default=300,
                   help="students in the exam-build benchmark (0 skips it)")
    p.add_argument("--check-students", type=bounded_int(0, 20_000), default=2000,
                   help="students in the check (grading) benchmark, 28 answers each (0 skips it)")
    p.add_argument("--no-keras", action="store_true", help="engine figures only")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_bench)


def _bench(args: argparse.Namespace) -> int:
    from generator.bench import run_bench

    return run_bench(
        models=args.models, keras_models=args.keras_models, seed=args.seed, rounds=args.rounds,
        roster=args.roster, check_students=args.check_students, keras=not args.no_keras,
        as_json=args.json,
    )


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
    parser = Parser(
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
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):  # a console that cannot show a name gets \u escapes
            stream.reconfigure(errors="backslashreplace")
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a bad option (already reported in one line)
        return int(exc.code or 0)
    restore = _catch_termination()
    try:
        return int(args.func(args))
    except UserError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return exc.exit_code
    except VerificationError as exc:
        print(f"verification failed: {_one_line(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("terminated", file=sys.stderr)
        return Terminated.exit_code
    except Exception as exc:
        if os.environ.get("CNN_WORKSHEETS_DEBUG"):
            raise
        print(
            f"internal error (a bug in cnn-worksheets; please report it with the command): "
            f"{type(exc).__name__}: {cut(str(exc), 200)}",
            file=sys.stderr,
        )
        return 70
    finally:
        restore()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _catch_termination() -> Callable[[], None]:
    """Turns SIGTERM and SIGHUP into :class:`Terminated` while a command runs, so that the
    ``finally`` blocks that remove temporary folders run; returns what restores the previous
    handlers. (Only the main thread may set handlers; elsewhere nothing changes.)"""
    def raise_terminated(signum: int, frame: object) -> None:
        raise Terminated(signal.Signals(signum).name)

    previous = {}
    try:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            previous[sig] = signal.signal(sig, raise_terminated)
    except ValueError:  # not the main thread
        pass

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
