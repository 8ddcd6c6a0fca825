"""Golden cases: every model in the seed notebook, parsed from the notebook's own code cells and
checked against the shapes and counts the notebook printed (no numbers typed in here)."""

from __future__ import annotations

import re

import pytest

from generator.engine import analyze
from generator.spec import parse_python_models

CELL = re.compile(r"^In \[\d+\]:\n(.*?)(?=^In \[\d+\]:|\Z)", re.S | re.M)
ROW = re.compile(r"^(\S+) \((\w+)\)?\s+\(None, ([\d, ]+)\)\s+(\d+)\s*$", re.M)
TOTAL = re.compile(r"^Total params: ([\d,]+)", re.M)
PRINTED = re.compile(r"^(conv2d|dense) \((\d+)\): (\d+)$", re.M)


def seed_cells(text: str) -> list[tuple[str, str]]:
    """(code, output) of every code cell; output starts at the first line Keras printed."""
    cells = []
    for block in CELL.findall(text):
        lines = block.splitlines()
        cut = next(
            (i for i, line in enumerate(lines)
             if line.startswith(("Model:", "Number of parameters", "Epoch", "Downloading"))),
            len(lines),
        )
        cells.append(("\n".join(lines[:cut]), "\n".join(lines[cut:])))
    return cells


def seed_models(text: str):
    """(spec, printed output, next cell's printed output) for every model the seed builds."""
    cells = seed_cells(text)
    out = []
    for i, (code, printed) in enumerate(cells):
        for spec in parse_python_models(code, "seed"):
            following = cells[i + 1][1] if i + 1 < len(cells) else ""
            out.append((spec, printed, following))
    return out


def test_seed_has_the_models_we_expect(seed_text):
    models = seed_models(seed_text)
    # two 8-layer models, four one-layer padding/stride examples, the lab model
    assert [len(m.layers) for m, _, _ in models] == [8, 8, 1, 1, 1, 1, 8]


def test_every_printed_summary_row_matches(seed_text):
    checked = 0
    for spec, printed, _ in seed_models(seed_text):
        summary = analyze(spec)
        rows = ROW.findall(printed)
        for record, (_, type_prefix, shape, params) in zip(summary.records, rows, strict=False):
            assert record.type_name.startswith(type_prefix), (record, type_prefix)
            assert record.output_shape == tuple(int(x) for x in shape.split(",")), (spec.name, record)
            assert record.params == int(params), (record, params)
            checked += 1
        total = TOTAL.search(printed)
        if total:
            assert summary.total_params == int(total.group(1).replace(",", ""))
    # 2 x 7 rows (the Dense rows are cut off in the seed) + 4 one-layer tables
    assert checked == 2 * 6 + 4


def test_printed_parameter_arithmetic_matches(seed_text):
    checked = 0
    for spec, _, following in seed_models(seed_text):
        printed = PRINTED.findall(following)
        if not printed:
            continue
        summary = analyze(spec)
        for kind, nth, value in printed:
            records = [r for r in summary.records if r.type_name.lower() == kind]
            assert records[int(nth) - 1].params == int(value)
            checked += 1
    assert checked == 10


def test_worked_steps_read_like_the_seed(seed_text):
    spec = seed_models(seed_text)[0][0]
    steps = [(s.formula, s.substituted, s.value) for r in analyze(spec, explain=True).records for s in r.steps]
    # the seed's board work (28 - 3)/1 + 1 = 26, after the general rule it comes from
    assert ("o = floor((n + 2p - k)/s) + 1", "floor((28 + 2*0 - 3)/1) + 1", 26) in steps
    assert ("P = k_h*k_w*C_in*C_out + C_out", "3*3*1*32 + 32", 320) in steps
    assert ("P = N_in*N_out + N_out", "576*64 + 64", 36928) in steps


@pytest.mark.parametrize("index, side", [(2, 26), (3, 13), (4, 28), (5, 24)])
def test_padding_and_stride_examples(seed_text, index, side):
    spec = seed_models(seed_text)[index][0]
    assert analyze(spec).records[0].output_shape[:2] == (side, side)
