"""The CLI contract: formats, exit codes, one-line errors without tracebacks, and no TensorFlow
at import time."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO


def test_explain_json_contract(run_cli):
    code, out, err = run_cli("explain", "examples/seed_mnist.yaml", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["input_shape"] == [None, 28, 28, 1]
    first = data["layers"][0]
    assert {k: first[k] for k in ("type", "output_shape", "params", "trainable", "non_trainable")} == {
        "type": "Conv2D", "output_shape": [None, 26, 26, 32], "params": 320, "trainable": 320,
        "non_trainable": 0,
    }
    assert data["total_params"] == sum(layer["params"] for layer in data["layers"])
    assert data["trainable_params"] + data["non_trainable_params"] == data["total_params"]


@pytest.mark.parametrize("fmt, needle", [
    ("text", "conv2d (Conv2D)"), ("md", "| 0 | conv2d (Conv2D) |"), ("latex", r"\begin{align*}"),
])
def test_explain_formats(run_cli, fmt, needle):
    code, out, _ = run_cli("explain", "examples/seed_mnist.py", "--format", fmt)
    assert code == 0 and needle in out


def test_bad_input_exits_2_with_one_line(run_cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("input_shape: [4, 4, 1]\nlayers:\n  - Conv2D: {filters: 2, kernel_size: 5}\n")
    code, out, err = run_cli("explain", str(bad))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: layer 0 (Conv2D) with input shape (None, 4, 4, 1): ")


def test_no_traceback_in_a_real_process(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("model = Sequential()\nmodel.add(Conv9D(3))\n")
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "explain", str(bad)], capture_output=True, text=True, cwd=REPO
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "unknown layer type 'Conv9D'" in proc.stderr


def test_importing_the_package_and_cli_does_not_import_tensorflow_or_the_pdf_engine():
    code = (
        "import sys, generator, generator.cli, generator.engine, generator.spec, generator.sampler, generator.pdf,"
        " generator.figures, generator.practice, generator.worksheet, generator.exam, generator.pytorch,"
        " generator.pytorch.source, generator.pytorch.summary, generator.pytorch.spec, generator.pytorch.zoo;"
        "generator.cli.build_parser();"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('tensorflow', 'keras', 'matplotlib', 'playwright', 'pypdf', 'segno', 'torch', 'torchinfo')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("argv, module", [
    (["explain", "m.yaml"], "explain"), (["bench"], "bench"),
    (["worksheet", "--config", "c.yaml", "--seed", "1", "--out", "o"], "worksheet"),
    (["exam", "--roster", "r.csv", "--seed", "1", "--out", "o"], "exam"),
    (["check", "--key", "k.json", "a.csv"], "check"), (["lab"], "lab"), (["mnist"], "lab"),
])
def test_each_subcommand_is_handled_by_its_own_module(argv, module):
    from generator.cli import build_parser

    assert build_parser().parse_args(argv).func.__module__ == f"generator.cli.{module}"


@pytest.mark.keras
def test_explain_verify_agrees(run_cli):
    code, _, err = run_cli("explain", "examples/advanced.yaml", "--verify")
    assert code == 0
    assert "verified: Keras agrees on all 14 layers" in err


@pytest.mark.keras
def test_bench_json_reports_what_was_asked(run_cli):
    """The figures asked for, counted right; speeds are measured by ``bench``, never compared here."""
    code, out, err = run_cli("bench", "--json", "--models", "6", "--keras-models", "3", "--rounds", "1",
                             "--roster", "5", "--check-students", "2")
    assert code == 0, err
    data = json.loads(out)
    assert {k: data[k] for k in ("models", "keras_models", "rounds", "exam_students", "check_students")} == {
        "models": 6, "keras_models": 3, "rounds": 1, "exam_students": 5, "check_students": 2,
    }
    assert data["check_answers"] > 0 and data["check_answers"] % 2 == 0  # every paper has the same blanks
    rates = ("engine_models_per_s", "engine_explain_models_per_s", "keras_models_per_s")
    assert set(data) - {"analyze_s"} == {*rates, "models", "keras_models", "rounds", "exam_students", "check_students",
                         "check_answers", "speedup_vs_keras", "exam_build_s_no_verify", "check_s",
                         "tensorflow", "keras", "exam_difficulty_spread", "exam_slot_spread_max"}
    assert 1 <= data["exam_slot_spread_max"] <= 1.5 and 1 <= data["exam_difficulty_spread"] <= 1.5
    assert all(isinstance(data[k], float) for k in (*rates, "speedup_vs_keras"))
