"""Functional (graph) models: merge layers, graph specs in YAML/JSON, the functional-API reader,
the "Connected to" summary and the topological worked derivation. Every expected number here is
worked out by hand in the test (the Keras comparisons are in test_graph_keras.py)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from generator.engine import analyze
from generator.engine.formatting import keras_source, to_json, to_markdown, to_text
from generator.engine.layers import Add, Concatenate, Subtract
from generator.engine.merging import projection_shortcut
from generator.engine.model import ModelSpec
from generator.engine.steps import Quantity, Tracer
from generator.errors import GeometryError, SpecError
from generator.key import ProblemType
from generator.problems import generate
from generator.problems.slot import Slot
from generator.spec import load_spec, parse_python, spec_from_dict

DATA = Path(__file__).parent / "data" / "functional"

BASIC_BLOCK = {
    "name": "basic_block",
    "input_shape": [32, 32, 64],
    "layers": [
        {"Conv2D": {"filters": 128, "kernel_size": 3, "strides": 2, "padding": "same", "use_bias": False}},
        {"BatchNormalization": {}},
        {"Activation": {"activation": "relu"}},
        {"Conv2D": {"filters": 128, "kernel_size": 3, "padding": "same", "use_bias": False}},
        {"BatchNormalization": {}},
        {"Conv2D": {"filters": 128, "kernel_size": 1, "strides": 2, "use_bias": False, "name": "shortcut"},
         "inputs": ["input_layer"]},
        {"BatchNormalization": {}},
        {"Add": {}, "inputs": ["batch_normalization_1", "batch_normalization_2"]},
        {"Activation": {"activation": "relu"}},
    ],
}

INCEPTION = {
    "name": "inception",
    "input_shape": [28, 28, 192],
    "layers": [
        {"Conv2D": {"filters": 64, "kernel_size": 1, "activation": "relu"}},
        {"Conv2D": {"filters": 96, "kernel_size": 1, "activation": "relu"}, "inputs": ["input_layer"]},
        {"Conv2D": {"filters": 128, "kernel_size": 3, "padding": "same", "activation": "relu"}},
        {"Conv2D": {"filters": 16, "kernel_size": 1, "activation": "relu"}, "inputs": ["input_layer"]},
        {"Conv2D": {"filters": 32, "kernel_size": 5, "padding": "same", "activation": "relu"}},
        {"MaxPooling2D": {"pool_size": 3, "strides": 1, "padding": "same"}, "inputs": ["input_layer"]},
        {"Conv2D": {"filters": 32, "kernel_size": 1, "activation": "relu"}},
        {"Concatenate": {}, "inputs": ["conv2d", "conv2d_2", "conv2d_4", "conv2d_5"]},
    ],
}


def _spec(data: dict, source: str = "spec.yaml") -> ModelSpec:
    return spec_from_dict(json.loads(json.dumps(data)), source)


def test_basic_block_by_hand() -> None:
    summary = analyze(_spec(BASIC_BLOCK), explain=True)
    conv_a, conv_b, proj = 3 * 3 * 64 * 128, 3 * 3 * 128 * 128, 1 * 1 * 64 * 128
    bn = 4 * 128  # gamma, beta trainable; moving mean and variance not
    assert summary.total_params == conv_a + conv_b + proj + 3 * bn == 230_912
    assert summary.non_trainable_params == 3 * 2 * 128
    assert {r.output_shape for r in summary.records} == {(16, 16, 128)}
    add = summary.records[7]
    assert add.sources == ("batch_normalization_1", "batch_normalization_2")
    assert add.input_shapes == ((16, 16, 128), (16, 16, 128))
    assert summary.records[5].sources == ("input_layer",) and summary.records[5].input_shape == (32, 32, 64)
    assert [s.quantity for s in add.steps] == [Quantity.OUTPUT_HEIGHT_WIDTH, Quantity.OUTPUT_CHANNELS, Quantity.PARAMS]
    assert "Add adds element by element" in add.steps[0].text


def test_inception_channels_add_up() -> None:
    summary = analyze(_spec(INCEPTION), explain=True)
    concat = summary.records[-1]
    assert concat.output_shape == (28, 28, 64 + 128 + 32 + 32)
    join = next(s for s in concat.steps if s.quantity is Quantity.OUTPUT_CHANNELS)
    assert join.text == "output channels: C_out = C_1 + C_2 + ... (each input's channels) = 64 + 128 + 32 + 32 = 256"
    assert join.symbols == ("C_out", "C")
    by_hand = (192 * 64 + 64) + (192 * 96 + 96) + (9 * 96 * 128 + 128) + (192 * 16 + 16) + (25 * 16 * 32 + 32) + (192 * 32 + 32)
    assert summary.total_params == by_hand


def test_derivation_walks_the_graph_in_topological_order() -> None:
    summary = analyze(_spec(INCEPTION), explain=True)
    position = {"input_layer": -1, **{r.name: r.index for r in summary.records}}
    for r in summary.records:
        assert all(position[s] < r.index for s in r.sources), r.name
    text = to_text(summary)
    assert "Worked derivation (in topological order: each layer after the layers it takes)" in text
    assert "[7] concatenate (Concatenate), inputs (None, 28, 28, 64) from conv2d and (None, 28, 28, 128) from conv2d_2" in text


def test_summary_shows_the_input_layer_and_connected_to() -> None:
    summary = analyze(_spec(BASIC_BLOCK))
    lines = to_text(summary, derivation=False).splitlines()
    head = next(line for line in lines if line.startswith("Layer (type)"))
    assert head.split() == ["Layer", "(type)", "Output", "Shape", "Param", "#", "Connected", "to"]
    rows = [line.split() for line in lines]
    assert ["input_layer", "(InputLayer)", "(None,", "32,", "32,", "64)", "0", "-"] in rows
    add = next(line for line in lines if line.startswith("add (Add)"))
    assert add.endswith("batch_normalization_1[0][0], batch_normalization_2[0][0]")
    assert "Outputs: activation_1" in lines
    md = to_markdown(summary, derivation=False)
    assert "| Connected to |" in md and "| 7 | add (Add) | `(None, 16, 16, 128)` | 0 | 0 | 0 | batch_normalization_1[0][0], " in md
    data = json.loads(to_json(summary))
    assert data["outputs"] == ["activation_1"] and data["input_name"] == "input_layer"
    assert data["layers"][7]["inputs"] == ["batch_normalization_1", "batch_normalization_2"]
    assert data["layers"][7]["input_shapes"] == [[None, 16, 16, 128]] * 2
    assert "receptive_field" not in data["layers"][0]


def test_sequential_summary_is_unchanged() -> None:
    spec = ModelSpec((8, 8, 1), _spec({"input_shape": [8, 8, 1], "layers": [{"Flatten": {}}]}).layers)
    text = to_text(analyze(spec), derivation=False)
    assert "Connected to" not in text and "InputLayer" not in text


def test_broadcasting_merges() -> None:
    t = Tracer(explain=True)
    assert Add().merge(((16, 16, 1), (16, 16, 64)), t).output_shape == (16, 16, 64)
    assert "output channels = max(1, 64) = 64 (a size-1 or missing axis is repeated to match: broadcasting)" in [
        s.text for s in t.steps]
    assert Add().merge(((16, 16, 64), (64,)), Tracer()).output_shape == (16, 16, 64)
    assert Add().merge(((1,), (8, 8, 3)), Tracer()).output_shape == (8, 8, 3)
    assert Add().merge(((16, 16, 64),), Tracer()).output_shape == (16, 16, 64)  # Keras takes one input
    assert Add().merge(((16, 16, 1), (1, 1, 64), (64,)), Tracer()).output_shape == (16, 16, 64)
    with pytest.raises(GeometryError, match=r"differ in the height \(8 vs 16\)"):
        Add().merge(((8, 8, 3), (16, 8, 3)), Tracer())
    with pytest.raises(GeometryError, match="takes exactly 2 inputs; got 3"):
        Subtract().merge(((4, 4, 1),) * 3, Tracer())


def test_concatenate_rules() -> None:
    assert Concatenate(axis=1).merge(((4, 8, 3), (6, 8, 3)), Tracer()).output_shape == (10, 8, 3)
    assert Concatenate(axis=-2).merge(((8, 4, 3), (8, 6, 3)), Tracer()).output_shape == (8, 10, 3)
    with pytest.raises(GeometryError, match=r"differ in the height \(1 vs 8\)"):  # no broadcasting
        Concatenate().merge(((1, 1, 3), (8, 8, 5)), Tracer())
    with pytest.raises(GeometryError, match="one rank"):
        Concatenate().merge(((8, 8, 3), (8, 3)), Tracer())
    with pytest.raises(GeometryError, match="the batch axis"):
        Concatenate(axis=0).merge(((8, 8, 3),) * 2, Tracer())
    with pytest.raises(GeometryError, match="not an axis"):
        Concatenate(axis=4).merge(((8, 8, 3),) * 2, Tracer())


def test_mismatched_add_names_the_axis_and_the_projection_shortcut() -> None:
    data = json.loads(json.dumps(BASIC_BLOCK))
    del data["layers"][5]["Conv2D"]["strides"]  # the shortcut no longer halves the map
    with pytest.raises(GeometryError) as exc:
        analyze(_spec(data))
    message = str(exc.value)
    assert "\n" not in message
    assert message.startswith("layer 7 (Add) with inputs (None, 16, 16, 128) from batch_normalization_1 and "
                              "(None, 32, 32, 128) from batch_normalization_2: ")
    assert "differ in the height (16 vs 32)" in message
    assert "a projection shortcut, Conv2D(128, (1, 1), strides=(2, 2)) on the (None, 32, 32, 128) input" in message


def test_projection_shortcut() -> None:
    assert projection_shortcut((56, 56, 64), (56, 56, 256)) == "Conv2D(256, (1, 1)) on the (None, 56, 56, 64) input"
    assert projection_shortcut((28, 28, 512), (56, 56, 256)) == "Conv2D(512, (1, 1), strides=(2, 2)) on the (None, 56, 56, 256) input"
    assert projection_shortcut((15, 15, 8), (8, 8, 16)) == "Conv2D(16, (1, 1), strides=(2, 2)) on the (None, 15, 15, 8) input"
    assert projection_shortcut((16, 16, 8), (16, 8, 8)) is None  # no one stride for both axes
    assert projection_shortcut((16, 8), (8, 8)) is None


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["layers"][7].update(inputs=["batch_normalization_1", "bn_9"]),
     "spec.yaml: layer 7 (Add 'add'): inputs: no layer is named 'bn_9'; expected 'input_layer' or a layer's name"),
    (lambda d: d["layers"][5].update(inputs=["add"]),
     "spec.yaml: layer 5 (Conv2D 'shortcut'): inputs: 'add' is listed after this layer; list each layer after the layers it takes"),
    (lambda d: d["layers"][5].update(inputs=["input_layer", "conv2d"]),
     "spec.yaml: layer 5 (Conv2D 'shortcut'): takes one input, got 2; join tensors with a merge layer (Add, Concatenate, ...) first"),
    (lambda d: d["layers"][7].update(inputs=["batch_normalization_1"]),
     "spec.yaml: layer 6 ('batch_normalization_2') is taken by no layer and is not among the outputs, so Keras would "
     "leave it out of the model; "
     "take it as some layer's input, add it to outputs, or remove it"),
    (lambda d: d.update(outputs=["nope"]), "spec.yaml: outputs: no layer is named 'nope'"),
    (lambda d: d.update(outputs=["add", "add"]), "spec.yaml: outputs: 'add' is listed twice"),
    (lambda d: d.update(outputs=["input_layer"]), "spec.yaml: outputs: 'input_layer' is the model input, not a layer"),
    (lambda d: d.update(outputs=[]), "spec.yaml: outputs: expected a list of layer names (e.g. [conv2d_1, input_layer]). Received: []"),
    (lambda d: d["layers"][7].update(inputs={"a": 1}), "spec.yaml: layer 7: inputs: expected a list of layer names"),
    (lambda d: d["layers"][0]["Conv2D"].update(name="input_layer"),
     "spec.yaml: layer 0 is named 'input_layer', the model input's name; Keras requires unique names"),
    (lambda d: d.update(input_name="a/b"), "spec.yaml: input_name: expected a non-empty one-line name"),
    (lambda d: d.update(output="x"), "spec.yaml: unknown key(s) output; expected: name, input_shape, input_name, layers, outputs"),
])
def test_graph_spec_errors_are_one_line(change, message) -> None:
    data = json.loads(json.dumps(BASIC_BLOCK))
    change(data)
    with pytest.raises(SpecError) as exc:
        _spec(data)
    assert str(exc.value).startswith(message)
    assert "\n" not in str(exc.value)


def test_outputs_and_input_name() -> None:
    data = json.loads(json.dumps(INCEPTION))
    data["input_name"] = "image"
    for entry in data["layers"]:
        if entry.get("inputs"):
            entry["inputs"] = ["image" if n == "input_layer" else n for n in entry["inputs"]]
    data["layers"].append({"GlobalAveragePooling2D": {}, "inputs": ["conv2d"]})
    data["outputs"] = ["concatenate", "global_average_pooling2d"]
    summary = analyze(_spec(data))
    assert summary.output_shapes == ((28, 28, 256), (64,))
    assert summary.output_shape == (28, 28, 256)
    assert "image (InputLayer)" in to_text(summary, derivation=False)
    assert summary.records[1].sources == ("image",)


def test_graph_specs_round_trip() -> None:
    for data in (BASIC_BLOCK, INCEPTION):
        spec = _spec(data)
        assert spec_from_dict(json.loads(json.dumps(spec.to_dict())), "again") == spec
        assert parse_python(keras_source(spec), "again.py") == spec


def test_functional_scripts_give_the_published_totals() -> None:
    resnet = analyze(load_spec(DATA / "resnet50.py"))
    assert resnet.total_params == 25_636_712  # keras.applications.ResNet50
    assert len(resnet.records) == 176 and resnet.output_shape == (1000,)
    assert sum(r.type_name == "Add" for r in resnet.records) == 16
    vgg = analyze(load_spec(DATA / "vgg16.py"))
    assert vgg.total_params == 138_357_544  # keras.applications.VGG16
    mobile = analyze(load_spec(DATA / "mobilenetv2_blocks.py"))
    add = next(r for r in mobile.records if r.name == "block_2_add")
    assert add.sources == ("block_1_project_BN", "block_2_project_BN") and add.output_shape == (56, 56, 24)
    assert mobile.total_params == 17_258


SCRIPT = """import keras
from keras import layers

