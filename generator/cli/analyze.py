"""The ``analyze`` subcommand: item analysis of a graded class.

``python -m generator analyze --key KEY.json ANSWERS.csv --out DIR`` writes ``DIR/analysis.html``
and ``DIR/analysis.csv`` (see :mod:`generator.analysis`). Needs the ``analysis`` extra.
"""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Adds ``analyze`` to the CLI.

    Args:
        sub: What ``ArgumentParser.add_subparsers`` returned.
    """
    p = sub.add_parser(
        "analyze",
        help="item analysis of a graded class: difficulty, discrimination, misconceptions, reliability",
        description=(
            "Grade ANSWERS.csv against KEY.json as check does, then write DIR/analysis.html (plots "
            "embedded) and DIR/analysis.csv: per slot and question the proportion right, the "
            "point-biserial against the rest score and the upper-lower 27%% index, the named "
            "misconceptions chosen, breakdowns by the problems' parameters with Fisher's exact or "
            "chi-square tests, the score distribution and KR-20 / Cronbach's alpha. Needs the "
            "'analysis' extra (numpy, scipy, matplotlib)."
        ),
    )
    p.add_argument("answers", metavar="ANSWERS.csv", help="the answers: student_id,question_id,answer")
    p.add_argument("--key", required=True, metavar="KEY.json",
                   help="worksheet key.json, exam master key or one student's exam key")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="the folder to write (replaced whole, only if this tool wrote it)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Grades the answers and writes the analysis.

    Args:
        args: The parsed options of ``analyze``.

    Returns:
        The exit code (0).
    """
    from generator.analysis import analyze_files

    report, out = analyze_files(args.key, args.answers, args.out)
    print(f"{len(report.students)} students analyzed: {out / 'analysis.html'}, {out / 'analysis.csv'}", file=sys.stderr)
    return 0
