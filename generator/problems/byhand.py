"""Convolution and pooling worked by hand, the classic exam question: a small integer image, a
3x3 integer kernel and a bias; the student computes one output value (``conv_one``) or the whole
output feature map and its 2x2 max pooling (``conv_map``).

The integer reference (:func:`cross_correlate`, :func:`pool`) is Keras' arithmetic exactly:
cross-correlation (the kernel is not flipped), zero padding placed as Keras places it for
``'same'`` (:func:`same_padding`: the odd row or column goes at the bottom or right), pooling
windows that do not fit dropped. Images and kernels are held channels first, one grid (rows of
ints) per channel, as a question prints them; ``tests/test_byhand_keras.py`` checks every
answer against Keras.

A problem's numbers are its wording facts (:meth:`ConvTask.facts`), and
:meth:`ConvTask.from_facts` reads them back: verification rebuilds the Keras layer from the
question the student saw, not from the generator.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from generator.engine import ModelSpec
from generator.engine import formulas as F
from generator.engine.formula import Rule
from generator.engine.layers import Conv2D, Layer, MaxPooling2D, Padding
from generator.engine.steps import Quantity
from generator.key import Blank, Derive, Problem, ProblemType, WorkedStep
from generator.key.parts import Fact
from generator.problems.base import blank, make_problem, part, rule_step, step
from generator.problems.fit import fits
from generator.sampler import Difficulty
from generator.wording import wording

Grid = tuple[tuple[int, ...], ...]
"""Rows of integers: one channel of an image, of a kernel or of a feature map."""

K = 3
"""The kernel side every question uses."""

MAX_DRAWS = 1000


def same_padding(n: int, k: int, s: int) -> tuple[int, int]:
    """Rows of zeros Keras adds (top, bottom) for ``padding='same'`` on ``n`` rows: in total
    ``max((ceil(n/s) - 1)*s + k - n, 0)``, the odd one at the bottom (the same for columns,
    the odd one at the right).

    >>> same_padding(5, 3, 1), same_padding(6, 3, 2), same_padding(7, 3, 2)
    ((1, 1), (0, 1), (1, 1))
    """
    total = max((-(-n // s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def _pad(n: int, k: int, s: int, padding: Padding) -> tuple[int, int]:
    return same_padding(n, k, s) if padding is Padding.SAME else (0, 0)


def _window_terms(image: Sequence[Grid], kernel: Sequence[Grid], top: int, left: int) -> list[tuple[int, int]]:
    """(x, w) for every weight of the kernel placed with its top-left corner on row ``top`` and
    column ``left`` of the image (0-based; outside the image, x is a zero of the padding)."""
    terms = []
    for plane, weights in zip(image, kernel, strict=True):
        for u, row in enumerate(weights):
            for v, w in enumerate(row):
                r, c = top + u, left + v
                inside = 0 <= r < len(plane) and 0 <= c < len(plane[0])
                terms.append((plane[r][c] if inside else 0, w))
    return terms


def _window_sum(image: Sequence[Grid], kernel: Sequence[Grid], bias: int, top: int, left: int) -> int:
    return bias + sum(x * w for x, w in _window_terms(image, kernel, top, left))


def cross_correlate(image: Sequence[Grid], kernel: Sequence[Grid], bias: int, stride: int,
                    padding: Padding | str) -> Grid:
    """What ``Conv2D(1, kernel_size, strides=stride, padding=padding)`` computes with these
    weights: ``y[i, j] = b + sum over c, u, v of x_c[i*s + u, j*s + v] * w_c[u, v]`` on the
    zero-padded image (0-based here). ``image`` and ``kernel`` hold one grid per channel.

    >>> image = (((1, 2, 0, 1), (0, 1, 3, 1), (2, 1, 0, 0), (1, 0, 2, 1)),)
    >>> kernel = (((1, 0), (0, -1)),)
    >>> cross_correlate(image, kernel, 1, 1, "valid")
    ((1, 0, 0), (0, 2, 4), (3, 0, 0))
    >>> cross_correlate(image, kernel, 0, 2, "same")
    ((0, -1), (2, -1))
    """
    padding = Padding(padding)
    n, m = len(image[0]), len(image[0][0])
    kh, kw = len(kernel[0]), len(kernel[0][0])
    (top, bottom), (left, right) = _pad(n, kh, stride, padding), _pad(m, kw, stride, padding)
    rows = (n + top + bottom - kh) // stride + 1
    cols = (m + left + right - kw) // stride + 1
    return tuple(tuple(_window_sum(image, kernel, bias, i * stride - top, j * stride - left)
                       for j in range(cols)) for i in range(rows))


def pool(feature_map: Grid, size: int, stride: int, mode: str = "max") -> Grid:
    """``MaxPooling2D`` (mode ``max``) or ``AveragePooling2D`` (mode ``average``) with
    ``padding='valid'``: windows that do not fit are dropped. An average must be a whole number
    (a ValueError otherwise): answers are exact integers.

    >>> fm = ((1, 3, 2, 0), (4, 0, 1, 1), (2, 2, 5, 7), (0, 4, 3, 1))
    >>> pool(fm, 2, 2), pool(fm, 2, 2, "average"), pool(fm, 3, 1)
    (((4, 2), (4, 7)), ((2, 1), (2, 4)), ((5, 7), (5, 7)))
    """
    out = []
    for i in range(0, len(feature_map) - size + 1, stride):
        row = []
        for j in range(0, len(feature_map[0]) - size + 1, stride):
            window = [feature_map[i + u][j + v] for u in range(size) for v in range(size)]
            if mode == "max":
                row.append(max(window))
            elif mode == "average" and sum(window) % len(window) == 0:
                row.append(sum(window) // len(window))
            else:
                raise ValueError(f"pooling mode must be 'max' or an exact 'average'. Received: mode={mode!r}, "
                                 f"window {window}")
        out.append(tuple(row))
    return tuple(out)


def flipped(kernel: Sequence[Grid]) -> tuple[Grid, ...]:
    """The kernel turned by 180 degrees: a true convolution with ``kernel`` is a
    cross-correlation with this one.

    >>> flipped((((1, 2), (3, 4)),))
    (((4, 3), (2, 1)),)
    """
    return tuple(tuple(tuple(reversed(row)) for row in reversed(plane)) for plane in kernel)


@dataclass(frozen=True)
class ConvTask:
    """The numbers of a by-hand convolution question.

    Attributes:
        image: One grid per channel (square, ``side`` x ``side``).
        kernel: One 3x3 grid per channel.
        bias: The filter's bias.
        stride: The same along rows and columns.
        padding: ``valid`` or ``same``.
    """

    image: tuple[Grid, ...]
    kernel: tuple[Grid, ...]
    bias: int
    stride: int
    padding: Padding

    @property
    def side(self) -> int:
        return len(self.image[0])

    @property
    def channels(self) -> int:
        return len(self.image)

    @property
    def pad(self) -> tuple[int, int]:
        """Rows (and columns) of zeros Keras adds before (top, left) and after (bottom, right)."""
        return _pad(self.side, K, self.stride, self.padding)

    @property
    def output(self) -> Grid:
        return cross_correlate(self.image, self.kernel, self.bias, self.stride, self.padding)

    @property
    def layer(self) -> Conv2D:
        return Conv2D(1, (K, K), (self.stride, self.stride), self.padding)

    def facts(self) -> dict[str, Fact]:
        """The wording facts: ``image1``, ``kernel1`` (``image2``, ``kernel2`` ...) grids,
        ``channels``, ``side``, ``bias``, ``stride``, ``padding``."""
        grids: dict[str, Fact] = {}
        for c in range(self.channels):
            grids[f"image{c + 1}"] = self.image[c]
            grids[f"kernel{c + 1}"] = self.kernel[c]
        return {**grids, "channels": self.channels, "side": self.side, "bias": self.bias,
                "stride": self.stride, "padding": self.padding.value}

    @classmethod
    def from_facts(cls, facts: Mapping[str, Fact]) -> ConvTask:
        """The task a question shows, read back from its facts (:meth:`facts`)."""
        def grid(name: str) -> Grid:
            value = facts[name]
            assert isinstance(value, tuple), (name, value)
            return value

        channels = facts["channels"]
        assert isinstance(channels, int)
        bias, stride = facts["bias"], facts["stride"]
        assert isinstance(bias, int) and isinstance(stride, int)
        return cls(tuple(grid(f"image{c + 1}") for c in range(channels)),
                   tuple(grid(f"kernel{c + 1}") for c in range(channels)),
                   bias, stride, Padding(str(facts["padding"])))


def draw_task(rng: random.Random, level: Difficulty, sides: Sequence[int], stride: int,
              padding: Padding) -> ConvTask:
    """A random task: image values 0..4, kernel weights -1..2, bias -1..2; two channels only at
    the advanced level."""
    channels = rng.choice((1, 2)) if level is Difficulty.ADVANCED else 1
    side = rng.choice(list(sides))
    image = tuple(_grid(rng, side, 0, 4) for _ in range(channels))
    kernel = tuple(_grid(rng, K, -1, 2) for _ in range(channels))
    return ConvTask(image, kernel, rng.randint(-1, 2), stride, padding)


def _grid(rng: random.Random, side: int, low: int, high: int) -> Grid:
    return tuple(tuple(rng.randint(low, high) for _ in range(side)) for _ in range(side))


def _signed(value: int) -> str:
    """A number as a term of a sum: negative ones in parentheses."""
    return f"({value})" if value < 0 else str(value)


_PAD_TOTAL = Rule("pad = (ceil(n/s) - 1)*s + k - n",
                  r"p_{\mathrm{total}} = \left(\left\lceil \frac{n}{s} \right\rceil - 1\right) s + k - n", ("n", "s", "k"))
_PAD_TOP = Rule("p_before = floor(pad/2)", r"p_{\mathrm{before}} = \left\lfloor \frac{p_{\mathrm{total}}}{2} \right\rfloor",
                ("p_before",))
_ROW = Rule("first row = (i - 1)*s + 1 - p_before", r"\text{first row} = (i - 1)\, s + 1 - p_{\mathrm{before}}",
            ("s", "p_before"))
_COL = Rule("first column = (j - 1)*s + 1 - p_before", r"\text{first column} = (j - 1)\, s + 1 - p_{\mathrm{before}}",
            ("s", "p_before"))
_SUM = Rule("y[i, j] = b + sum over the window of x*w",
            r"y_{ij} = b + \sum_{u=1}^{3} \sum_{v=1}^{3} x_{\mathrm{row} + u - 1,\; \mathrm{col} + v - 1} \cdot w_{uv}", ())
_SUM_CHANNELS = Rule("y[i, j] = b + sum over the channels of the channel sums",
                     r"y_{ij} = b + \sum_{\text{channels}} S^{(\text{channel})}_{ij}", ())
_CHANNEL_SUM = Rule("S[i, j] = sum over the window of x*w (one channel)",
                    r"S_{ij} = \sum_{u=1}^{3} \sum_{v=1}^{3} x_{\mathrm{row} + u - 1,\; \mathrm{col} + v - 1} \cdot w_{uv}", ())
_POOL = Rule("z[i, j] = max of y over rows 2i - 1..2i and columns 2j - 1..2j",
             r"z_{ij} = \max_{u, v \in \{0, 1\}} y_{2i - 1 + u,\; 2j - 1 + v}", ())


def padding_steps(task: ConvTask) -> list[WorkedStep]:
    """How many rows and columns of zeros Keras adds (none with 'valid')."""
    n, s = task.side, task.stride
    if task.padding is Padding.VALID:
        return [step(Quantity.NOTE, "padding='valid': no zeros are added, every window lies inside the image")]
    top, bottom = task.pad
    total = top + bottom
    return [
        rule_step(Quantity.ZERO_PADDING, "zero rows (and columns) in all", _PAD_TOTAL, f"(ceil({n}/{s}) - 1)*{s} + {K} - {n}",
                  rf"\left(\left\lceil \frac{{{n}}}{{{s}}} \right\rceil - 1\right) \cdot {s} + {K} - {n}", total,
                  "'same' pads just enough for ceil(n/s) windows"),
        rule_step(Quantity.ZERO_PADDING, "on top (and on the left)", _PAD_TOP, f"floor({total}/2)",
                  rf"\left\lfloor \frac{{{total}}}{{2}} \right\rfloor", top,
                  f"the other {bottom} {'goes' if bottom == 1 else 'go'} at the bottom (and on the right)"
                  + (": Keras puts the odd one there" if total % 2 else "")),
    ]


def _position(i: int, s: int, before: int) -> str:
    return f"({i} - 1)*{s} + 1 - {before}"


def value_steps(task: ConvTask, i: int, j: int, name: str = "y") -> list[WorkedStep]:
    """The window of output row ``i``, column ``j`` (1-based), then its sum written out term by
    term: ``y[2, 3] = 1*2 + 0*(-1) + ... + 1 = 7``."""
    s, (top, _) = task.stride, task.pad
    left = top  # square images: as many columns of zeros on the left as rows on top
    first_row, first_col = (i - 1) * s + 1 - top, (j - 1) * s + 1 - left
    terms = _window_terms(task.image, task.kernel, first_row - 1, first_col - 1)
    value = task.bias + sum(x * w for x, w in terms)
    in_padding = min(first_row, first_col) < 1 or max(first_row, first_col) + K - 1 > task.side
    outside = "; the rows and columns outside the image are the padding's zeros" if in_padding else ""
    where = f"window rows {first_row}–{first_row + K - 1}, columns {first_col}–{first_col + K - 1}{outside}"
    if task.channels == 1:
        work = " + ".join([*(f"{x}*{_signed(w)}" for x, w in terms), _signed(task.bias)])
        work_latex = " + ".join([*(rf"{x} \cdot {_signed(w)}" for x, w in terms), _signed(task.bias)])
        sums: list[WorkedStep] = []
        remark = f"{where}: each image value times the kernel weight on top of it, then the bias"
    else:  # one sum per channel, then the total: a line a student can check
        per = K * K
        sums = []
        for c in range(task.channels):
            chunk = terms[c * per:(c + 1) * per]
            sums.append(rule_step(Quantity.NOTE, f"{name}[{i}, {j}], channel {c + 1}", _CHANNEL_SUM,
                                  " + ".join(f"{x}*{_signed(w)}" for x, w in chunk),
                                  " + ".join(rf"{x} \cdot {_signed(w)}" for x, w in chunk), sum(x * w for x, w in chunk)))
        work = " + ".join([*(_signed(int(st.value or 0)) for st in sums), _signed(task.bias)])
        work_latex = work
        remark = f"{where}: the channel sums, then the bias"
    return [
        rule_step(Quantity.WINDOW, f"{name}[{i}, {j}]: first row of the window", _ROW, _position(i, s, top),
                  _position(i, s, top).replace("*", r" \cdot "), first_row),
        rule_step(Quantity.WINDOW, f"{name}[{i}, {j}]: first column of the window", _COL, _position(j, s, left),
                  _position(j, s, left).replace("*", r" \cdot "), first_col),
        *sums,
        rule_step(Quantity.OUTPUT_VALUE, f"{name}[{i}, {j}]", _SUM_CHANNELS if task.channels > 1 else _SUM, work,
                  work_latex, value, remark),
    ]


def value_distractors(task: ConvTask, i: int, j: int) -> list[tuple[int, str]]:
    """What the named mistakes give for output row ``i``, column ``j`` (1-based)."""
    s, (top, _) = task.stride, task.pad
    y0 = (i - 1) * s - top, (j - 1) * s - top

    def at(r: int, c: int, kernel: Sequence[Grid] = task.kernel, bias: int = task.bias) -> int:
        return _window_sum(task.image, kernel, bias, r, c)

    out = [(at(*y0, kernel=flipped(task.kernel)), "flipped the kernel (a true convolution; Keras' Conv2D "
                                                    "cross-correlates: the kernel is not flipped)"),
           (at(*y0, bias=0), "forgot the bias")]
    if task.padding is Padding.SAME and max((i - 1) * s, (j - 1) * s) + K <= task.side:
        out.append((at((i - 1) * s, (j - 1) * s), "ignored the padding (placed the window as with 'valid')"))
    if task.padding is Padding.VALID:
        same_top, _ = same_padding(task.side, K, s)
        if same_top:
            out.append((at((i - 1) * s - same_top, (j - 1) * s - same_top),
                        "padded the image although padding='valid' (placed the window as with 'same')"))
    if s > 1:
        out.append((at(i - 1 - top, j - 1 - top), f"ignored the stride (moved the window by 1, not {s})"))
    return out


def conv_one(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """One output value of a Conv2D computed by hand: an image of 5x5 to 7x7, a 3x3 kernel, a
    bias, a stride and a padding mode; the question names the row and column (1-based)."""
    for _ in range(MAX_DRAWS):
        stride = 1 if level is Difficulty.INTRO else rng.choice((1, 2))
        padding = Padding.VALID if level is Difficulty.INTRO else rng.choice((Padding.VALID, Padding.SAME))
        task = draw_task(rng, level, (5, 6, 7), stride, padding)
        output = task.output
        i, j = rng.randint(1, len(output)), rng.randint(1, len(output[0]))
        if output[i - 1][j - 1] < 0:  # answers are whole numbers of at least 0
            continue
        steps = [*padding_steps(task), *value_steps(task, i, j)]
        b = blank("y", f"Output value at row {i}, column {j}", "int", output[i - 1][j - 1], steps,
                  distractors=value_distractors(task, i, j), layer=0, field="output_value")
        if b.distractors:
            break
    else:  # pragma: no cover - about one draw in four is refused
        raise ValueError("no by-hand convolution with a non-negative answer and a wrong answer to offer was drawn")
    words = wording("byhand", "conv_one", **task.facts(), row=i, col=j)
    problem = make_problem(pid, ProblemType.CONCEPT, level, words, [b],
                           ModelSpec((task.side, task.side, task.channels), (task.layer,), pid))
    return replace(problem, variant="conv_one")


_MAP_SHAPES: dict[tuple[int, Padding], tuple[int, ...]] = {
    (1, Padding.VALID): (5, 6),  # outputs 3x3, 4x4
    (2, Padding.VALID): (5, 6, 7),  # 2x2, 2x2, 3x3
    (1, Padding.SAME): (3, 4),  # 3x3, 4x4
    (2, Padding.SAME): (5, 6, 7),  # 3x3, 3x3, 4x4
}
"""Image sides that give an output feature map of at most 4x4, by (stride, padding)."""


def pooling_steps(fm: Grid, i: int, j: int) -> list[WorkedStep]:
    """Max pooling 2x2, stride 2, output row ``i``, column ``j`` (1-based)."""
    window = [fm[2 * (i - 1) + u][2 * (j - 1) + v] for u in range(2) for v in range(2)]
    work = f"max({', '.join(map(str, window))})"
    return [rule_step(Quantity.OUTPUT_VALUE, f"max pooling [{i}, {j}]", _POOL, work,
                      rf"\max({', '.join(map(str, window))})", max(window),
                      f"rows {2 * i - 1}–{2 * i} and columns {2 * j - 1}–{2 * j} of the feature map")]


def pooling_distractors(fm: Grid, i: int, j: int) -> list[tuple[int, str]]:
    """What the named mistakes give for pooled row ``i``, column ``j`` (1-based)."""
    window = [fm[2 * (i - 1) + u][2 * (j - 1) + v] for u in range(2) for v in range(2)]
    out = [(max(fm[i - 1 + u][j - 1 + v] for u in range(2) for v in range(2)),
            "moved the pooling window by 1 instead of 2 (the stride of MaxPooling2D((2, 2)) is 2)")]
    if sum(window) % 4 == 0:
        out.append((sum(window) // 4, "averaged the window (that is AveragePooling2D)"))
    out.append((sum(window), "added the window up instead of taking its maximum"))
    return out


def conv_map(rng: random.Random, level: Difficulty, pid: str) -> Problem:
    """The whole output feature map of a Conv2D by hand (at most 4x4, one box per cell, laid out
    as a grid ``r1c1`` ...), then, above the intro level, its 2x2 max pooling (``pool_r1c1``
    ...) when the map is at least 2x2."""
    for _ in range(MAX_DRAWS):
        stride = 1 if level is Difficulty.INTRO else rng.choice((1, 2))
        padding = Padding.VALID if level is Difficulty.INTRO else rng.choice((Padding.VALID, Padding.SAME))
        task = draw_task(rng, level, _MAP_SHAPES[stride, padding], stride, padding)
        fm = task.output
        if min(min(row) for row in fm) >= 0:
            break
    else:  # pragma: no cover - a few draws in a hundred pass
        raise ValueError("no by-hand feature map with non-negative values was drawn")
    pad = padding_steps(task)
    blanks: list[Blank] = []
    grid: list[tuple[str, ...]] = []
    solution = [part("Zero padding", pad)]
    for i in range(1, len(fm) + 1):
        ids, row_steps = [], []
        for j in range(1, len(fm[0]) + 1):
            steps = value_steps(task, i, j)
            blanks.append(blank(f"r{i}c{j}", f"Feature map, row {i} column {j}", "int", fm[i - 1][j - 1],
                                [*pad, *steps], distractors=value_distractors(task, i, j), layer=0,
                                field="output_value"))
            ids.append(f"r{i}c{j}")
            row_steps += steps if (i, j) == (1, 1) else steps[2:]  # the window's place worked out once, then the sums
        grid.append(tuple(ids))
        solution.append(part(f"Feature map, row {i}", row_steps))
    layers: tuple[Layer, ...] = (task.layer,)
    pooled = pool(fm, 2, 2) if level is not Difficulty.INTRO else ()
    pooling_parts: list[WorkedStep] = []
    for i, row in enumerate(pooled, 1):
        for j, value in enumerate(row, 1):
            steps = pooling_steps(fm, i, j)
            window = tuple(f"r{r}c{c}" for r in (2 * i - 1, 2 * i) for c in (2 * j - 1, 2 * j))
            blanks.append(blank(f"pool_r{i}c{j}", f"Max pooling, row {i} column {j}", "int", value, steps,
                                distractors=pooling_distractors(fm, i, j), layer=1, field="output_value",
                                depends_on=window, derive=Derive.MAX))
            pooling_parts += steps
    if pooled:
        layers = (*layers, MaxPooling2D((2, 2)))
        size = F.POOL_VALID.work(n=len(fm), k=2, s=2)
        pooled_side = F.POOL_VALID.value(n=len(fm), k=2, s=2)
        dropped = len(fm) - 2 * pooled_side
        size_step = rule_step(Quantity.OUTPUT_HEIGHT_WIDTH, "pooled size", F.POOL_VALID.rule_for(size), size.text,
                              size.latex, pooled_side,
                              size.remark + (f"; row {len(fm)} and column {len(fm)} of the feature map are never pooled"
                                             if dropped else ""))
        solution.append(part("Max pooling 2x2, stride 2", [size_step, *pooling_parts]))
    words = wording("byhand", "conv_map", **task.facts(), rows=len(fm), cols=len(fm[0]), pooling=bool(pooled))
    problem = make_problem(pid, ProblemType.CONCEPT, level, words, blanks,
                           ModelSpec((task.side, task.side, task.channels), layers, pid),
                           solution=solution, grid=tuple(grid))
    return replace(problem, variant=f"conv_map:{len(fm)}x{len(fm[0])}")


BYHAND: dict[str, Callable[[random.Random, Difficulty, str], Problem]] = {
    "conv_one": conv_one,
    "conv_map": conv_map,
    "fits": fits,
}
"""The by-hand problem generators, by variant (each sets ``variant`` on its problem)."""