inputs = keras.Input(shape=(32, 32, 3), name="image")
x = layers.Conv2D(16, 3, padding="same")(inputs)
proj = layers.Conv2D(16, 1)
y = layers.Conv2D(16, 3, padding="same")(x)
s = proj(inputs)
out = layers.Add()([y, s])
model = keras.Model(inputs=inputs, outputs=out, name="tiny")
model.summary()
"""


def test_functional_reader() -> None:
    spec = parse_python(SCRIPT, "net.py")
    assert spec.name == "tiny" and spec.input_name == "image" and spec.input_shape == (32, 32, 3)
    assert [layer.type_name for layer in spec.layers] == ["Conv2D", "Conv2D", "Conv2D", "Add"]
    assert spec.inputs == ((-1,), (0,), (-1,), (1, 2))
    # Keras names a layer when it is created: proj (created second) is conv2d_1, y is conv2d_2
    names = [r.name for r in analyze(spec).records]
    assert names == ["conv2d", "conv2d_2", "conv2d_1", "add"]


def test_functional_reader_leaves_out_what_leads_to_no_output() -> None:
    script = SCRIPT.replace('out = layers.Add()([y, s])', 'unused = layers.Dense(4)(x)\nout = layers.Add()([y, s])')
    spec = parse_python(script, "net.py")
    assert [r.name for r in analyze(spec).records] == ["conv2d", "conv2d_2", "conv2d_1", "add"]
    shifted = parse_python(SCRIPT.replace('x = layers.Conv2D(16, 3, padding="same")(inputs)',
                                          'x = layers.Conv2D(16, 3, padding="same")(inputs)\nz = layers.Conv2D(2, 1)(x)'), "n.py")
    assert [r.name for r in analyze(shifted).records] == ["conv2d", "conv2d_3", "conv2d_2", "add"]


@pytest.mark.parametrize(("edit", "message"), [
    (("out = layers.Add()([y, s])", "out = y + s"),
     "net.py:9: 'y + s' computes with s, y outside a Keras layer, which is not read; use a layer (layers.Add()([x, y]) for x + y)"),
    (("s = proj(inputs)", "s = proj(inputs)\ns2 = proj(x)"),
     "net.py:9: the layer object created as layer 1 is called a second time; shared layers"),
    (("out = layers.Add()([y, s])", "for i in range(2):\n    y = layers.Conv2D(16, 3, padding='same')(y)\nout = layers.Add()([y, s])"),
     "net.py:10: layers.Conv2D(16, 3, padding='same')(...) inside a for loop (line 9)"),
    (("out = layers.Add()([y, s])", "def block(t):\n    return layers.Conv2D(16, 1)(t)\nout = layers.Add()([y, s])"),
     "net.py:10: layers.Conv2D(16, 1)(...) inside the function 'block' (line 9)"),
    (("out = layers.Add()([y, s])", "out = layers.Add()(y)"),
     "net.py:9: Add is called on a list of tensors ([x, y]), not on 'y'"),
    (("y = layers.Conv2D(16, 3, padding=\"same\")(x)", "y = layers.Conv2D(16, 3, padding=\"same\")([x, inputs])"),
     "net.py:7: Conv2D takes one tensor, not a list"),
    (("out = layers.Add()([y, s])", "out = layers.Add()([y, t])"), "net.py:9: 't' is not a tensor built above"),
    (("inputs = keras.Input(shape=(32, 32, 3), name=\"image\")",
      "inputs = keras.Input(shape=(32, 32, 3), name=\"image\")\nother = keras.Input(shape=(4,))"),
     "net.py:5: Input: a second keras.Input (line 4 has the first); models with several inputs are not read"),
    (("model.summary()", "seq = keras.Sequential([layers.Dense(2)])"),
     "net.py: the script builds both keras.Sequential and keras.Model models; keep one kind per file"),
    (("model = keras.Model(inputs=inputs, outputs=out, name=\"tiny\")", "m = 1"), "net.py: no Keras model found (expected model = keras.Sequential(...), model.add(layers.Conv2D(...)) calls or model = keras.Model(inputs, outputs))"),
    (("x = layers.Conv2D(16, 3, padding=\"same\")(inputs)", "x = layers.Conv2D(16, 3, padding=\"same\", input_shape=(3, 3, 1))(inputs)"),
     "net.py:5: layer 0 (Conv2D): input_shape is for Sequential models"),
    (("x = layers.Conv2D(16, 3, padding=\"same\")(inputs)", "x = layers.Conv2D(n, 3)(inputs)"),
     "net.py:5: layer 0 (Conv2D): only literal values"),
    (("if True:\n", ""), None),
])
def test_functional_reader_errors_name_the_line(edit, message) -> None:
    script = SCRIPT.replace(*edit)
    if message is None:  # an edit that does not apply stays valid
        assert parse_python(script, "net.py").name == "tiny"
        return
    with pytest.raises(SpecError) as exc:
        parse_python(script, "net.py")
    assert str(exc.value).startswith(message), str(exc.value)
    assert "\n" not in str(exc.value)


def test_merge_in_a_sequential_model_is_one_line() -> None:
    with pytest.raises(GeometryError, match=r"^layer 1 \(Add\) with input shape \(None, 6, 6, 2\): Add takes a list of tensors"):
        analyze(_spec({"input_shape": [8, 8, 1], "layers": [{"Conv2D": {"filters": 2, "kernel_size": 3}}, {"Add": {}}]}))


def test_explain_cli_on_a_graph(tmp_path: Path) -> None:
    path = tmp_path / "block.json"
    path.write_text(json.dumps(BASIC_BLOCK))
    run = subprocess.run([sys.executable, "-m", "generator", "explain", str(path)], capture_output=True, text=True, check=False)
    assert run.returncode == 0 and "Connected to" in run.stdout and "Total params: 230,912" in run.stdout
    svg = subprocess.run([sys.executable, "-m", "generator", "explain", str(path), "--format", "svg"],
                         capture_output=True, text=True, check=False)
    assert svg.returncode == 2 and svg.stderr.count("\n") == 1 and "functional model with branches" in svg.stderr
    bad = json.loads(json.dumps(BASIC_BLOCK))
    bad["layers"][5]["Conv2D"]["filters"] = 64
    path.write_text(json.dumps(bad))
    run = subprocess.run([sys.executable, "-m", "generator", "explain", str(path)], capture_output=True, text=True, check=False)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "differ in the channels (128 vs 64)" in run.stderr


def test_summary_table_problem_about_a_graph() -> None:
    spec = _spec(BASIC_BLOCK)
    problem = generate(Slot(ProblemType.SUMMARY_TABLE, model=spec, model_ref="block.yaml"), random.Random(0), "advanced", "p1")
    assert problem.table[0] == {"layer": "input_layer (InputLayer)", "output": "(None, 32, 32, 64)", "count": "0", "connected": "-"}
    add = next(row for row in problem.table if row["layer"] == "add (Add)")
    assert add["connected"] == "batch_normalization_1, batch_normalization_2"
    depends = {b.id: b.depends_on for b in problem.blanks}
    assert depends["l7_shape"] == ("l4_shape", "l6_shape") and depends["l5_shape"] == ()
    assert problem.code.startswith("inputs = keras.Input(shape=(32, 32, 64))")
    assert parse_python(problem.code, "code.py") == spec


def test_graph_keys_round_trip_and_match_the_schema() -> None:
    """A key of questions about functional models is written in the documented format (the
    session fixture validates every key written) and read back equal: the spec with its
    inputs and outputs, and the table with its Connected to column."""
    from generator.key import Key, KeyKind, Paper

    problems = tuple(
        generate(Slot(kind, topic=topic, model=_spec(data), model_ref="m.yaml"), random.Random(i), "advanced", f"q{i}")
        for i, (kind, topic, data) in enumerate([
            (ProblemType.SUMMARY_TABLE, None, BASIC_BLOCK), (ProblemType.SUMMARY_TABLE, None, INCEPTION),
            (ProblemType.LAYER_PARAMS, None, INCEPTION), (ProblemType.CONCEPT, "model_cost", BASIC_BLOCK),
            (ProblemType.CONCEPT, "memory", INCEPTION)]))
    key = Key(KeyKind.WORKSHEET, "Graphs", (Paper.shared(problems),), seed=1)
    again = Key.from_json(key.to_json(), "key.json")
    assert again.papers[0].problems == tuple(key.papers[0].problems)
    assert again.papers[0].problems[0].model.is_graph


def test_follow_through_in_a_graph_table() -> None:
    """In a graph's summary table, a layer's blanks depend (for follow-through credit) on the
    layers it takes: the Concatenate on its four branches, each branch's first layer on none
    (it takes the model input), not on the layer listed before it."""
    problem = generate(Slot(ProblemType.SUMMARY_TABLE, model=_spec(INCEPTION), model_ref="i.yaml"),
                       random.Random(0), "advanced", "p1")
    depends = {b.id: b.depends_on for b in problem.blanks}
    assert depends["l7_shape"] == ("l0_shape", "l2_shape", "l4_shape", "l6_shape")
    assert depends["l1_shape"] == () and depends["l3_shape"] == () and depends["l5_shape"] == ()


def test_hostile_graph_specs_fail_in_one_bounded_line() -> None:
    data = json.loads(json.dumps(BASIC_BLOCK))
    data["layers"][7]["inputs"] = ["x" * 5000, "conv2d"]
    with pytest.raises(SpecError) as exc:
        _spec(data)
    assert len(str(exc.value)) < 400 and "\n" not in str(exc.value)
    data["layers"][7]["inputs"] = [["conv2d"], "conv2d"]
    with pytest.raises(SpecError, match="expected a list of layer names"):
        _spec(data)
    data["layers"][7]["inputs"] = ["conv2d"] * 5000
    with pytest.raises(SpecError, match="expected a list of layer names"):
        _spec(data)


def test_a_long_graph_and_a_long_functional_script_are_read() -> None:
    n = 3000
    data = {"input_shape": [8, 8, 4], "layers": [{"Activation": {"activation": "relu", "name": f"a{i}"},
                                                   "inputs": [f"a{i - 1}" if i else "input_layer"]} for i in range(n)]}
    data["layers"].append({"Add": {}, "inputs": ["a0", f"a{n - 1}"]})
    summary = analyze(_spec(data))
    assert len(summary.records) == n + 1 and summary.output_shape == (8, 8, 4)
    script = "inputs = keras.Input(shape=(8, 8, 4))\nx = inputs\n" + "x = layers.ReLU()(x)\n" * n
    script += "x = layers.Add()([x, x])\nmodel = keras.Model(inputs, x)\n"
    spec = parse_python(script, "long.py")
    assert len(spec.layers) == n + 1 and spec.inputs[-1] == (n - 1, n - 1)
