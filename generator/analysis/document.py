"""The item analysis as files: ``analysis.html`` (self-contained: the plots are SVG images
embedded as data URLs) and ``analysis.csv`` (one long table), written atomically into a folder.

Both are byte-identical for the same inputs: no timestamps, SVG metadata fixed, ids salted
with a constant. matplotlib is imported inside :func:`plots`.
"""

from __future__ import annotations

import base64
import csv
import io
import os
from pathlib import Path
from typing import Any

from generator.analysis.stats import ALPHA, NEAR_ZERO, UPPER_LOWER, Analysis, ItemStats
from generator.output import atomic_dir, write_text
from generator.render import render, shipped_environment

CSV_COLUMNS = ("section", "item", "label", "group", "students", "count", "value", "point_biserial",
               "upper_lower_27", "p_value", "flag")


def _svg(fig: Any) -> str:
    """A figure as a data URL of its SVG: no date, no creator, fixed ids."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def plots(analysis: Analysis) -> dict[str, str]:
    """The page's plots as data URLs: ``scores`` (the histogram with mean and median) and
    ``questions`` (each question's difficulty against its point-biserial, flagged ones in red).
    No text from the key or the answers goes into a plot."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    rc: dict[str, Any] = {"svg.hashsalt": "cnn-worksheets-analysis", "svg.fonttype": "path", "font.size": 10,
          "axes.spines.top": False, "axes.spines.right": False}
    out = {}
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]
        fig = Figure(figsize=(6.2, 3.0))
        ax = fig.add_subplot()
        ax.hist(analysis.scores, bins=list(range(0, 105, 5)), color="#7aa6d6", edgecolor="white")
        ax.axvline(analysis.mean, color="#c0392b", linewidth=2, label=f"mean {analysis.mean:.1f}%")
        ax.axvline(analysis.median, color="#2c3e50", linewidth=2, linestyle="--",
                   label=f"median {analysis.median:.1f}%")
        ax.set_xlim(0, 100)
        ax.set_xlabel("score (%)")
        ax.set_ylabel("students")
        ax.legend(frameon=False, loc="upper left")
        out["scores"] = _svg(fig)

        fig = Figure(figsize=(6.2, 3.0))
        ax = fig.add_subplot()
        good = [q for q in analysis.questions if q.point_biserial is not None and not q.flag]
        bad = [q for q in analysis.questions if q.point_biserial is not None and q.flag]
        ax.axhspan(-1, NEAR_ZERO, color="#fdecea", zorder=0)
        ax.axhline(0, color="#999999", linewidth=0.8)
        ax.scatter([100 * (q.difficulty or 0) for q in good], [q.point_biserial or 0.0 for q in good],
                   color="#2e86c1", s=22, label="questions")
        ax.scatter([100 * (q.difficulty or 0) for q in bad], [q.point_biserial or 0.0 for q in bad],
                   color="#c0392b", marker="D", s=30, label="flagged")
        values = [q.point_biserial for q in analysis.questions if q.point_biserial is not None]
        low = min([-0.1, *values]) - 0.05
        ax.set_ylim(low, max([0.6, *values]) + 0.05)
        ax.set_xlim(0, 100)
        ax.set_xlabel("difficulty (% right)")
        ax.set_ylabel("point-biserial (rest score)")
        ax.legend(frameon=False, loc="lower left", fontsize=9)
        out["questions"] = _svg(fig)
    return out


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.0f}%"


def _num(value: float | None, places: int = 2) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _p(value: float | None) -> str:
    if value is None:
        return ""
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _item_row(item: ItemStats) -> dict[str, Any]:
    n = item.students or 1
    return {
        "id": item.id, "label": item.label, "students": item.students, "difficulty": _pct(item.difficulty),
        "bar": round(100 * (item.difficulty or 0)), "pb": _num(item.point_biserial), "ul": _num(item.upper_lower),
        "flag": item.flag,
        "mistakes": [{"name": name, "count": c, "rate": f"{100 * c / n:.0f}%"} for name, c in item.mistakes[:3]],
        "other": item.other_wrong,
    }


