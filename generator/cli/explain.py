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
    p.add_argument("spec", help="architecture spec: .yaml/.yml/.json, or Keras or PyTorch .py")
    p.add_argument("--format", choices=["md", "json", "text", "latex", "svg", "window"], default="text",
                   help="svg: the architecture strip; window: the sliding-window figure of a one-layer spec")
    p.add_argument("--verify", action="store_true", help="also build it in Keras (PyTorch: in torch) and compare")
    p.add_argument("--input-shape", metavar="C,H,W",
                   help="a PyTorch model's input shape, channels first, without the batch (its source carries none)")
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

    shape = None
    if args.input_shape is not None:
        from generator.pytorch.spec import input_shape

        shape = input_shape(args.input_shape, "--input-shape")
    sys.stdout.write(explain(args.spec, fmt=args.format, input_shape=shape))
    if args.verify:
        layers = verify_spec(args.spec, shape)
        what = ("PyTorch agrees on all {} layers (shapes, parameters and buffers)" if _is_torch(args.spec, shape)
                else "Keras agrees on all {} layers (shapes, trainable and non-trainable counts)")
        print(f"verified: {what.format(layers)}", file=sys.stderr)
    return 0


def _is_torch(path: str, shape: tuple[int, ...] | None) -> bool:
    from generator.spec import load_spec

    return load_spec(path, shape).is_torch
