"""The ``check`` subcommand: grade an answer CSV against a worksheet or exam key.

``python -m generator check --key KEY.json ANSWERS.csv [--format text|csv|json] [--out FILE]
[--follow-through full|half|off] [--partial axes|off]``

Thin by design: it parses options and calls :mod:`generator.grading`, where the key and
answer formats, the normalization rules and the feedback rules are documented.
"""

from __future__ import annotations

import argparse

from generator.grading import OutputFormat, check, format_report, write_output
from generator.key import FollowThrough, Partial


def register(sub: argparse._SubParsersAction) -> None:
    """Adds ``check`` to the CLI.

    Args:
        sub: What ``ArgumentParser.add_subparsers`` returned.
    """
    p = sub.add_parser(
        "check",
        help="grade students' typed answers (CSV) against a worksheet or exam key",
        description=(
            "Grade ANSWERS.csv (columns student_id,question_id,answer; student_id may be a "
            "student id or the variant code on the paper) against a worksheet key, an exam "
            "master key or a per-student exam key. Answers are normalized as the worksheets' "
            "self-check does: (None, 26, 26, 32), 26x26x32 and 26,26,32 are the same shape; "
            "18,496 and 18496 the same number."
        ),
    )
    p.add_argument("answers", metavar="ANSWERS.csv", help="the answers: student_id,question_id,answer")
    p.add_argument("--key", required=True, metavar="KEY.json",
                   help="worksheet key.json, exam master key or one student's exam key")
    p.add_argument("--format", choices=[f.value for f in OutputFormat], default=OutputFormat.TEXT.value,
                   help="text: readable report (default); json: one object with students, "
                        "questions and summary; csv: gradebook, one row per student")
    p.add_argument("--out", metavar="FILE",
                   help="write to FILE (replaced atomically; nothing is written on error) instead of stdout")
    p.add_argument("--follow-through", choices=[f.value for f in FollowThrough], default=None,
                   help="credit for an answer that is right given the student's own earlier answer "
                        "(a summary table's later layers and totals, a BatchNormalization layer's Param #): full, half or off; overrides "
                        "the key's (an exam config's) policy; default full for a worksheet key, off for an exam key")
    p.add_argument("--partial", choices=[p.value for p in Partial], default=None,
                   help="axes: a wrong shape of the right rank earns the share of its axes that are right; "
                        "off (default unless the exam config sets it)")
    p.add_argument("--analysis", metavar="DIR",
                   help="also write the item analysis (analysis.html, analysis.csv) into DIR; "
                        "needs the 'analysis' extra (see the analyze command)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Grades the answers, formats the report, writes it to stdout or ``--out``.

    Args:
        args: The parsed options of ``check``.

    Returns:
        The exit code (0).
    """
    if args.analysis:
        from generator.analysis import analyze_files

        report, _ = analyze_files(args.key, args.answers, args.analysis, "--analysis", args.follow_through,
                                  args.partial)
    else:
        report = check(args.key, args.answers, args.follow_through, args.partial)
    write_output(format_report(report, args.format), args.out, inputs=(args.key, args.answers))
    return 0
