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


def test_importing_the_package_and_cli_does_not_import_tensorflow():
    code = (
        "import sys, generator, generator.cli, generator.engine, generator.spec, generator.sampler;"
        "generator.cli.build_parser();"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert proc.stdout.strip() == "[]"


@pytest.mark.keras
def test_explain_verify_agrees(run_cli):
    code, _, err = run_cli("explain", "examples/advanced.yaml", "--verify")
    assert code == 0
    assert "verified: Keras agrees on all 14 layers" in err


@pytest.mark.keras
def test_bench_json_reports_speedup(run_cli):
    code, out, _ = run_cli("bench", "--json", "--models", "30", "--keras-models", "3")
    assert code == 0
    data = json.loads(out)
    assert data["speedup_vs_keras"] == pytest.approx(data["engine_models_per_s"] / data["keras_models_per_s"])
    assert data["engine_models_per_s"] > data["keras_models_per_s"] > 0
