"""The parameter-count and multiply-add formulas, one pure function each, term by term: weights
first, then biases, with the per-filter view where it helps (re-exported by
:mod:`generator.engine.formulas`, where the shape rules live).

>>> w = CONV_PARAMS.work(kh=3, kw=3, cin=1, f=32, g=1, b=1)
>>> w.text, w.rule.text
('3*3*1*32 + 32', 'P = k_h*k_w*C_in*C_out + C_out')
>>> w.remark
'3·3·1·32 = 288 weights (each of the 32 filters has 3·3·1 = 9) + 32 biases (one per filter) = 320'
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from generator.engine.formula import Formula, Rule, Work, register, symbols

if TYPE_CHECKING:  # pragma: no cover - typing only
    import sympy



_KERNEL = {1: ("k",), 2: ("k_h", "k_w"), 3: ("k_d", "k_h", "k_w")}
"""The kernel's symbols of a rank-1, -2 and -3 convolution."""

_ARGS = {1: ("k",), 2: ("kh", "kw"), 3: ("kd", "kh", "kw")}
"""The kernel's argument names of :func:`conv_params` for each rank."""


def _conv_rule(rank: int, grouped: bool, bias: bool) -> Rule:
    ks = _KERNEL[rank]
    text = "*".join(ks) + ("*(C_in/g)" if grouped else "*C_in") + "*C_out" + (" + C_out" if bias else "")
    latex = (r" \cdot ".join(ks) + (r" \cdot \frac{C_{\mathrm{in}}}{g}" if grouped else r" \cdot C_{\mathrm{in}}")
             + r" \cdot C_{\mathrm{out}}" + (r" + C_{\mathrm{out}}" if bias else ""))
    return Rule.of(f"P = {text}", f"P = {latex}", " ".join(("P", *ks, "C_in", *(("g",) if grouped else ()), "C_out")))


