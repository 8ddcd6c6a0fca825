"""The PyTorch engine without torch: its rules, the source reader (and its refusals, one line
each), the spec form, torchinfo's layout and the CLI. ``test_pytorch_torch.py`` checks the same
models against torch itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.engine import analyze
from generator.engine import formulas as F
from generator.engine.model import ModelSpec
from generator.engine.params import TORCH_CONV_PARAMS
from generator.errors import GeometryError, SpecError
from generator.pytorch import (
    BatchNorm2d,
    Conv2d,
    ConvTranspose2d,
    Flatten,
    Linear,
    MaxPool2d,
    View,
)
from generator.pytorch import formulas as TF
from generator.pytorch.source import parse_torch
from generator.pytorch.spec import torch_spec_from_dict
from generator.pytorch.summary import rows, to_markdown, to_text, torch_source
from generator.pytorch.zoo import TORCH_ZOO
from generator.spec import load_spec
from helpers import check_formula_views, cli

DATA = Path(__file__).parent / "data" / "pytorch"
pos = st.integers(1, 40)
small = st.integers(0, 3)

CASES = {
    "torch_slide": (TF.SLIDE, st.fixed_dictionaries({"n": pos, "k": st.integers(1, 7), "s": st.integers(1, 4), "p": small,
                                                     "d": st.integers(1, 3)})),
    "torch_pool_ceil": (TF.POOL_CEIL, st.fixed_dictionaries({"n": st.integers(8, 40), "k": st.integers(2, 5),
                                                             "s": st.integers(1, 4), "p": st.integers(0, 1), "d": st.just(1)})),
    "torch_transpose": (TF.TRANSPOSE, st.fixed_dictionaries({"n": pos, "k": pos, "s": st.integers(1, 4), "p": small,
                                                             "d": st.integers(1, 3), "a": st.integers(0, 1)})),
    "torch_linear_params": (TF.LINEAR_PARAMS, st.fixed_dictionaries({"cin": pos, "u": pos, "b": st.integers(0, 1)})),
    **{f"pytorch_{name}": (formula, st.fixed_dictionaries({**{k: pos for k in keys}, "cin": st.sampled_from([2, 4, 8]),
                                                           "f": st.sampled_from([2, 4, 6]), "g": st.sampled_from([1, 2]),
                                                           "b": st.integers(0, 1)}))
       for name, formula, keys in (("conv1d_params", TORCH_CONV_PARAMS[1], ("k",)),
                                   ("conv_params", TORCH_CONV_PARAMS[2], ("kh", "kw")),
                                   ("conv3d_params", TORCH_CONV_PARAMS[3], ("kd", "kh", "kw")))},
}


def test_every_pytorch_rule_is_covered():
    names = {name for name in F.formulas() if name.startswith(("torch_", "pytorch_")) and not name.startswith("torch_flatten_")}
    assert names == set(CASES)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_pytorch_rules_agree_with_sympy_and_their_worked_forms_evaluate_to_the_value(data):
    check_formula_views(CASES, data)


def test_ceil_mode_drops_a_window_that_would_start_in_the_right_padding():
    # n=5, k=2, s=2, p=1: ceil(5/2) + 1 = 4 windows, but the fourth would start at 6 - 1 = 5 > 4.
    assert TF.POOL_CEIL.value(n=5, k=2, s=2, p=1, d=1) == 3
    work = TF.POOL_CEIL.work(n=5, k=2, s=2, p=1, d=1)
    assert work.text.endswith("+ 1 - 1") and "PyTorch drops it" in work.remark
    assert TF.POOL_CEIL.value(n=7, k=2, s=2, p=0, d=1) == 4 == TF.SLIDE.value(n=7, k=2, s=2, p=0, d=1) + 1


def test_flatten_rule_names_the_axes_channels_first():
    formula = TF.flatten_formula(("C", "H", "W"))
    assert formula.rule_for(formula.work(16, 5, 5)).text == "N = C*H*W"
    assert formula.value(16, 5, 5) == formula.evaluate_sympy(c_=16, h_=5, w_=5) == 400


# ---------------------------------------------------------------- golden models


def test_the_cifar_tutorial_net_read_from_its_source_has_62006_parameters():
    spec = load_spec(DATA / "cifar_tutorial_net.py", (3, 32, 32))
    summary = analyze(spec)
    assert summary.total_params == 62_006
    shapes = {r.name: r.output_shape for r in summary.records}
    assert shapes["conv1"] == (6, 28, 28) and shapes["conv2"] == (16, 10, 10) and shapes["torch.flatten"] == (400,)
    assert [r.params for r in summary.records if r.name.startswith("fc")] == [48_120, 10_164, 850]
    assert spec == TORCH_ZOO["pytorch_cifar_tutorial_net"].spec


def test_torchvision_vgg16_read_from_its_source_has_138357544_parameters():
    spec = load_spec(DATA / "torchvision_vgg16.py", (3, 224, 224))
    summary = analyze(spec)
    assert summary.total_params == 138_357_544 and summary.buffers == 0
    assert summary.records[-1].output_shape == (1000,)
    assert spec == TORCH_ZOO["pytorch_vgg16"].spec


def test_batchnorm_reports_parameters_and_buffers_apart_unlike_keras():
    spec = ModelSpec((3, 8, 8), (Conv2d(3, 16, 3, padding=1, bias=False), BatchNorm2d(16)), framework="pytorch")
    summary = analyze(spec, explain=True)
    bn = summary.records[1]
    assert (bn.trainable, bn.non_trainable, bn.buffers) == (32, 0, 33)
    assert summary.total_params == 3 * 3 * 3 * 16 + 32 and summary.buffers == 33
    texts = [s.text for s in bn.steps]
    assert any("running_mean, running_var, num_batches_tracked" in t and "2*16 + 1 = 33" in t for t in texts)


def test_a_module_called_twice_counts_its_weights_once():
    conv = Conv2d(8, 8, 3, padding=1, name="conv")
    summary = analyze(ModelSpec((8, 6, 6), (conv, conv), framework="pytorch"), explain=True)
    assert [r.params for r in summary.records] == [584, 0]
    assert "counted there" in summary.records[1].steps[-1].text
    assert [row.params for row in rows(summary)][1:] == ["584", "(recursive)"]


# ---------------------------------------------------------------- PyTorch's rules


@pytest.mark.parametrize("layer, shape, expected", [
    (Conv2d(3, 8, 3, padding=1), (3, 32, 32), (8, 32, 32)),
    (Conv2d(3, 8, 3, stride=2, padding=1), (3, 32, 32), (8, 16, 16)),
    (Conv2d(3, 8, (3, 5), padding="same", dilation=2), (3, 10, 11), (8, 10, 11)),
    (Conv2d(3, 8, 3, padding="valid"), (3, 10, 10), (8, 8, 8)),
    (ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1), (8, 16, 16), (4, 32, 32)),
    (MaxPool2d(3, 2, ceil_mode=True), (8, 8, 8), (8, 4, 4)),
    (MaxPool2d(3, 2), (8, 8, 8), (8, 3, 3)),
    (MaxPool2d(2, padding=1, dilation=2), (1, 9, 9), (1, 5, 5)),
    (Flatten(2), (8, 4, 5), (8, 20)),
    (Linear(5, 7), (8, 4, 5), (8, 4, 7)),
    (View(("N", -1)), (16, 5, 5), (400,)),
    (View((-1, 400)), (16, 5, 5), (400,)),
])
def test_output_shapes_follow_pytorchs_rules(layer, shape, expected):
    spec = ModelSpec(shape, (layer,), framework="pytorch")
    assert analyze(spec).records[0].output_shape == expected


@pytest.mark.parametrize("layer, shape, message", [
    (Linear(256, 120), (400,), "mat1 and mat2 shapes cannot be multiplied (Nx400 and 256x120)"),
    (Conv2d(3, 8, 3), (1, 28, 28), "in_channels is 3 but the input [N, 1, 28, 28] has 1 channel "),
    (BatchNorm2d(6), (16, 5, 5), "running_mean should contain 16 elements not 6"),
    (View((-1, 400)), (16, 10, 10), "would make a batch 4 times larger"),
    (View((-1,)), (16, 5, 5), "flattens the batch axis"),
    (Flatten(0, functional=True), (16, 5, 5), "torch.flatten(x) flattens the batch axis too"),
    (Conv2d(3, 8, 5), (3, 4, 4), "would be 0"),
])
def test_what_pytorch_refuses_is_a_one_line_geometry_error(layer, shape, message):
    with pytest.raises(GeometryError) as info:
        analyze(ModelSpec(shape, (layer,), framework="pytorch"))
    assert message in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("entry, message", [
    ({"Conv2d": {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "stride": 2, "padding": "same"}},
     "padding='same' is not supported for strided convolutions"),
    ({"MaxPool2d": {"kernel_size": 2, "padding": 2}}, "pad should be at most half of effective kernel size"),
    ({"ConvTranspose2d": {"in_channels": 2, "out_channels": 2, "kernel_size": 3, "output_padding": 1}},
     "output_padding (1) must be smaller than either stride (1) or dilation (1)"),
    ({"Conv2d": {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "groups": 2}}, "in_channels must be divisible by groups"),
    ({"Conv2d": {"in_channels": 3, "out_channels": 8, "kernel_size": [3, 3, 3]}}, "kernel_size must be an integer or a tuple of 2"),
    ({"Upsample": {}}, "give exactly one of size and scale_factor"),
    ({"Conv2D": {"filters": 3}}, "unknown layer type 'Conv2D'"),
    ({"Linear": {"in_features": 10, "units": 3}}, "unknown argument 'units'"),
])
def test_spec_arguments_pytorch_refuses_are_one_line_spec_errors(entry, message):
    with pytest.raises(SpecError) as info:
        torch_spec_from_dict({"framework": "pytorch", "input_shape": [3, 8, 8], "layers": [entry]}, "net.yaml")
    assert message in str(info.value) and str(info.value).startswith("net.yaml: layer 0")


def test_the_spec_form_round_trips_and_keeps_the_batch_size():
    spec = load_spec(DATA / "torchvision_vgg16.py", (3, 224, 224))
    data = {**spec.to_dict(), "batch_size": 64}
    again = torch_spec_from_dict(data, "vgg.yaml")
    assert again.layers == spec.layers and again.batch_size == 64 and again.input_shape == (3, 224, 224)
    assert "[64, 1000]" in to_text(analyze(again), derivation=False)


@pytest.mark.parametrize("name", ["cifar_tutorial_net.py", "torchvision_vgg16.py"])
def test_generated_pytorch_source_reads_back_to_the_same_model(name):
    spec = load_spec(DATA / name, (3, 224, 224) if "vgg" in name else (3, 32, 32))
    source = "import torch\nfrom torch import nn\nimport torch.nn.functional as F\n\n" + torch_source(spec)
    assert parse_torch(source, "gen.py", spec.input_shape) == spec


def test_nested_sequential_and_init_defaults_and_literal_arithmetic_are_read():
    source = """
