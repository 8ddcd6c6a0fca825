"""Concept questions about how many weights and operations a design choice saves, each worked
from the engine's counts: a dilated kernel's reach, three 3x3 layers instead of one 7x7,
depthwise-separable convolutions, ResNet's bottleneck, a global-average-pooling head instead of
Flatten -> Dense (VGG16's first dense layer) and parameter sharing (cs231n's AlexNet example).

Ratios are asked as whole numbers, "how many times ... (to the nearest whole number)", with the
exact fraction and its decimal in the step's remark; rounding is ``floor(a/b + 1/2)`` (halves
up), so the worked form evaluates exactly.

Bias conventions, stated in each prompt: the stacked, separable and bottleneck questions use
``use_bias=False`` (the textbook counts 27C² vs 49C² and 1/C_out + 1/k² are weights only;
ResNet's convolutions feed BatchNormalization and have no bias); the dilated, pooling-head and
parameter-sharing questions keep Keras' default bias (VGG16's 102,764,544 and cs231n's 34,944 and
105,705,600 count the biases).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction

from generator.engine import ModelSpec, analyze
from generator.engine.formatting import keras_source, layer_call
from generator.engine.formula import Rule, decimal
from generator.engine.layers import (
    Conv2D,
    Dense,
    Flatten,
    GlobalAveragePooling2D,
    Padding,
    SeparableConv2D,
    shape_str,
)
from generator.engine.model import LayerRecord
from generator.engine.steps import Quantity
from generator.key import Blank, Derive, Problem, ProblemType, SolutionPart, WorkedStep
from generator.key.parts import Wording
from generator.problems.base import blank, make_problem, param_steps, part, rule_step, step
from generator.sampler import Difficulty
from generator.wording import wording

Maker = Callable[[random.Random, Difficulty, str], Problem]

KERAS_BUILD_LIMIT = 200_000_000
"""The most parameters a blank's own model may have for :mod:`generator.verify` to build it in
Keras (800 MB of float32 weights): a larger comparison layer (cs231n's fully connected
alternative to AlexNet's conv1 has 44.9 billion) is counted by the engine only."""


def nearest(a: int, b: int) -> int:
    """``a/b`` to the nearest whole number, halves up: ``floor(a/b + 1/2)``.

    >>> nearest(144, 17), nearest(5, 2), nearest(7, 3)
    (8, 3, 2)
    """
    return (2 * a + b) // (2 * b)


def exact(a: int, b: int) -> str:
    """``a/b`` as a fraction in lowest terms and as a calculator shows it.

    >>> exact(102764544, 2101248), exact(36, 12), exact(49, 27)
    ('102,764,544/2,101,248 = 8,363/171 ≈ 48.91', '36/12 = 3', '49/27 ≈ 1.81')
    """
    f = Fraction(a, b)
    lowest = "" if (f.numerator, f.denominator) == (a, b) or f.denominator == 1 else f" = {f.numerator:,}/{f.denominator:,}"
    return f"{a:,}/{b:,}{lowest} {decimal(a, b)}"


def ratio_step(label: str, rule: Rule, a: int, b: int, remark: str) -> WorkedStep:
    """``R = floor(a/b + 1/2)`` worked, with the exact fraction before ``remark``."""
    value = nearest(a, b)
    return rule_step(Quantity.RATIO, label, rule, f"floor({a}/{b} + 1/2)",
                     rf"\left\lfloor \frac{{{a}}}{{{b}}} + \frac{{1}}{{2}} \right\rfloor", value,
                     f"{exact(a, b)}, to the nearest whole number {value}" + (f"; {remark}" if remark else ""))


def _ratio_rule(top: str, top_latex: str, bottom: str, bottom_latex: str) -> Rule:
    return Rule(f"R = floor(P_{top}/P_{bottom} + 1/2)",
                rf"R = \left\lfloor \frac{{P_{{\mathrm{{{top_latex}}}}}}}{{P_{{\mathrm{{{bottom_latex}}}}}}} + \frac{{1}}{{2}} \right\rfloor",
                ("R", "P"))


def _ratio_distractors(a: int, b: int, named: list[tuple[int, str]]) -> list[tuple[int, str]]:
    truncated = [(a // b, "cut the decimals off instead of rounding")] if a // b != nearest(a, b) else []
    return [*truncated, *named]


def _problem(pid: str, level: Difficulty, words: Wording, blanks: list[Blank], model: ModelSpec,
             variant: str, code: str = "", solution: list[SolutionPart] | None = None) -> Problem:
    return replace(make_problem(pid, ProblemType.CONCEPT, level, words, blanks, model, solution, code), variant=variant)


def _own_model(b: Blank, spec: ModelSpec, layer: int, unchecked: str = "") -> Blank:
    """``b`` asking for the parameters of ``spec``'s ``layer`` (its own model, which
    verification builds in Keras); when ``spec`` is too large to build
    (:data:`KERAS_BUILD_LIMIT`), no model and the field ``unchecked``, which verification does
    not know."""
    if unchecked and analyze(spec).total_params > KERAS_BUILD_LIMIT:
        return replace(b, field=unchecked)
    return replace(b, model=spec, layer=layer, field="params")


# ---------------------------------------------------------------- a dilated kernel's reach

_K_EFF = Rule("k_eff = d(k - 1) + 1", r"k_{\mathrm{eff}} = d(k - 1) + 1", ("k_eff", "d", "k"))
_VALID_EFF = Rule("o = n - k_eff + 1", r"o = n - k_{\mathrm{eff}} + 1", ("o", "n", "k_eff"))


def effective_kernel(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """A dilated Conv2D's effective kernel size ``d(k - 1) + 1`` and (above intro) its output
    size with padding 'valid', stride 1."""
    k = 3 if level is Difficulty.INTRO else rng.choice((3, 3, 5))
    d = 2 if level is Difficulty.INTRO else rng.choice((2, 3, 4))
    n = rng.choice([n for n in (16, 28, 32, 64) if n > d * (k - 1) + 3])  # the window fits with room to spare
    c = rng.choice((1, 3, 16))
    layer = Conv2D(rng.choice((16, 32, 64)), (k, k), dilation_rate=(d, d))
    summary = analyze(ModelSpec((n, n, c), (layer,), pid), explain=True)
    record = summary.records[0]
    window = layer.window()
    assert window is not None
    ke = window[0][0]
    ke_step = rule_step(Quantity.KERNEL_SIZE, "effective kernel size", _K_EFF, f"{d}*({k} - 1) + 1",
                        rf"{d} \cdot ({k} - 1) + 1", ke,
                        f"the {k} taps are {d} pixels apart, so {k} - 1 = {k - 1} steps of {d} span {d * (k - 1)} pixels "
                        f"beyond the first; the kernel still has {k}·{k} = {k * k} weights per channel")
    blanks = [blank("k_eff", "Effective kernel size (input pixels one window spans)", "int", ke, [ke_step],
                    distractors=[(d * k, "multiplied the kernel size by the dilation"),
                                 (k + d, "added the dilation to the kernel size"),
                                 ((d - 1) * (k - 1) + 1, "took the gap d - 1 as the spacing (the taps are d apart)"),
                                 (k, "ignored the dilation")],
                    field="kernel_size")]
    if level is not Difficulty.INTRO:
        o = record.output_shape[0]
        o_step = rule_step(Quantity.OUTPUT_HEIGHT_WIDTH, "output height = width", _VALID_EFF, f"{n} - {ke} + 1",
                           f"{n} - {ke} + 1", o, f"'valid', stride 1: the {ke}-pixel window fits at {o} positions")
        blanks.append(blank("output", "Output height (= width)", "int", o, [ke_step, o_step], layer=0,
                            field="output_height_width",
                            distractors=[(n - k + 1, "used the kernel size, not the effective kernel size"),
                                         (n - d * k + 1, "took d·k as the effective kernel size"),
                                         (n - ke, "forgot the + 1 (the first position)")]))
    words = wording("ratios", "effective_kernel", call=layer_call(layer), input=shape_str((n, n, c)), side=n,
                    channels=c, kernel=k, dilation=d, output=level is not Difficulty.INTRO)
    # the output's steps repeat k_eff (for feedback); the key shows it once
    solution = [part(b.label, b.steps[-1:]) for b in blanks] if len(blanks) > 1 else None
    return _problem(pid, level, words, blanks, summary.spec, "effective_kernel", solution=solution)


# ---------------------------------------------------------------- three 3x3 layers or one 7x7

_STACK_RF = Rule("r = 1 + L(k - 1)", r"r = 1 + L(k - 1)", ("r", "L", "k"))
_STACK_P = Rule("P = L*k^2*C^2", r"P = L \cdot k^2 \cdot C^2", ("P", "L", "k", "C"))


def stacked_kernels(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """``L`` stacked 3x3, stride-1 convolutions, C channels in and out, no bias: their receptive
    field ``1 + L(k - 1)`` and weights ``L k² C²``, against one ``r x r`` layer's ``r² C²``
    (three 3x3 layers: 7x7, 27C² instead of 49C²)."""
    n_layers = 2 if level is Difficulty.INTRO else rng.choice((2, 3))
    k, c, side = 3, rng.choice((16, 32, 64, 128, 256)), rng.choice((14, 28, 56))
    conv = Conv2D(c, (k, k), padding=Padding.SAME, use_bias=False)
    summary = analyze(ModelSpec((side, side, c), (conv,) * n_layers, pid), explain=True)
    rf = summary.records[-1].receptive_field
    assert rf is not None
    r = rf.size[0]
    big = ModelSpec((side, side, c), (Conv2D(c, (r, r), padding=Padding.SAME, use_bias=False),), pid)
    big_summary = analyze(big, explain=True)
    stack_p, big_p = summary.total_params, big_summary.total_params
    rf_step = rule_step(Quantity.RECEPTIVE_FIELD, "receptive field", _STACK_RF, f"1 + {n_layers}*({k} - 1)",
                        rf"1 + {n_layers} \cdot ({k} - 1)", r,
                        f"one pixel, and each stride-1 layer adds k - 1 = {k - 1} pixels to what one output sees")
    stack_steps = [*param_steps(summary.records[0]),
                   rule_step(Quantity.TOTAL_PARAMS, "weights of the stack", _STACK_P, f"{n_layers}*{k}*{k}*{c}*{c}",
                             rf"{n_layers} \cdot {k}^2 \cdot {c}^2", stack_p,
                             f"{n_layers} layers of {k}·{k}·C·C: {n_layers * k * k}C² with C = {c}")]
    big_steps = [step(Quantity.NOTE, f"One layer that sees {r}x{r} pixels needs a {r}x{r} kernel (stride 1)."),
                 *param_steps(big_summary.records[0]),
                 step(Quantity.NOTE, f"{r}·{r} = {r * r}C² against {n_layers * k * k}C²: the stack needs "
                                     f"{exact(stack_p, big_p)} of the weights; with an activation after each layer it also has "
                                     f"{n_layers} nonlinearities where the single layer has one.")]
    blanks = [
        blank("rf", "Receptive field of the stack (pixels)", "int", r, [rf_step], field="receptive_field",
              distractors=[(n_layers * k, "added the kernel sizes (each layer adds k - 1, not k)"),
                           (k**n_layers, "multiplied the kernel sizes"),
                           (n_layers * (k - 1), "forgot the pixel the field starts from (+ 1)")]),
        blank("stack", "Weights of the stack", "int", stack_p, stack_steps, field="total_params",
              distractors=[(n_layers * k * k * c, "forgot that each layer has C filters"),
                           (stack_p + n_layers * c, "added biases although use_bias=False"),
                           (k * k * c * c, "counted one layer only"),
                           (n_layers * k * c * c, "took k, not k·k, weights per channel")]),
        _own_model(blank("single", "Weights of the single layer", "int", big_p, big_steps,
                         distractors=[(r * c * c, "took r, not r·r, weights per channel"),
                                      (r * r * c, "forgot that the layer has C filters"),
                                      ((n_layers * k) ** 2 * c * c, "took the receptive field as L·k")]), big, 0),
    ]
    words = wording("ratios", "stacked_kernels", call=layer_call(conv), input=shape_str((side, side, c)), layers=n_layers,
                    kernel=k, channels=c, side=side)
    return _problem(pid, level, words, blanks, summary.spec, "stacked_kernels")


# ---------------------------------------------------------------- depthwise-separable convolution

_MACS_STD = Rule("MACs = H_out*W_out*(k_h*k_w*C_in)*C_out",
                 r"\mathrm{MACs} = H_{\mathrm{out}} \cdot W_{\mathrm{out}} \cdot (k_h \cdot k_w \cdot C_{\mathrm{in}}) \cdot C_{\mathrm{out}}",
                 ("MACs", "H_out", "W_out", "k_h", "k_w", "C_in", "C_out"))
_MACS_SEP = Rule("MACs = H_out*W_out*(k_h*k_w*C_in + C_in*C_out)",
                 r"\mathrm{MACs} = H_{\mathrm{out}} \cdot W_{\mathrm{out}} \cdot (k_h \cdot k_w \cdot C_{\mathrm{in}} + C_{\mathrm{in}} \cdot C_{\mathrm{out}})",
                 ("MACs", "H_out", "W_out", "k_h", "k_w", "C_in", "C_out"))
_SEP_RATIO = _ratio_rule("standard", "standard", "separable", "separable")


def separable_savings(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """Conv2D against SeparableConv2D (k x k, 'same', no bias) on an H x W x C_in input:
    parameters of each, (above intro) multiply-adds of each, and how many times fewer
    parameters the separable layer has (exactly 1/(1/C_out + 1/k²) without biases)."""
    k = 3 if level is not Difficulty.ADVANCED else rng.choice((3, 5))
    side, cin, f = rng.choice((14, 28, 32, 56)), rng.choice((16, 32, 64, 128)), rng.choice((32, 64, 128, 256))
    sep = SeparableConv2D(f, (k, k), padding=Padding.SAME, use_bias=False)
    std = Conv2D(f, (k, k), padding=Padding.SAME, use_bias=False)
    sep_summary = analyze(ModelSpec((side, side, cin), (sep,), pid), explain=True)
    std_spec = ModelSpec((side, side, cin), (std,), pid)
    std_summary = analyze(std_spec, explain=True)
    s, t = sep_summary.records[0], std_summary.records[0]
    ho, wo, _ = s.output_shape
    textbook = Fraction(1, f) + Fraction(1, k * k)
    assert Fraction(s.params, t.params) == textbook  # no biases: the textbook ratio is exact
    blanks = [
        _own_model(blank("standard", "Parameters of the Conv2D", "int", t.params, param_steps(t),
                         distractors=[(k * k * f, "forgot the input channels (each filter spans all C_in)"),
                                      (t.params + f, "added biases although use_bias=False"),
                                      (s.params, "gave the separable layer's count")]), std_spec, 0),
        blank("separable", "Parameters of the SeparableConv2D", "int", s.params, param_steps(s), layer=0, field="params",
              distractors=[(k * k * cin + f, "took one pointwise weight per filter (each filter has C_in)"),
                           (k * k + cin * f, "shared one depthwise kernel among all channels"),
                           (k * k * cin * f + cin * f, "gave every filter its own depthwise kernels")]),
    ]
    if level is not Difficulty.INTRO:
        positions = f"each of the {ho}·{wo} = {ho * wo:,} output positions uses every weight once"
        blanks += [
            blank("standard_macs", "Multiply-adds of the Conv2D", "int", t.macs, [rule_step(
                Quantity.MACS, "multiply-adds (Conv2D)", _MACS_STD, f"{ho}*{wo}*({k}*{k}*{cin})*{f}",
                rf"{ho} \cdot {wo} \cdot ({k} \cdot {k} \cdot {cin}) \cdot {f}", t.macs, positions)], field="macs",
                distractors=[(t.params, "counted the weights, not the operations"),
                             (ho * wo * k * k * f, "forgot the input channels")]),
            blank("separable_macs", "Multiply-adds of the SeparableConv2D", "int", s.macs, [rule_step(
                Quantity.MACS, "multiply-adds (SeparableConv2D)", _MACS_SEP, f"{ho}*{wo}*({k}*{k}*{cin} + {cin}*{f})",
                rf"{ho} \cdot {wo} \cdot ({k} \cdot {k} \cdot {cin} + {cin} \cdot {f})", s.macs,
                f"depthwise {ho * wo * k * k * cin:,} + pointwise {ho * wo * cin * f:,}; {positions}")], field="macs",
                distractors=[(s.params, "counted the weights, not the operations"),
                             (ho * wo * k * k * cin, "forgot the pointwise (1x1) step"),
                             (ho * wo * cin * f, "forgot the depthwise step")]),
        ]
    remark = (f"the textbook form: P_separable/P_standard = 1/C_out + 1/k² = 1/{f} + 1/{k * k} = "
              f"{textbook.numerator}/{textbook.denominator}, the same fraction upside down, exactly, because the biases "
              "are left out; the multiply-adds shrink by the same factor (each weight is used once per output position)")
    blanks.append(blank("ratio", "How many times fewer parameters has the SeparableConv2D (nearest whole number)?", "int",
                        nearest(t.params, s.params), [ratio_step("ratio", _SEP_RATIO, t.params, s.params, remark)],
                        field="ratio", depends_on=("standard", "separable"), derive=Derive.RATIO,
                        distractors=_ratio_distractors(t.params, s.params, [
                            (k * k, "compared with the pointwise (1x1) step alone (forgot the depthwise step)"),
                            (f, "compared with the depthwise step alone (forgot the pointwise step)")])))
    words = wording("ratios", "separable_savings", standard=layer_call(std), separable=layer_call(sep),
                    input=shape_str((side, side, cin)), side=side, channels=cin, filters=f, kernel=k,
                    macs=level is not Difficulty.INTRO)
    return _problem(pid, level, words, blanks, sep_summary.spec, "separable_savings")


# ---------------------------------------------------------------- ResNet's bottleneck

_SUM3 = Rule("P = P_1 + P_2 + P_3", r"P = P_1 + P_2 + P_3", ("P",))
_BOTTLENECK_RATIO = _ratio_rule("plain", "plain", "bottleneck", "bottleneck")


def bottleneck(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """A ResNet bottleneck (1x1 to C/r, 3x3 at C/r, 1x1 back to C; no bias) against one plain
    3x3 C -> C convolution: parameters of each and how many times more the plain one has."""
    c = rng.choice((64, 128, 256, 512))
    reduce = rng.choice((2, 4)) if level is Difficulty.ADVANCED else 4
    mid, side = c // reduce, rng.choice((14, 28, 56))
    block = (Conv2D(mid, (1, 1), use_bias=False), Conv2D(mid, (3, 3), padding=Padding.SAME, use_bias=False),
             Conv2D(c, (1, 1), use_bias=False))
    summary = analyze(ModelSpec((side, side, c), block, pid), explain=True)
    plain = ModelSpec((side, side, c), (Conv2D(c, (3, 3), padding=Padding.SAME, use_bias=False),), pid)
    p_rec = analyze(plain, explain=True).records[0]
    parts = [r.params for r in summary.records]
    total = summary.total_params
    block_steps = [*(s for r in summary.records for s in _labelled(r)),
                   rule_step(Quantity.TOTAL_PARAMS, "parameters of the block", _SUM3, " + ".join(map(str, parts)),
                             " + ".join(map(str, parts)), total, "the three layers' counts added up")]
    remark = (f"the block has C²/{reduce} + 9C²/{reduce * reduce} + C²/{reduce} = (2·{reduce} + 9)C²/{reduce * reduce} "
              f"weights, so 9C² ÷ (2·{reduce} + 9)C²/{reduce * reduce} = 9·{reduce * reduce}/(2·{reduce} + 9) "
              f"= {exact(9 * reduce * reduce, 2 * reduce + 9)}, whatever C is")
    blanks = [
        blank("block", "Parameters of the bottleneck block", "int", total, block_steps, field="total_params",
              distractors=[(parts[1], "counted only the 3x3 layer"),
                           (parts[0] + parts[1], "forgot the 1x1 layer that expands back to C"),
                           (3 * mid * mid + 9 * mid * mid, "gave the 1x1 layers C/r inputs and outputs (they map C to C/r and back)"),
                           (total + 2 * mid + c, "added biases although use_bias=False")]),
        _own_model(blank("plain", "Parameters of the plain 3x3 layer", "int", p_rec.params, param_steps(p_rec),
                         distractors=[(9 * c, "forgot the input channels (each filter spans all C)"),
                                      (p_rec.params + c, "added biases although use_bias=False")]), plain, 0),
        blank("ratio", "How many times more parameters has the plain layer (nearest whole number)?", "int",
              nearest(p_rec.params, total), [ratio_step("ratio", _BOTTLENECK_RATIO, p_rec.params, total, remark)],
              field="ratio", depends_on=("plain", "block"), derive=Derive.RATIO,
              distractors=_ratio_distractors(p_rec.params, total, [
                  (reduce, "took the reduction factor r as the saving"),
                  (reduce * reduce, "took the 3x3 layer's own saving r² (forgot the two 1x1 layers)")])),
    ]
    spec = summary.spec
    words = wording("ratios", "bottleneck", input=shape_str((side, side, c)), plain=layer_call(plain.layers[0]),
                    channels=c, middle=mid, reduction=reduce, side=side)
    return _problem(pid, level, words, blanks, spec, "bottleneck", code=keras_source(spec))


def _labelled(record: LayerRecord) -> list[WorkedStep]:
    """A layer's parameter steps, labelled with its number (``layer 2 parameters``)."""
    return [replace(s, label=f"layer {record.index + 1} {s.label}", text=f"layer {record.index + 1} {s.text}")
            for s in param_steps(record)]


# ---------------------------------------------------------------- global average pooling head

_HEAD_RATIO = _ratio_rule("Flatten", "Flatten", "GAP", "GAP")
VGG16 = (7, 512, 4096)
"""VGG16's last feature map (7 x 7 x 512) and first dense layer (4096 units)."""


def gap_head(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """Flatten -> Dense(N) against GlobalAveragePooling2D -> Dense(N) on an H x W x C feature
    map (biases included): the Dense layer's parameters in each, and (above intro) how many
    times more the Flatten head has. One draw in four is VGG16's (102,764,544 parameters)."""
    if rng.random() < 0.25:
        side, c, units = VGG16
    else:
        side, c, units = rng.choice((4, 5, 6, 7, 8)), rng.choice((64, 128, 256, 512)), rng.choice((10, 100, 128, 256))
    shape = (side, side, c)
    gap = analyze(ModelSpec(shape, (GlobalAveragePooling2D(), Dense(units)), pid), explain=True)
    flat_spec = ModelSpec(shape, (Flatten(), Dense(units)), pid)
    flat = analyze(flat_spec, explain=True)
    p_flat, p_gap = flat.records[1].params, gap.records[1].params
    blanks = [
        _own_model(blank("flatten", "Parameters of the Flatten head's Dense layer", "int", p_flat,
                         [*_size_steps(flat.records[0]), *param_steps(flat.records[1])],
                         distractors=[(side * side * c * units, "forgot the biases"),
                                      (c * units + units, "gave the pooling head's count (Flatten keeps all H·W·C values)"),
                                      (side * side * c + units, "added the inputs and units instead of multiplying")]),
                   flat_spec, 1, "flatten_head_params"),
        blank("gap", "Parameters of the pooling head's Dense layer", "int", p_gap,
              [*_size_steps(gap.records[0]), *param_steps(gap.records[1])], layer=1, field="params",
              distractors=[(c * units, "forgot the biases"),
                           (p_flat, "gave the Flatten head's count (pooling leaves one value per channel)")]),
    ]
    if level is not Difficulty.INTRO:
        blanks.append(blank(
            "ratio", "How many times more parameters has the Flatten head (nearest whole number)?", "int",
            nearest(p_flat, p_gap), [ratio_step("ratio", _HEAD_RATIO, p_flat, p_gap,
                                                f"N_out cancels: (H·W·C + 1)/(C + 1), a little under H·W = {side * side}")],
            field="ratio", depends_on=("flatten", "gap"), derive=Derive.RATIO,
            distractors=_ratio_distractors(p_flat, p_gap, [
                (side * side, "compared the weights only (H·W): the biases, N in each head, make it (H·W·C + 1)/(C + 1)")])))
    words = wording("ratios", "gap_head", input=shape_str(shape), side=side, channels=c, units=units,
                    vgg=(side, c, units) == VGG16, ratio=level is not Difficulty.INTRO)
    return _problem(pid, level, words, blanks, gap.spec, "gap_head")


def _size_steps(record: LayerRecord) -> list[WorkedStep]:
    """The engine's steps for the size a Flatten or a global pooling gives the Dense layer."""
    return [WorkedStep.of(s) for s in record.steps if s.quantity is Quantity.OUTPUT_SIZE]


# ---------------------------------------------------------------- parameter sharing

_LOCAL = Rule("P = H_out*W_out*C_out*(k_h*k_w*C_in + 1)",
              r"P = H_{\mathrm{out}} \cdot W_{\mathrm{out}} \cdot C_{\mathrm{out}} \cdot (k_h \cdot k_w \cdot C_{\mathrm{in}} + 1)",
              ("P", "H_out", "W_out", "C_out", "k_h", "k_w", "C_in"))
ALEXNET_CONV1 = (227, 3, 96, 11, 4)
"""AlexNet's first layer as cs231n describes it: a 227 x 227 x 3 image, 96 filters of 11 x 11,
stride 4 (55 x 55 x 96 out)."""


def parameter_sharing(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """A Conv2D (bias included) against the same map without parameter sharing and without
    local connectivity: the convolution's parameters ``k_h k_w C_in C_out + C_out``; a locally
    connected layer's, where each of the ``H_out W_out C_out`` output values has its own
    ``k_h k_w C_in`` weights and bias (cs231n's 105,705,600 for AlexNet's conv1); and (above
    intro) a Dense layer's from the flattened input to every output value,
    ``(H W C_in)(H_out W_out C_out) + H_out W_out C_out``. One draw in four is AlexNet's."""
    if rng.random() < 0.25:
        n, cin, f, k, s = ALEXNET_CONV1
    else:
        n, cin, f = rng.randint(8, 16), rng.choice((1, 3)), rng.choice((4, 8, 16))
        k, s = rng.choice(((3, 1), (3, 2), (5, 1), (5, 2)))
    conv = Conv2D(f, (k, k), (s, s))
    summary = analyze(ModelSpec((n, n, cin), (conv,), pid), explain=True)
    rec = summary.records[0]
    ho, wo, _ = rec.output_shape
    neurons, per = ho * wo * f, k * k * cin
    local = ho * wo * rec.params
    local_step = rule_step(Quantity.PARAMS, "parameters without sharing", _LOCAL, f"{ho}*{wo}*{f}*({k}*{k}*{cin} + 1)",
                           rf"{ho} \cdot {wo} \cdot {f} \cdot ({k} \cdot {k} \cdot {cin} + 1)", local,
                           f"{neurons:,} output values, each with its own {per:,} weights and 1 bias: "
                           f"H_out·W_out = {ho * wo:,} copies of the convolution's {rec.params:,} parameters")
    blanks = [
        blank("conv", "Parameters of the Conv2D", "int", rec.params, param_steps(rec), layer=0, field="params",
              distractors=[(per * f, "forgot the biases"), (k * k * f + f, "forgot the input channels"),
                           (per + 1, "counted one filter only")]),
        blank("local", "Parameters without parameter sharing (each output value its own weights and bias)", "int",
              local, [local_step], field="locally_connected_params",
              distractors=[(neurons * per, "forgot the biases (one per output value)"),
                           (n * n * rec.params, "used the input's positions, not the output's"),
                           (neurons * per + f, "kept one bias per filter (the biases are not shared either)")]),
    ]
    if level is not Difficulty.INTRO:
        dense_spec = ModelSpec((n, n, cin), (Flatten(), Dense(neurons)), pid)
        dense = analyze(dense_spec, explain=True)
        blanks.append(_own_model(blank(
            "dense", "Parameters of a Dense layer from the flattened input to every output value", "int",
            dense.total_params, [*_size_steps(dense.records[0]), *param_steps(dense.records[1])],
            distractors=[(n * n * cin * neurons, "forgot the biases"),
                         (local, "kept the local windows (that is the count without sharing)"),
                         (n * n * cin * f + f, "connected to C_out units instead of every output value")]),
            dense_spec, 1, "dense_params"))
    words = wording("ratios", "parameter_sharing", call=layer_call(conv), input=shape_str((n, n, cin)),
                    output=shape_str(rec.output_shape), side=n, channels=cin, filters=f, kernel=k, stride=s,
                    dense=level is not Difficulty.INTRO, alexnet=(n, cin, f, k, s) == ALEXNET_CONV1)
    return _problem(pid, level, words, blanks, summary.spec, "parameter_sharing")


RATIOS: dict[str, Maker] = {
    "effective_kernel": effective_kernel,
    "stacked_kernels": stacked_kernels,
    "separable_savings": separable_savings,
    "bottleneck": bottleneck,
    "gap_head": gap_head,
    "parameter_sharing": parameter_sharing,
}
"""The six questions by variant: ``RATIOS[variant](rng, level, pid) -> Problem``."""
