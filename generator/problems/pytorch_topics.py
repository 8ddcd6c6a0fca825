"""The concept questions PyTorch courses ask (``topic:`` in a ``framework: pytorch`` worksheet):
what ``in_features`` the first nn.Linear must be (the classic "mat1 and mat2 shapes cannot be
multiplied"), which integer ``padding`` keeps a convolution's size, and what ``ceil_mode``
changes. Every answer is the engine's; the wording is ``templates/problems/pytorch.md.j2``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection
from dataclasses import replace

from generator.engine import ModelSpec, analyze
from generator.engine.formula import Rule
from generator.engine.steps import Quantity
from generator.key import Problem, ProblemType, WorkedStep
from generator.problems.base import blank, draw_until, make_problem, part, rule_step, step
from generator.problems.pytorch import BATCHES, torch_shape_blank
from generator.problems.slot import Slot
from generator.pytorch import Conv2d, Linear, MaxPool2d, PoolNd, torch_shape
from generator.pytorch.convert import to_torch
from generator.pytorch.summary import module_call, torch_source
from generator.sampler import Difficulty, sample_family_model
from generator.wording import wording

Topic = Callable[[random.Random, Difficulty, str], Problem]


def _in_features(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """The first nn.Linear's in_features: the values per example where the convolutions end."""
    while True:
        _, keras = sample_family_model(rng, level, name="Net")
        spec = to_torch(keras, "Net", rng.choice(BATCHES))
        if spec is None:
            continue
        at = next((i for i, m in enumerate(spec.layers) if isinstance(m, Linear)), None)
        # the flatten before it must join a real map: after a global pooling, in_features is just C
        if at is not None and at >= 2 and math.prod(analyze(spec).records[at - 1].input_shape[1:]) > 1:
            break
    summary = analyze(spec, explain=True)
    linear = spec.layers[at]
    assert isinstance(linear, Linear)
    before = summary.records[at - 1]
    steps = [step(Quantity.OUTPUT_SHAPE, f"{r.name} ({r.type_name}): {torch_shape(r.output_shape, spec.batch_size)}")
             for r in summary.records[:at - 1]]
    steps += [WorkedStep.of(s) for s in before.steps if s.quantity is Quantity.OUTPUT_SIZE]
    steps.append(step(Quantity.CHECK, f"nn.Linear acts on the last axis: in_features = {linear.in_features:,}, the values per "
                      "example it receives", linear.in_features))
    wrong = []
    maps = [r for r in summary.records[:at] if len(r.output_shape) == 3]
    if maps:
        c, h, w = maps[-1].output_shape
        wrong.append((h * w, "left out the channels"))
    pools = [r for r in summary.records[:at] if isinstance(r.layer, PoolNd)]
    if pools:
        wrong.append((math.prod(pools[-1].input_shape), "left out the last pooling"))
    wrong.append((math.prod(spec.input_shape), "used the input's values"))
    code = torch_source(spec).replace(module_call(linear), f"nn.Linear(???, {linear.out_features})", 1)
    words = wording("pytorch", "in_features", input=torch_shape(spec.input_shape, spec.batch_size), position=at)
    blanks = [blank("in_features", "in_features", "int", linear.in_features, steps, distractors=wrong, layer=at,
                    field="in_features")]
    return make_problem(pid, ProblemType.CONCEPT, level, words, blanks, spec, code=code, variant="in_features")


_KEEP = Rule("o = n + 2p - d(k - 1) at stride 1, so o = n needs p = d(k - 1)/2", r"p = \frac{d\,(k - 1)}{2}", ("p", "d", "k", "o", "n"))


