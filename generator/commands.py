"""Library functions behind the engine's CLI subcommands (``explain``)."""

from __future__ import annotations

import sys

from generator.engine import analyze
from generator.engine.formatting import to_json, to_latex, to_markdown, to_text
from generator.errors import VerificationError
from generator.spec import load_spec

FORMATTERS = {"text": to_text, "md": to_markdown, "json": to_json, "latex": to_latex}


def explain(path: str, fmt: str = "text", verify: bool = False) -> int:
    """Prints the summary and worked derivation of the spec at ``path``.

    With ``verify``, also builds the model in Keras and compares every layer; a mismatch raises
    :class:`VerificationError` (exit code 1).
    """
    summary = analyze(load_spec(path), explain=True)
    sys.stdout.write(FORMATTERS[fmt](summary))
    if verify:
        from generator.verify import compare

        mismatches = compare(summary)
        if mismatches:
            raise VerificationError("; ".join(map(str, mismatches)))
        print(
            f"verified: Keras agrees on all {len(summary.records)} layers "
            f"(shapes, trainable and non-trainable counts)",
            file=sys.stderr,
        )
    return 0
