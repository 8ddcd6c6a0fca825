"""The README's screenshot of an item analysis: a simulated class of the shipped exam, analyzed
and photographed by headless Chromium (``make docs-images``)::

    python -m generator.analysis.demo build/analysis-demo docs/images/analysis.png

Offline and deterministic: the class is drawn from fixed seeds (:mod:`generator.analysis.simulate`)
with one planted weak item and one harder parameter, so the page shows flags.
"""

from __future__ import annotations

import sys
from pathlib import Path

from generator.key import Blank, Paper, Problem
from generator.roster import Student

STUDENTS = 160


def build(out: Path) -> Path:
    """Writes ``key.json``, ``answers.csv`` and the analysis (``analysis/``) into ``out``."""
    from generator.analysis import analyze_files
    from generator.analysis.factors import question_factors
    from generator.analysis.simulate import rasch, simulate
    from generator.configs import load_exam_config
    from generator.exam import build_master

    roster = [Student(f"s{i:03d}", f"Student {i + 1}") for i in range(STUDENTS)]
    key = build_master(load_exam_config(None), 2026, roster)

    def chance(theta: float, paper: Paper, problem: Problem, blank: Blank) -> float:
        if problem.id == "q7":  # a weak item: the strong students overthink it
            return rasch(-theta, 0.0)
        hard = question_factors(problem, blank, 1.0).get("padding & stride") == "'same', stride > 1"
        return rasch(theta, (1.2 if hard else -0.6) + 0.1 * len(problem.blanks))

    _, answers = simulate(key, chance, lambda problem, blank: 0.7, seed=7)
    out.mkdir(parents=True, exist_ok=True)
    (out / "key.json").write_text(key.to_json(), encoding="utf-8")
    (out / "answers.csv").write_text(answers, encoding="utf-8")
    _, folder = analyze_files(out / "key.json", out / "answers.csv", out / "analysis")
    return folder / "analysis.html"


def screenshot(page_path: Path, png: Path, width: int = 1100, height: int = 1500) -> None:
    """The top of the page as a PNG, by the system's Chromium through Playwright."""
    from playwright.sync_api import sync_playwright

    from generator.pdf import CHROMIUM_ARGS, find_chromium

    with sync_playwright() as p:  # the PDF printer's Chromium and launch flags (they keep it offline)
        browser = p.chromium.launch(executable_path=find_chromium(), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(page_path.resolve().as_uri())
            page.screenshot(path=str(png), full_page=False)
        finally:
            browser.close()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m generator.analysis.demo OUT_DIR IMAGE.png", file=sys.stderr)
        return 2
    screenshot(build(Path(argv[0])), Path(argv[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