def _keep_size_padding(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """Which integer padding keeps a stride-1 convolution's height and width."""
    k = rng.choice((3, 5, 7) if level is not Difficulty.INTRO else (3, 5))
    d = rng.choice((1, 1, 2, 3)) if level is Difficulty.ADVANCED else 1
    n, c = rng.choice((14, 16, 28, 32, 56)), rng.choice((3, 16, 32, 64))
    p = d * (k - 1) // 2
    conv = Conv2d(c, rng.choice((16, 32, 64, 128)), k, padding=p, dilation=d)
    spec = ModelSpec((c, n, n), (conv,), "layer", framework="pytorch", batch_size=rng.choice(BATCHES))
    record = analyze(spec, explain=True).records[0]
    work = f"{d}*({k} - 1)/2"
    steps = [rule_step(Quantity.ZERO_PADDING, "padding", _KEEP, work, rf"\frac{{{d} \cdot ({k} - 1)}}{{2}}", p),
             *[WorkedStep.of(s) for s in record.steps if s.quantity is Quantity.OUTPUT_HEIGHT_WIDTH]]
    wrong = [(d * (k - 1), "padded d(k - 1) on each side (that is both sides together)"), (0, "used no padding")]
    if d > 1:
        wrong.append(((k - 1) // 2, "left out the dilation"))
    call = f"nn.Conv2d({c}, {conv.out_channels}, {k}" + (f", dilation={d}" if d > 1 else "") + ", padding=?)"
    words = wording("pytorch", "keep_size_padding", input=torch_shape(spec.input_shape, spec.batch_size), call=call)
    blanks = [blank("padding", "padding", "int", p, steps, distractors=wrong, layer=0, field="padding")]
    return make_problem(pid, ProblemType.CONCEPT, level, words, blanks, spec, variant="keep_size_padding")


def _ceil_mode(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """One max pooling with ``ceil_mode`` off and on: the last, partial window."""
    c, batch = rng.choice((8, 16, 32, 64)), rng.choice(BATCHES)
    while True:  # a size where the last, partial window matters
        k, s = rng.choice(((2, 2), (3, 2), (3, 3), (2, 3)))
        n = rng.randint(7, 31)
        pad = rng.choice((0, 0, 1)) if level is Difficulty.ADVANCED else 0
        specs = [ModelSpec((c, n, n), (MaxPool2d(k, s, padding=pad, ceil_mode=ceil),), "layer", framework="pytorch",
                           batch_size=batch) for ceil in (False, True)]
        records = [analyze(sp, explain=True).records[0] for sp in specs]
        if records[0].output_shape != records[1].output_shape:
            break
    blanks = [torch_shape_blank(f"ceil_{str(ceil).lower()}", r, f"Output shape with ceil_mode={ceil}", batch)
              for ceil, r in zip((False, True), records, strict=True)]
    blanks[0] = replace(blanks[0], model=specs[0])  # the problem's model is the ceil_mode=True one
    words = wording("pytorch", "ceil_mode", input=torch_shape((c, n, n), batch), call=f"nn.MaxPool2d({k}, {s}"
                    + (f", padding={pad}" if pad else "") + ")")
    solution = [part(f"ceil_mode={ceil}", b.steps) for ceil, b in zip((False, True), blanks, strict=True)]
    return make_problem(pid, ProblemType.CONCEPT, level, words, blanks, specs[1], solution=solution, variant="ceil_mode")


TORCH_CONCEPTS: dict[str, Topic] = {"in_features": _in_features, "keep_size_padding": _keep_size_padding,
                                    "ceil_mode": _ceil_mode}
"""Every PyTorch concept question by topic."""


def torch_concept(rng: random.Random, level: Difficulty, pid: str, variant: str | None = None, slot: Slot | None = None,
                  avoid: Collection[str] = ()) -> Problem:
    """A PyTorch concept question: the slot's topic, else one not in ``avoid``."""
    topic = variant or (slot.topic if slot is not None else None)
    if topic is None:
        topic = rng.choice([t for t in TORCH_CONCEPTS if t not in avoid] or list(TORCH_CONCEPTS))
    if topic not in TORCH_CONCEPTS:
        raise ValueError(f"topic {topic!r} has no PyTorch question; PyTorch's topics: {', '.join(TORCH_CONCEPTS)}")
    problem, _ = draw_until(lambda: TORCH_CONCEPTS[topic](rng, level, pid), lambda p: p.variant, None)
    return problem


def _framework_counts(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """The same model's parameters as Keras and PyTorch count them, and PyTorch's buffers:
    BatchNormalization is 4C parameters in Keras (2C of them non-trainable), BatchNorm2d 2C
    parameters and 2C + 1 buffers."""
    from generator.engine.formatting import keras_source
    from generator.engine.layers import BatchNormalization, Conv2D

    while True:
        _, keras = sample_family_model(rng, level, name="model")
        convs = [i for i, layer in enumerate(keras.layers) if isinstance(layer, Conv2D)]
        if not convs:
            continue
        if not any(isinstance(layer, BatchNormalization) for layer in keras.layers):
            at = convs[rng.randrange(len(convs))] + 1
            keras = replace(keras, layers=(*keras.layers[:at], BatchNormalization(), *keras.layers[at:]))
        torch = to_torch(keras, "Net", rng.choice(BATCHES))
        if torch is not None:
            break
    k, t = analyze(keras, explain=True), analyze(torch, explain=True)
    norms = [r for r in k.records if isinstance(r.layer, BatchNormalization)]
    channels = [r.output_shape[-1] for r in norms]
    terms = " + ".join(f"4*{c}" for c in channels)
    steps_keras = [step(Quantity.NOTE, f"Keras: each BatchNormalization has 4C parameters (gamma, beta trainable; moving mean "
                        f"and variance non-trainable): {terms} = {4 * sum(channels):,}"),
                   step(Quantity.TOTAL_PARAMS, f"Keras' total params = {k.total_params:,} ({k.non_trainable_params:,} "
                        "non-trainable)", k.total_params)]
    steps_torch = [step(Quantity.NOTE, f"PyTorch: each BatchNorm2d has 2C parameters (weight, bias); its running statistics "
                        f"are buffers: {' + '.join(f'2*{c}' for c in channels)} = {2 * sum(channels):,} parameters"),
                   step(Quantity.TOTAL_PARAMS, f"PyTorch's total params = {k.total_params:,} - {2 * sum(channels):,} = "
                        f"{t.total_params:,}", t.total_params)]
    steps_buffers = [step(Quantity.BUFFERS, f"buffers = {' + '.join(f'(2*{c} + 1)' for c in channels)} = {t.buffers:,} "
                          "(running_mean, running_var, num_batches_tracked)", t.buffers)]
    blanks = [
        replace(blank("keras_total", "Keras: Total params", "int", k.total_params, steps_keras, field="keras_total_params",
                      distractors=[(t.total_params, "counted BatchNormalization as PyTorch does (2C)")]), model=keras),
        blank("torch_total", "PyTorch: Total params", "int", t.total_params, steps_torch, field="total_params",
              distractors=[(k.total_params, "counted the running statistics as parameters (Keras' 4C)")]),
        blank("buffers", "PyTorch: buffers", "int", t.buffers, steps_buffers, field="buffers",
              distractors=[(t.buffers - len(channels), "left out num_batches_tracked"), (0, "thought BatchNorm2d has no buffers")]),
    ]
    code = f"# Keras\n{keras_source(keras)}\n\n# PyTorch\n{torch_source(torch)}"
    words = wording("pytorch", "framework_counts", input=torch_shape(torch.input_shape, torch.batch_size))
    return make_problem(pid, ProblemType.CONCEPT, level, words, blanks, torch, code=code, variant="framework_counts")


TORCH_CONCEPTS["framework_counts"] = _framework_counts
