"""Option types and option groups that more than one subcommand uses.

Command modules import from here, never from each other.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from generator.errors import UserError, cut
from generator.pdf import PaperSize


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type`` for a whole number from ``low`` to ``high``.

    Args:
        low: The smallest value accepted.
        high: The largest value accepted.

    Returns:
        A parser of one option value; a bad value raises ``argparse.ArgumentTypeError``.

    >>> bounded_int(1, 5)("3")
    3
    """

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


def add_build_options(p: argparse.ArgumentParser) -> None:
    """Adds the options every document build takes (worksheets and exams).

    Args:
        p: The subcommand's parser.
    """
    p.add_argument("--seed", type=int, required=True, help="same inputs + seed -> byte-identical files")
    p.add_argument("--out", required=True, help="output folder (replaced atomically)")
    p.add_argument("--templates", help="folder with templates overriding the shipped ones")
    p.add_argument("--no-verify", action="store_true", help="skip the check against Keras")
    p.add_argument("--pdf", action="store_true",
                   help="also print every document to PDF (needs the chromium browser and the pdf extra)")
    p.add_argument("--paper", type=str.lower, choices=[size.value for size in PaperSize], help="the PDFs' paper (default a4)")


def pdf_options(args: argparse.Namespace) -> dict[str, Any]:
    """``--pdf`` and ``--paper`` as the build functions' keyword arguments.

    Raises:
        UserError: ``--paper`` without ``--pdf`` (it would change nothing).
    """
    if args.paper and not args.pdf:
        raise UserError(f"--paper {args.paper} sets the PDFs' paper; add --pdf to print them")
    return {"pdf": args.pdf, "paper": args.paper or PaperSize.A4}