def _conv_params_formula(rank: int, framework: str = "keras") -> Formula:
    """The weights of a rank-``rank`` convolution: one kernel of ``k_1 x ... x C_in/g`` per filter,
    plus a bias each. Its arguments: the kernel's sides, then ``cin, f, g, b``. PyTorch's
    (``framework="pytorch"``) says ``bias=False`` where Keras says ``use_bias=False``."""
    no_bias = "bias=False" if framework == "pytorch" else "use_bias=False"
    names = _ARGS[rank]
    rules = {(g, b): _conv_rule(rank, g, b) for g in (False, True) for b in (False, True)}

    def value(*given: int, **named: int) -> int:
        v = dict(zip((*names, "cin", "f", "g", "b"), given, strict=False)) | named
        return math.prod(v[n] for n in names) * (v["cin"] // v["g"]) * v["f"] + (v["f"] if v["b"] else 0)

    def work(*given: int, **named: int) -> Work:
        v = dict(zip((*names, "cin", "f", "g", "b"), given, strict=False)) | named
        ks, cin, f, g, b = [v[n] for n in names], v["cin"], v["f"], v["g"], v["b"]
        c_text = str(cin) if g == 1 else f"({cin}/{g})"
        c_latex = str(cin) if g == 1 else rf"\frac{{{cin}}}{{{g}}}"
        per = math.prod(ks) * (cin // g)
        dots = "·".join(map(str, ks))
        weights = f"{dots}·{c_text}·{f} = {per * f:,} weights (each of the {f:,} filters has {dots}·{c_text} = {per:,})"
        remark = f"{weights} + {f:,} biases (one per filter) = {per * f + f:,}" if b else f"{weights}; no biases ({no_bias})"
        return Work(
            "*".join(map(str, ks)) + f"*{c_text}*{f}" + (f" + {f}" if b else ""),
            r" \cdot ".join(map(str, ks)) + rf" \cdot {c_latex} \cdot {f}" + (f" + {f}" if b else ""),
            remark, rules[(g != 1, bool(b))],
        )

    def expr() -> sympy.Expr:
        *ks, cin, f, g, b = symbols(" ".join((*names, "cin", "f", "g", "b")))
        return math.prod(ks) * (cin / g) * f + b * f

    kernel = "*".join(_KERNEL[rank])
    name = "conv_params" if rank == 2 else f"conv{rank}d_params"
    return register(Formula(
        name=name if framework == "keras" else f"{framework}_{name}",
        symbolic=f"{kernel}*(C_in/groups)*filters + filters",
        value=value, work=work, build_expr=expr,
    ))


CONV_PARAMS = _conv_params_formula(2)
"""Conv2D (and Conv2DTranspose) weights: one ``k_h x k_w x C_in`` kernel per filter, plus a bias
each.

>>> CONV_PARAMS.value(kh=3, kw=3, cin=32, f=64, g=1, b=1)
18496
"""

CONV1D_PARAMS = _conv_params_formula(1)
"""Conv1D weights: one ``k x C_in`` kernel per filter, plus a bias each.

>>> w = CONV1D_PARAMS.work(k=3, cin=8, f=16, g=1, b=1)
>>> CONV1D_PARAMS.value(k=3, cin=8, f=16, g=1, b=1), w.text, w.rule.text
(400, '3*8*16 + 16', 'P = k*C_in*C_out + C_out')
"""

CONV3D_PARAMS = _conv_params_formula(3)
"""Conv3D weights: one ``k_d x k_h x k_w x C_in`` kernel per filter, plus a bias each.

>>> w = CONV3D_PARAMS.work(kd=3, kh=3, kw=3, cin=3, f=8, g=1, b=1)
>>> CONV3D_PARAMS.value(kd=3, kh=3, kw=3, cin=3, f=8, g=1, b=1), w.text, w.rule.text
(656, '3*3*3*3*8 + 8', 'P = k_d*k_h*k_w*C_in*C_out + C_out')
"""


def conv_params(rank: int) -> Formula:
    """The parameter formula of a rank-``rank`` convolution (1, 2 or 3)."""
    return {1: CONV1D_PARAMS, 2: CONV_PARAMS, 3: CONV3D_PARAMS}[rank]


TORCH_CONV_PARAMS = {rank: _conv_params_formula(rank, "pytorch") for rank in (1, 2, 3)}
"""nn.Conv1d/2d/3d (and their transposes: ``C_in*(C_out/g)`` weights per kernel position is the
same number): the Keras rule, worded with PyTorch's ``bias``."""


def _kernel_text(ks: list[int]) -> str:
    """``3x3`` (an image kernel), ``3-step`` (a sequence's)."""
    return f"{ks[0]}-step" if len(ks) == 1 else "x".join(map(str, ks))


def _depthwise_rule(rank: int, bias: bool) -> Rule:
    ks = _KERNEL[rank]
    return Rule.of("P = " + "*".join(ks) + "*C_in*m" + (" + C_in*m" if bias else ""),
                   "P = " + r" \cdot ".join(ks) + r" \cdot C_{\mathrm{in}} \cdot m" + (r" + C_{\mathrm{in}} \cdot m" if bias else ""),
                   " ".join(("P", *ks, "C_in", "m")))


def _depthwise_formula(rank: int) -> Formula:
    """Depthwise convolution of rank ``rank``: one kernel per input channel and multiplier, and
    a bias per output channel. Its arguments: the kernel's sides, then ``cin, m, b``."""
    names = _ARGS[rank]
    rules = {b: _depthwise_rule(rank, b) for b in (False, True)}

    def parts(given: tuple[int, ...], named: dict[str, int]) -> tuple[list[int], int, int, int]:
        v = dict(zip((*names, "cin", "m", "b"), given, strict=False)) | named
        return [v[n] for n in names], v["cin"], v["m"], v["b"]

    def value(*given: int, **named: int) -> int:
        ks, cin, m, b = parts(given, named)
        return math.prod(ks) * cin * m + (cin * m if b else 0)

    def work(*given: int, **named: int) -> Work:
        ks, cin, m, b = parts(given, named)
        bias = f" + {cin}*{m}" if b else ""
        bias_latex = rf" + {cin} \cdot {m}" if b else ""
        remark = (f"one {_kernel_text(ks)} kernel per input channel and multiplier ({cin}·{m} = {cin * m:,} kernels, each "
                  "seeing one channel)" + (f", and a bias for each of the {cin * m:,} output channels" if b else ""))
        return Work("*".join(map(str, ks)) + f"*{cin}*{m}{bias}", r" \cdot ".join(map(str, ks)) + rf" \cdot {cin} \cdot {m}{bias_latex}",
                    remark, rules[bool(b)])

    def expr() -> sympy.Expr:
        *ks, cin, m, b = symbols(" ".join((*names, "cin", "m", "b")))
        return math.prod(ks) * cin * m + b * cin * m

    kernel = "*".join(_KERNEL[rank])
    return register(Formula(
        name="depthwise_params" if rank == 2 else f"depthwise{rank}d_params",
        symbolic=f"{kernel}*C_in*depth_multiplier + C_in*depth_multiplier",
        value=value, work=work, build_expr=expr,
    ))


DEPTHWISE_PARAMS = _depthwise_formula(2)
"""DepthwiseConv2D: one ``k_h x k_w`` kernel per input channel and multiplier.

>>> DEPTHWISE_PARAMS.value(kh=3, kw=3, cin=3, m=2, b=1)
60
"""

DEPTHWISE1D_PARAMS = _depthwise_formula(1)
"""DepthwiseConv1D: one ``k``-step kernel per input channel and multiplier.

>>> w = DEPTHWISE1D_PARAMS.work(k=3, cin=8, m=1, b=1)
>>> DEPTHWISE1D_PARAMS.value(k=3, cin=8, m=1, b=1), w.text, w.rule.text
(32, '3*8*1 + 8*1', 'P = k*C_in*m + C_in*m')
"""


def _separable_rule(rank: int, bias: bool) -> Rule:
    ks = _KERNEL[rank]
    return Rule.of("P = " + "*".join(ks) + "*C_in*m + C_in*m*C_out" + (" + C_out" if bias else ""),
                   "P = " + r" \cdot ".join(ks) + r" \cdot C_{\mathrm{in}} \cdot m + C_{\mathrm{in}} \cdot m \cdot C_{\mathrm{out}}"
                   + (r" + C_{\mathrm{out}}" if bias else ""),
                   " ".join(("P", *ks, "C_in", "m", "C_out")))


def _separable_formula(rank: int) -> Formula:
    """Separable convolution of rank ``rank``: a depthwise kernel per channel and multiplier, then
    a 1x1 pointwise kernel per filter with a bias each. Arguments: the kernel's sides, then
    ``cin, m, f, b``."""
    names = _ARGS[rank]
    rules = {b: _separable_rule(rank, b) for b in (False, True)}

    def parts(given: tuple[int, ...], named: dict[str, int]) -> tuple[list[int], int, int, int, int]:
        v = dict(zip((*names, "cin", "m", "f", "b"), given, strict=False)) | named
        return [v[n] for n in names], v["cin"], v["m"], v["f"], v["b"]

    def value(*given: int, **named: int) -> int:
        ks, cin, m, f, b = parts(given, named)
        return math.prod(ks) * cin * m + cin * m * f + (f if b else 0)

    def work(*given: int, **named: int) -> Work:
        ks, cin, m, f, b = parts(given, named)
        bias = f" + {f}" if b else ""
        depthwise = math.prod(ks) * cin * m
        remark = (f"depthwise {'·'.join(map(str, ks))}·{cin}·{m} = {depthwise:,}, then a 1x1 pointwise convolution "
                  f"{cin}·{m}·{f} = {cin * m * f:,}" + (f", then {f:,} biases (one per filter)" if b else " (no biases)"))
        return Work("*".join(map(str, ks)) + f"*{cin}*{m} + {cin}*{m}*{f}{bias}",
                    r" \cdot ".join(map(str, ks)) + rf" \cdot {cin} \cdot {m} + {cin} \cdot {m} \cdot {f}{bias}", remark,
                    rules[bool(b)])

    def expr() -> sympy.Expr:
        *ks, cin, m, f, b = symbols(" ".join((*names, "cin", "m", "f", "b")))
        return math.prod(ks) * cin * m + cin * m * f + b * f

    kernel = "*".join(_KERNEL[rank])
    return register(Formula(
        name="separable_params" if rank == 2 else f"separable{rank}d_params",
        symbolic=f"{kernel}*C_in*depth_multiplier + C_in*depth_multiplier*filters + filters",
        value=value, work=work, build_expr=expr,
    ))


SEPARABLE_PARAMS = _separable_formula(2)
"""SeparableConv2D: a depthwise kernel, then a 1x1 pointwise kernel with a bias per filter.

>>> SEPARABLE_PARAMS.value(kh=3, kw=3, cin=3, m=2, f=5, b=1)
89
"""

SEPARABLE1D_PARAMS = _separable_formula(1)
"""SeparableConv1D: a ``k``-step depthwise kernel, then a pointwise kernel with a bias per filter.

>>> w = SEPARABLE1D_PARAMS.work(k=3, cin=8, m=1, f=16, b=1)
>>> SEPARABLE1D_PARAMS.value(k=3, cin=8, m=1, f=16, b=1), w.text, w.rule.text
(168, '3*8*1 + 8*1*16 + 16', 'P = k*C_in*m + C_in*m*C_out + C_out')
"""


_DENSE = {
    1: Rule.of("P = N_in*N_out + N_out", r"P = N_{\mathrm{in}} \cdot N_{\mathrm{out}} + N_{\mathrm{out}}", "P N_in N_out"),
    0: Rule.of("P = N_in*N_out", r"P = N_{\mathrm{in}} \cdot N_{\mathrm{out}}", "P N_in N_out"),
}


_WORDS = {"keras": ("input-unit pair", "unit", "use_bias=False"),
          "pytorch": ("input-output feature pair", "output feature", "bias=False")}
"""How Dense's (Keras) and Linear's (PyTorch) remarks name a weight, a bias and no bias."""


def _dense_formula(framework: str) -> Formula:
    """Dense's (nn.Linear's) weights: one per (input, output) pair, a bias per output."""
    pair, unit, no_bias = _WORDS[framework]

    def value(cin: int, u: int, b: int) -> int:
        return cin * u + (u if b else 0)

    def work(cin: int, u: int, b: int) -> Work:
        remark = (f"{cin}·{u} = {cin * u:,} weights (one per {pair})"
                  + (f" + {u:,} biases (one per {unit}) = {cin * u + u:,}" if b else f"; no biases ({no_bias})"))
        return Work(f"{cin}*{u}" + (f" + {u}" if b else ""), rf"{cin} \cdot {u}" + (f" + {u}" if b else ""),
                    remark, _DENSE[1 if b else 0])

    def expr() -> sympy.Expr:
        cin, u, b = symbols("cin u b")
        return cin * u + b * u

    keras = framework == "keras"
    return register(Formula(
        name="dense_params" if keras else "torch_linear_params",
        symbolic="N_in*units + units" if keras else "in_features*out_features + out_features",
        value=value, work=work, build_expr=expr,
    ))


DENSE_PARAMS = _dense_formula("keras")
"""Dense: a weight per (input, unit) pair and a bias per unit.

>>> DENSE_PARAMS.value(cin=576, u=64, b=1)
36928
"""

TORCH_LINEAR_PARAMS = _dense_formula("pytorch")
"""nn.Linear: the same count, in PyTorch's words.

>>> TORCH_LINEAR_PARAMS.work(cin=400, u=120, b=0).remark
'400·120 = 48,000 weights (one per input-output feature pair); no biases (bias=False)'
"""


def _bn_value(c: int, n: int) -> int:
    return n * c


def _bn_work(c: int, n: int) -> Work:
    return Work(f"{n}*{c}", rf"{n} \cdot {c}", "", Rule(f"P = {n}*C", rf"P = {n} \cdot C", ("P", "C")))


def _bn_expr() -> sympy.Expr:
    c, n = symbols("c n")
    return n * c


PER_CHANNEL = register(
    Formula(
        name="per_channel",
        symbolic="vectors*C",
        value=_bn_value,
        work=_bn_work,
        build_expr=_bn_expr,
    )
)
"""BatchNormalization: ``n`` vectors of length C (gamma, beta trainable; moving mean and variance
not).

>>> PER_CHANNEL.value(c=64, n=2)
128
"""


def _macs_value(h: int, w: int, k: int, f: int) -> int:
    return h * w * k * f


def _macs_work(h: int, w: int, k: int, f: int) -> Work:
    return Work(f"{h}*{w}*{k}*{f}", rf"{h} \cdot {w} \cdot {k} \cdot {f}")


def _macs_expr() -> sympy.Expr:
    h, w, k, f = symbols("h w k f")
    return h * w * k * f


MACS = register(
    Formula(
        name="macs",
        symbolic="H_out*W_out*(k_h*k_w*C_in)*C_out",
        value=_macs_value,
        work=_macs_work,
        build_expr=_macs_expr,
        rule=Rule.of("MACs = H_out*W_out*(k_h*k_w*C_in)*C_out",
                   r"\mathrm{MACs} = H_{\mathrm{out}} \cdot W_{\mathrm{out}} \cdot (k_h \cdot k_w \cdot C_{\mathrm{in}}) \cdot C_{\mathrm{out}}",
                   "MACs H_out W_out k_h k_w C_in C_out"),
    )
)
"""Multiply-adds: every output value costs one multiply-add per weight that touches it.

>>> MACS.value(h=26, w=26, k=9, f=32)
194688
"""
