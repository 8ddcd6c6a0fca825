"""The ``exam`` subcommand: build one exam variant per student, report where they are."""

from __future__ import annotations

import argparse
import sys

from generator.cli.options import add_build_options, bounded_int, pdf_options


def register(sub: argparse._SubParsersAction) -> None:
    """Adds ``exam`` to the CLI.

    Args:
        sub: What ``ArgumentParser.add_subparsers`` returned.
    """
    p = sub.add_parser("exam", help="one exam variant per student of a roster, keys and LMS exports")
    p.add_argument("--roster", required=True, help="CSV with a header row holding 'id' (and usually 'name')")
    p.add_argument("--config", help="exam config (YAML/JSON: title, difficulty, problems); default: a standard exam")
    add_build_options(p)
    p.add_argument("--jobs", type=bounded_int(0, 256), default=0,
                   help="processes rendering the students' documents (default 0: one per core for a "
                        "class of 48 or more; 1: none); the files are the same either way")
    p.add_argument("--lms", choices=("per-student", "pools", "both"), default="per-student",
                   help="LMS files in lms/: a quiz per student (default), question pools with one "
                        "Moodle category per slot (moodle_pools.xml, for 'random question from category') and one "
                        "Canvas question group per slot (canvas_pools_qti.zip), or both")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Builds the exam folder and says where it was written.

    Args:
        args: The parsed options of ``exam``.

    Returns:
        The exit code (0).
    """
    from generator.exam import build_exam

    out = build_exam(args.roster, args.seed, args.out, args.config, args.templates, verify=not args.no_verify,
                     workers=args.jobs or None, lms=args.lms, **pdf_options(args))
    print(f"exam written to {out}/ (open {out}/index.html; master key {out}/key.json)", file=sys.stderr)
    return 0