import torch.nn as nn
class Net(nn.Module):
    def __init__(self, width=8, classes=10):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, width, 3), nn.Sequential(nn.BatchNorm2d(width), nn.ReLU()))
        self.head = nn.Linear(width * 26 * 26, classes)
    def forward(self, x):
        x = self.body(x)
        x = x.view(x.size(0), -1)
        return self.head(x)
"""
    spec = parse_torch(source, "n.py", (1, 28, 28))
    assert [layer.name for layer in spec.layers] == ["body.0", "body.1.0", "body.1.1", "x.view", "head"]
    summary = analyze(spec)
    assert summary.total_params == 80 + 16 + (8 * 26 * 26 * 10 + 10)
    assert [row.label for row in rows(summary)][:5] == [
        "Net", "├─Sequential: 1-1", "│    └─Conv2d: 2-1", "│    └─Sequential: 2-2", "│    │    └─BatchNorm2d: 3-1"]


def _net(forward: str, init: str = "self.conv = nn.Conv2d(3, 8, 3)") -> str:
    return f"import torch\nimport torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n" \
           f"        {init}\n    def forward(self, x):\n" + "".join(f"        {line}\n" for line in forward.split("; "))


@pytest.mark.parametrize("source, message", [
    (_net("for _ in range(2): x = self.conv(x); return x"), "n.py:8: forward is read only as straight-line"),
    (_net("y = self.conv(x); return x + y"), "combines tensors: residual connections"),
    (_net("x = torch.cat([x, x], 1); return x"), "torch.cat(...) combines tensors"),
    (_net("return self.conv(x)", "self.conv = nn.LSTM(3, 8)"), "n.py:6: 'LSTM' is not a module the reader knows"),
    (_net("return self.fc(x)"), "self.fc is not a module assigned in __init__"),
    (_net("return x", "self.conv = nn.Conv2d(3, 8, 3)"), "self.conv is created in __init__ but never called"),
    (_net("return self.conv(x)", "self.conv = nn.Conv2d(3, 8, size)"), "only literal values and integer arithmetic"),
    (_net("return self.conv(x)", "self.conv = nn.Conv2d(3, 99999999 * 99999999, 3)"), "more than 10^12"),
    (_net("return self.conv(x)", "self.conv = nn.Conv2d(3, 8, 3, **opts)"), "**kwargs cannot be read"),
    ("import torch\nx = 1\n", "no nn.Module subclass and no top-level model = nn.Sequential(...)"),
    ("import torch\nclass A(nn.Module): pass\nclass B(nn.Module): pass\n", "2 nn.Module classes (A, B)"),
    ("import torch\nmodel = nn.Sequential(nn.Conv2d(3, 8, 3), *more)\n", "nn.Sequential(*...) cannot be read"),
    ("import torch\nmodel = nn.Sequential(nn.Linear(" + "[" * 150 + "1" + "]" * 150 + ", 2))\n", "nested more than 100 levels"),
    ("import torch\nmodel = nn.Sequential(nn.Linear(" + "9" * 5000 + ", 2))\n", "more than 4,300 digits"),
])
def test_what_the_reader_does_not_read_is_one_line_naming_the_file(source, message):
    with pytest.raises(SpecError) as info:
        parse_torch(source, "n.py", (3, 8, 8))
    text = str(info.value)
    assert message in text and text.startswith("n.py") and "\n" not in text


def test_the_reader_never_runs_the_source(tmp_path):
    marker = tmp_path / "ran"
    source = f"import torch\nimport os\nos.system('touch {marker}')\nmodel = nn.Sequential(nn.Flatten(), nn.Linear(192, 2))\n"
    spec = parse_torch(source, "m.py", (3, 8, 8))
    assert analyze(spec).total_params == 386 and not marker.exists()
    ast.parse(source)  # valid Python: the marker would exist had it run


# ---------------------------------------------------------------- output and CLI


def test_markdown_escapes_the_tree_and_shows_buffers():
    spec = ModelSpec((3, 8, 8), (Conv2d(3, 4, 3, name="c.0"), BatchNorm2d(4, name="c.1")), "Net", framework="pytorch")
    md = to_markdown(analyze(spec, explain=True))
    assert "| &#124;    └─BatchNorm2d: 2-2 | `[1, 4, 6, 6]` | 8 | 9 |" in md
    assert "- Buffers (not parameters): 9" in md


def test_explain_cli_reads_pytorch_source_with_its_input_shape():
    code, out, err = cli("explain", str(DATA / "cifar_tutorial_net.py"), "--input-shape", "3,32,32")
    assert code == 0, err
    assert "├─Linear: 1-7                            [1, 10]                   850" in out
    assert "Total params: 62,006" in out and "[6] torch.flatten (function), input [1, 16, 5, 5]:" in out


@pytest.mark.parametrize("argv, message", [
    ([str(DATA / "torchvision_vgg16.py")], "PyTorch source carries no input shape; give it channels first"),
    ([str(DATA / "torchvision_vgg16.py"), "--input-shape", "3,x,2"], "--input-shape: the input shape must be C,H,W (channels first, no batch), C,L, C,D,H,W or N. Received: '3,x,2'"),
    ([str(DATA / "torchvision_vgg16.py"), "--input-shape", "3,16,16"], "layer 30 (features.30: MaxPool2d) with input [1, 512, 1, 1]"),
    ([str(DATA / "cifar_tutorial_net.py"), "--input-shape", "3,32,32", "--format", "svg"],
     "the figures draw Keras models"),
    (["examples/seed_mnist.yaml", "--input-shape", "1,28,28"], "an input shape is given for PyTorch models only"),
    (["examples/seed_mnist.py", "--input-shape", "1,28,28"], "an input shape is given for PyTorch models only"),
])
def test_explain_cli_errors_are_one_line_with_exit_code_2(argv, message):
    code, out, err = cli("explain", *argv)
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err
