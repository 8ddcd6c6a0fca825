"""``worksheet`` subcommand: parse options, build, report."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Adds ``worksheet`` to the CLI."""
    p = sub.add_parser("worksheet", help="build worksheets, answer keys and key.json from a config")
    p.add_argument("--config", required=True, help="worksheet config (YAML or JSON)")
    add_build_options(p)
    p.set_defaults(func=_run)


def add_build_options(p: argparse.ArgumentParser) -> None:
    """The options every document build takes (worksheets and exams)."""
    p.add_argument("--seed", type=int, required=True, help="same inputs + seed -> byte-identical files")
    p.add_argument("--out", required=True, help="output folder (replaced atomically)")
    p.add_argument("--templates", help="folder with templates overriding the shipped ones")
    p.add_argument("--no-verify", action="store_true", help="skip the check against Keras")


def _run(args: argparse.Namespace) -> int:
    from generator.worksheet import build_worksheets

    out = build_worksheets(args.config, args.seed, args.out, args.templates, verify=not args.no_verify)
    print(f"worksheets written to {out}/ (open {out}/index.html)", file=sys.stderr)
    return 0