def context(analysis: Analysis) -> dict[str, Any]:
    """Plain data for ``analysis.html.j2``: every number already formatted."""
    breakdowns = sorted(analysis.breakdowns, key=lambda b: (not b.flagged, b.p_value if b.p_value is not None else 2))
    return {
        "title": analysis.title,
        "kind": analysis.key_kind.description,
        "students": len(analysis.students),
        "mean": f"{analysis.mean:.1f}%", "median": f"{analysis.median:.1f}%", "sd": f"{analysis.sd:.1f}",
        "kr20": _num(analysis.kr20), "alpha": _num(analysis.alpha),
        "near_zero": NEAR_ZERO, "alpha_level": ALPHA, "upper_lower": round(100 * UPPER_LOWER),
        "plots": plots(analysis),
        "flagged": [_item_row(i) for i in analysis.flagged],
        "slots": [_item_row(i) for i in analysis.slots],
        "questions": [_item_row(i) for i in analysis.questions],
        "breakdowns": [
            {"item": b.item, "factor": b.factor, "test": b.test, "p": _p(b.p_value), "flagged": b.flagged,
             "levels": [{"level": lv.level, "students": lv.students, "difficulty": _pct(lv.difficulty)}
                        for lv in b.levels]}
            for b in breakdowns
        ],
        "flagged_breakdowns": sum(b.flagged for b in analysis.breakdowns),
        "roster": [
            {"id": s.id, "name": s.name, "variant": s.variant, "score": f"{s.score:.1f}%"}
            for s in sorted(analysis.students, key=lambda s: (s.score, s.id))
        ],
    }


def html(analysis: Analysis) -> str:
    """The page (autoescaped: names and titles from the files are text, never markup)."""
    return render(shipped_environment(), "analysis.html.j2", context(analysis))


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def table(analysis: Analysis) -> str:
    """``analysis.csv``: one long table (see :data:`CSV_COLUMNS`).

    Sections: ``exam`` (label: the statistic, value), ``slot`` and ``question`` (count: students
    right, value: difficulty), ``mistake`` (label: the mistake, count: students, value: their
    share), ``breakdown`` (label: the factor, group: the level, count: right, value: difficulty,
    p_value: the factor's test). Cells a spreadsheet would run as a formula start with ``'``.
    """
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    fmt = _num

    def row(*cells: Any) -> None:
        w.writerow([_cell(c) for c in cells])

    for name, value in (("students", len(analysis.students)), ("mean", fmt(analysis.mean, 2)),
                        ("median", fmt(analysis.median, 2)), ("sd", fmt(analysis.sd, 2)),
                        ("kr20", fmt(analysis.kr20, 4)), ("cronbach_alpha", fmt(analysis.alpha, 4))):
        row("exam", "", name, "", "", "", value, "", "", "", "")
    for item in (*analysis.slots, *analysis.questions):
        section = "slot" if item.is_slot else "question"
        row(section, item.id, item.label, "", item.students, item.right, fmt(item.difficulty, 4),
            fmt(item.point_biserial, 4), fmt(item.upper_lower, 4), "", item.flag)
        for name, count in item.mistakes:
            row("mistake", item.id, name, "", item.students, count, fmt(count / item.students, 4) if item.students else "",
                "", "", "", "")
    for b in analysis.breakdowns:
        for lv in b.levels:
            row("breakdown", b.item, b.factor, lv.level, lv.students, lv.right, fmt(lv.difficulty, 4), "", "",
                "" if b.p_value is None else f"{b.p_value:.4g}", "difference" if b.flagged else "")
    return out.getvalue()


def write_analysis(analysis: Analysis, out: str | os.PathLike[str], option: str = "--out") -> Path:
    """Writes ``analysis.html`` and ``analysis.csv`` into the folder ``out``, atomically (see
    :func:`generator.output.atomic_dir`: a folder holding anything this tool did not write is
    refused). Returns the folder."""
    page, sheet = html(analysis), table(analysis)
    with atomic_dir(Path(out), "analyze", option, "an analysis folder") as tmp:
        write_text(tmp / "analysis.html", page)
        write_text(tmp / "analysis.csv", sheet)
    return Path(out)
