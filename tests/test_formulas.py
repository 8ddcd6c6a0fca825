"""The integer evaluators agree with the sympy expressions, and worked forms evaluate to the
value they claim."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.engine import cost
from generator.engine import formulas as F
from helpers import check_formula_views

pos = st.integers(1, 40)


CASES = {
    "conv_valid": (F.CONV_VALID, st.fixed_dictionaries({"n": pos, "k": pos, "s": pos, "d": st.integers(1, 4)})),
    "same": (F.CONV_SAME, st.fixed_dictionaries({"n": pos, "s": pos})),
    "pool_valid": (F.POOL_VALID, st.fixed_dictionaries({"n": pos, "k": pos, "s": pos})),
    "conv_transpose": (F.DECONV, st.fixed_dictionaries(
        {"n": pos, "k": pos, "s": pos, "d": st.integers(1, 3), "same": st.integers(0, 1), "op": st.integers(-1, 3)})),
    "zero_padding": (F.ZERO_PAD, st.fixed_dictionaries({"n": pos, "a": pos, "b": pos})),
    "cropping": (F.CROP, st.fixed_dictionaries({"n": pos, "a": pos, "b": pos})),
    "upsampling": (F.UPSAMPLE, st.fixed_dictionaries({"n": pos, "u": pos})),
    "flatten": (F.FLATTEN, st.fixed_dictionaries({"h": pos, "w": pos, "c": pos})),
    "conv_params": (F.CONV_PARAMS, st.fixed_dictionaries(
        {"kh": pos, "kw": pos, "cin": st.sampled_from([2, 4, 8]), "f": st.sampled_from([2, 4, 6]), "g": st.sampled_from([1, 2]), "b": st.integers(0, 1)})),
    "flatten_tc": (F.FLATTEN_1D, st.fixed_dictionaries({"t": pos, "c": pos})),
    "flatten_dhwc": (F.FLATTEN_3D, st.fixed_dictionaries({"d": pos, "h": pos, "w": pos, "c": pos})),
    "conv1d_params": (F.CONV1D_PARAMS, st.fixed_dictionaries(
        {"k": pos, "cin": st.sampled_from([2, 4, 8]), "f": st.sampled_from([2, 4, 6]), "g": st.sampled_from([1, 2]), "b": st.integers(0, 1)})),
    "conv3d_params": (F.CONV3D_PARAMS, st.fixed_dictionaries(
        {"kd": pos, "kh": pos, "kw": pos, "cin": st.sampled_from([2, 4, 8]), "f": st.sampled_from([2, 4, 6]),
         "g": st.sampled_from([1, 2]), "b": st.integers(0, 1)})),
    "depthwise_params": (F.DEPTHWISE_PARAMS, st.fixed_dictionaries({"kh": pos, "kw": pos, "cin": pos, "m": pos, "b": st.integers(0, 1)})),
    "separable_params": (F.SEPARABLE_PARAMS, st.fixed_dictionaries({"kh": pos, "kw": pos, "cin": pos, "m": pos, "f": pos, "b": st.integers(0, 1)})),
    "depthwise1d_params": (F.DEPTHWISE1D_PARAMS, st.fixed_dictionaries({"k": pos, "cin": pos, "m": pos, "b": st.integers(0, 1)})),
    "separable1d_params": (F.SEPARABLE1D_PARAMS, st.fixed_dictionaries(
        {"k": pos, "cin": pos, "m": pos, "f": pos, "b": st.integers(0, 1)})),
    "dense_params": (F.DENSE_PARAMS, st.fixed_dictionaries({"cin": pos, "u": pos, "b": st.integers(0, 1)})),
    "per_channel": (F.PER_CHANNEL, st.fixed_dictionaries({"c": pos, "n": st.integers(0, 2)})),
    "macs": (F.MACS, st.fixed_dictionaries({"h": pos, "w": pos, "k": pos, "f": pos})),
}


def test_every_formula_is_covered():
    keras = {name for name in F.formulas() if not name.startswith(("torch_", "pytorch_"))}  # PyTorch's: test_pytorch.py
    assert set(CASES) == keras - {f.name for f in cost.FORMULAS}  # cost's: test_cost.py


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_integer_evaluator_equals_sympy_and_worked_form(data):
    check_formula_views(CASES, data)


def test_latex_comes_from_sympy():
    assert r"\left\lfloor" in F.CONV_VALID.latex()
    assert r"\left\lceil" in F.CONV_SAME.latex()


def test_floor_and_ceil_are_always_written_and_explained_when_they_matter():
    exact, dropped = F.CONV_VALID.work(n=28, k=3, s=1, d=1), F.CONV_VALID.work(n=27, k=4, s=2, d=1)
    assert exact.text == "floor((28 + 2*0 - 3)/1) + 1" and exact.remark == ""
    assert dropped.text == "floor((27 + 2*0 - 4)/2) + 1"
    assert dropped.remark.startswith("23/2 = 11.5: after its first position the window fits 11 more times")
    assert dropped.remark.endswith("floor → 11 + 1 = 12")
    assert F.POOL_VALID.work(n=11, k=2, s=2).text == "floor((11 + 2*0 - 2)/2) + 1"
    assert F.CONV_VALID.work(n=28, k=3, s=1, d=2).text == "floor((28 + 2*0 - 2*(3 - 1) - 1)/1) + 1"
    assert F.CONV_SAME.work(n=32, s=1).text == "ceil(32/1)" and F.CONV_SAME.work(n=32, s=1).remark == ""
    assert F.CONV_SAME.work(n=9, s=2).remark.endswith("ceil → 5")


def test_transposed_convolution_is_worked_in_the_textbook_form():
    work = F.DECONV.work(n=56, k=3, s=2, d=1, same=0, op=-1)
    assert work.rule is not None and work.rule.text == "o = (n - 1)s + k - 2p + a"
    assert work.text == "(56 - 1)*2 + 3 - 2*0 + max(2 - 3, 0)"
    assert "'valid': p = 0" in work.remark
