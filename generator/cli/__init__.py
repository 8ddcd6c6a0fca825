"""Thin command-line interface: parse options, call the library, map errors.

One module per subcommand (:mod:`~generator.cli.explain`, :mod:`~generator.cli.bench`,
:mod:`~generator.cli.worksheet`, :mod:`~generator.cli.exam`, :mod:`~generator.cli.check`,
:mod:`~generator.cli.lab` for ``lab`` and ``mnist``, :mod:`~generator.cli.catalog` for ``list``), each with ``register(subparsers)``, which
sets the handler, and ``run(args) -> int``, which turns the options into plain values, calls the
library and prints the result. Options several subcommands share are in
:mod:`~generator.cli.options`. Heavy libraries (TensorFlow, Keras, Matplotlib) are imported only
inside the handlers, so building the parser stays fast.

Every subcommand's handler returns an exit code. A :class:`~generator.errors.UserError`
becomes one line on stderr and exit code 2 (so does a bad option: no usage block); a
:class:`~generator.errors.VerificationError` exit code 1. SIGTERM and SIGHUP unwind like Ctrl-C,
so temporary folders are removed (exit 143 / 130). No traceback ever reaches the user: anything
else is a bug, reported in one line with exit code 70 (``CNN_WORKSHEETS_DEBUG=1`` shows the
traceback).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from generator.cli import analyze, bench, catalog, check, exam, explain, lab, practice, worksheet
from generator.cli.options import bounded_int
from generator.errors import Terminated, UserError, VerificationError, cut

__all__ = ["COMMANDS", "Handler", "Parser", "bounded_int", "build_parser", "main"]

Handler = Callable[[argparse.Namespace], int]

COMMANDS = (explain, bench, worksheet, exam, check, analyze, lab, catalog, practice)
"""The subcommand modules, in the order ``--help`` lists their subcommands."""


class Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one ``error:`` line and exit code 2, like every other
    error (argparse would print a usage block first)."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {self.prog}: {cut(message, 300)} (see --help)", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with every subcommand registered."""
    parser = Parser(
        prog="cnn-worksheets",
        description="CNN shape and parameter exercises with worked answers, verified against Keras.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m generator`` and the ``cnn-worksheets`` script.

    Args:
        argv: The arguments after the program name; None reads ``sys.argv``.

    Returns:
        The exit code: 0, 1 (verification failed), 2 (bad input), 70 (a bug), 130 or 143.
    """
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
