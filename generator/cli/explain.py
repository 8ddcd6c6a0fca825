"""The ``explain`` subcommand: a spec's summary and derivation on stdout, ``--verify`` against Keras."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Adds ``explain`` to the CLI.

    Args:
        sub: What ``ArgumentParser.add_subparsers`` returned.
    """
    p = sub.add_parser("explain", help="summary table and worked derivation of a model spec")
    p.add_argument("spec", help="architecture spec: .yaml/.yml/.json, or Keras Sequential .py")
    p.add_argument("--format", choices=["md", "json", "text", "latex", "svg", "window"], default="text",
                   help="svg: the architecture strip; window: the sliding-window figure of a one-layer spec")
    p.add_argument("--verify", action="store_true", help="also build it in Keras and compare")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Prints the explanation; with ``--verify``, then checks it against Keras.

    Args:
        args: The parsed options of ``explain``.

    Returns:
        The exit code (0); a disagreement raises
        :class:`~generator.errors.VerificationError`.
    """
    from generator.explain import explain, verify_spec

    sys.stdout.write(explain(args.spec, fmt=args.format))
    if args.verify:
        layers = verify_spec(args.spec)
        print(
            f"verified: Keras agrees on all {layers} layers (shapes, trainable and non-trainable counts)",
            file=sys.stderr,
        )
    return 0
