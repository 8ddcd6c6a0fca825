"""Parsing specs: YAML, JSON and Keras source (read with ast, never executed); bad input gives
one clear SpecError naming the file, layer and argument."""

from __future__ import annotations

import json

import pytest

from generator.engine import analyze
from generator.errors import GeometryError, SpecError
from generator.spec import load_spec, parse_python, spec_from_dict


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_json_and_python_give_the_same_model(tmp_path):
    from_yaml = load_spec("examples/seed_mnist.yaml")
    from_py = load_spec("examples/seed_mnist.py")
    from_json = load_spec(write(tmp_path, "m.json", json.dumps(from_yaml.to_dict())))
    assert from_yaml.layers == from_py.layers == from_json.layers
    assert from_yaml.input_shape == from_py.input_shape == (28, 28, 1)


def test_to_dict_round_trips():
    spec = load_spec("examples/advanced.yaml")
    assert spec_from_dict(spec.to_dict()) == spec


def test_keras_sequential_list_and_input():
    spec = parse_python(
        "import keras\nfrom keras import layers\n"
        "model = keras.Sequential([keras.Input(shape=(32, 32, 3)),\n"
        "    layers.Conv2D(16, 3, padding='same'), layers.GlobalAveragePooling2D(), layers.Dense(10)])\n"
    )
    assert [r.output_shape for r in analyze(spec).records] == [(32, 32, 16), (16,), (10,)]


def test_the_last_model_in_a_script_wins():
    spec = parse_python(
        "m = Sequential()\nm.add(Conv2D(8, (3, 3), input_shape=(8, 8, 1)))\n"
        "m = Sequential()\nm.add(Dense(4, input_shape=(3,)))\n"
    )
    assert spec.input_shape == (3,)


def test_python_source_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    src = (
        f"import os; os.system('touch {marker}')\n"
        f"open('{marker}', 'w').write('x')\n"
        "model = models.Sequential()\n"
        "model.add(layers.Conv2D(8, (3, 3), input_shape=(8, 8, 1)))\n"
    )
    spec = load_spec(write(tmp_path, "evil.py", src))
    assert not marker.exists()
    assert spec.layers[0].filters == 8


def test_python_arguments_must_be_literals(tmp_path):
    path = write(
        tmp_path, "dyn.py",
        "model = models.Sequential()\nmodel.add(layers.Conv2D(__import__('os').getpid(), 3, input_shape=(8, 8, 1)))\n",
    )
    with pytest.raises(SpecError, match=r"dyn.py:2: layer 0 \(Conv2D\): only literal values"):
        load_spec(path)


@pytest.mark.parametrize(
    "layers, message",
    [
        ([{"LSTM": {"units": 1}}], r"layer 0: unknown layer type 'LSTM'; supported: Conv2D, "),
        ([{"Conv2D": {"filters": 8}}], r"layer 0 \(Conv2D\): missing required argument\(s\): kernel_size"),
        ([{"Conv2D": {"filters": 0, "kernel_size": 3}}], r"argument 'filters': expected a positive integer .* Received: filters=0"),
        ([{"Conv2D": {"filters": 2.5, "kernel_size": 3}}], r"Received: filters=2.5"),
        ([{"Conv2D": {"filters": 8, "kernel_size": [3, -1]}}], r"argument 'kernel_size'.*Received: kernel_size=\[3, -1\]"),
        ([{"Conv2D": {"filters": 8, "kernel_size": 3, "padding": "full"}}], r"expected 'valid' or 'same'"),
        ([{"Conv2D": {"filters": 8, "kernel_size": 3, "kernal_size": 3}}], r"unknown argument 'kernal_size'; Conv2D takes: filters, kernel_size"),
        ([{"Conv2D": {"filters": 8, "kernel_size": 3, "strides": 2, "dilation_rate": 2}}], r"strides > 1 is not supported together with dilation_rate > 1"),
        ([{"Dense": {"units": "ten"}}], r"Received: units='ten'"),
        ([{"Dense": {"units": 4, "use_bias": "yes"}}], r"argument 'use_bias': expected true or false"),
        ([{"Conv2D": {"filters": 8, "kernel_size": 3, "data_format": "channels_first"}}], r"data_format"),
        ([["Flatten"]], r"layer 0: expected a one-key mapping"),
    ],
)
def test_bad_layers_name_index_type_argument_and_value(tmp_path, layers, message):
    with pytest.raises(SpecError, match=message) as info:
        spec_from_dict({"input_shape": [28, 28, 1], "layers": layers}, "bad.yaml")
    assert str(info.value).startswith("bad.yaml: ")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "text, message",
    [
        ("input_shape: [28, 28\nlayers: [", r"invalid YAML at line \d+ column \d+"),
        ("- just a list", r"expected a mapping"),
        ("layers: [Flatten]", r"missing 'input_shape'"),
        ("input_shape: [28, 0, 1]\nlayers: [Flatten]", r"input_shape: expected a positive integer"),
        ("input_shape: [2, 28, 28, 1, 3]\nlayers: [Flatten]", r"input_shape must be \[H, W, C\]"),
        ("input_shape: [28, 28, 1]\nlayers: []", r"'layers' must be a non-empty list"),
        ("input_shape: [28, 28, 1]\nlayer: []", r"unknown key\(s\) layer"),
    ],
)
def test_malformed_yaml(tmp_path, text, message):
    with pytest.raises(SpecError, match=message):
        load_spec(write(tmp_path, "m.yaml", text))


def test_unreadable_files(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "missing.yaml")
    garbage = tmp_path / "x.yaml"
    garbage.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SpecError, match="not UTF-8"):
        load_spec(garbage)
    with pytest.raises(SpecError, match="unknown spec format"):
        load_spec(write(tmp_path, "m.txt", "x"))
    with pytest.raises(SpecError, match=r"invalid JSON at line 1"):
        load_spec(write(tmp_path, "m.json", "{oops"))
    with pytest.raises(SpecError, match=r"Python syntax error"):
        load_spec(write(tmp_path, "m.py", "model = (\n"))
    with pytest.raises(SpecError, match=r"no Keras model found"):
        load_spec(write(tmp_path, "m.py", "print('hello')\n"))


def test_invalid_geometry_names_layer_type_input_and_formula():
    spec = spec_from_dict(
        {"input_shape": [28, 28, 1], "layers": [
            {"Conv2D": {"filters": 8, "kernel_size": 5}},
            {"MaxPooling2D": {"pool_size": 2}},
            {"Conv2D": {"filters": 8, "kernel_size": 13}},
        ]}
    )
    with pytest.raises(GeometryError) as info:
        analyze(spec)
    assert str(info.value) == (
        "layer 2 (Conv2D) with input shape (None, 12, 12, 8): "
        "output height = width would be 0: floor((12 + 2*0 - 13)/1) + 1 = 0"
    )


def test_conv_after_flatten_is_a_geometry_error():
    spec = spec_from_dict({"input_shape": [8, 8, 1], "layers": [{"Flatten": {}}, {"Conv2D": {"filters": 2, "kernel_size": 3}}]})
    with pytest.raises(GeometryError, match=r"layer 1 \(Conv2D\).*needs a 3-D \(H, W, C\) input"):
        analyze(spec)
