"""The ``bench`` subcommand: run :func:`generator.bench.run_bench`, print a table or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from generator.cli.options import bounded_int


def register(sub: argparse._SubParsersAction) -> None:
    """Adds ``bench`` to the CLI.

    Args:
        sub: What ``ArgumentParser.add_subparsers`` returned.
    """
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
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Runs the benchmark and prints its figures.

    Args:
        args: The parsed options of ``bench``.

    Returns:
        The exit code (0).
    """
    from generator.bench import run_bench

    results = run_bench(
        models=args.models, keras_models=args.keras_models, seed=args.seed, rounds=args.rounds,
        roster=args.roster, check_students=args.check_students, keras=not args.no_keras,
    )
    sys.stdout.write(format_results(results, as_json=args.json))
    sys.stdout.flush()
    return 0


def format_results(results: dict[str, Any], as_json: bool = False) -> str:
    """The figures as a table (one right-aligned name per line, floats to one decimal), or as
    one JSON object with sorted keys.

    Args:
        results: What :func:`generator.bench.run_bench` returned.
        as_json: One JSON object instead of a table.

    Returns:
        The text to print, ending with a newline.

    >>> print(format_results({"models": 5, "rounds": 1, "check_s": 1234.56}), end="")
                            models: 5
                            rounds: 1
                           check_s: 1,234.6
    """
    if as_json:
        return json.dumps(results, indent=2, sort_keys=True) + "\n"
    lines = []
    for key, value in results.items():
        shown = f"{value:,.1f}" if isinstance(value, float) else value
        lines.append(f"{key:>30}: {shown}\n")
    return "".join(lines)
