"""The :class:`Formula` machinery: one rule in three views, and the registry of every rule.

Each :class:`Formula` holds three views of one rule:

* a sympy expression (``expr``), for the generic LaTeX form and for solving inverse problems;
* an exact integer evaluator (``value``), the hot path: no sympy, no floats;
* a worked form (``work``) that substitutes the numbers into the general rule the way a teacher
  writes them on the board, e.g. ``floor((28 + 2*0 - 3)/2) + 1``, with a remark in words where a
  floor or ceil matters, and the general rule itself (a :class:`Rule`: ``o = floor((n + 2p -
  k)/s) + 1``, in the symbols of :mod:`generator.engine.notation`), which the key shows first.

The worked text is an expression that evaluates (``+ - * /``, ``floor``, ``ceil``, ``max``) to
the step's value; the tests evaluate every one.

The rules themselves are in :mod:`generator.engine.formulas`, each added with :func:`register`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    import sympy


@dataclass(frozen=True)
class Rule:
    """A general formula, before any number: ``o = floor((n + 2p - k)/s) + 1``.

    Attributes:
        text: Plain text, for text reports.
        latex: The same as LaTeX (rendered as MathML in HTML, ``$...$`` in Markdown).
        symbols: The :data:`~generator.engine.notation.NOTATION` names it uses, for the key's
            notation box.
    """

    text: str
    latex: str
    symbols: tuple[str, ...] = ()

    @classmethod
    def of(cls, text: str, latex: str, names: str) -> Rule:
        """A rule whose symbols are given as space-separated names.

        >>> Rule.of("o = n*u", r"o = n \\cdot u", "o n u").symbols
        ('o', 'n', 'u')
        """
        return cls(text, latex, tuple(names.split()))


@dataclass(frozen=True)
class Work:
    """A formula with the numbers substituted, as plain text and as LaTeX.

    Attributes:
        text: An expression that evaluates to the value (``floor((28 - 3)/2) + 1``).
        latex: The same as LaTeX.
        remark: Words where the numbers need them (a floor or ceil that matters, the per-filter
            view of a parameter count); may be empty.
        rule: The general rule when it depends on the case (dilation, bias, groups); None: the
            formula's own :attr:`Formula.rule`.
    """

    text: str
    latex: str
    remark: str = ""
    rule: Rule | None = None


@dataclass(frozen=True)
class Formula:
    """One rule: its sympy expression, its integer evaluator and its worked form.

    Attributes:
        name: Stable identifier, used in JSON and error messages.
        symbolic: The rule in the symbols students see (``(H - k)/s + 1``).
        value: Exact integer evaluator; keyword arguments are the symbol names.
        work: Substitutes numbers into the student-facing form.
        build_expr: Builds the sympy expression (called once, lazily: importing sympy is slow).
        rule: The general rule the key shows before the numbers (None: :attr:`symbolic`).
    """

    name: str
    symbolic: str
    value: Callable[..., int]
    work: Callable[..., Work]
    build_expr: Callable[[], sympy.Expr]
    rule: Rule | None = None

    def rule_for(self, work: Work) -> Rule:
        """The general rule behind ``work``: its own, the formula's, or :attr:`symbolic`."""
        return work.rule or self.rule or Rule(self.symbolic, self.symbolic)

    @property
    def expr(self) -> sympy.Expr:
        """The sympy expression (built on first use and cached)."""
        return _expr(self.name)

    def latex(self) -> str:
        """The generic formula as LaTeX, printed by sympy."""
        import sympy

        return sympy.latex(self.expr)

    def evaluate_sympy(self, **values: int) -> int:
        """Evaluates the sympy expression (slow; used to cross-check :attr:`value`)."""
        expr = self.expr
        return int(expr.subs({sym: values[sym.name] for sym in expr.free_symbols}))


_REGISTRY: dict[str, Formula] = {}


@functools.cache
def _expr(name: str) -> sympy.Expr:
    return _REGISTRY[name].build_expr()


def register(formula: Formula) -> Formula:
    """Adds ``formula`` to the registry (by its name) and returns it."""
    _REGISTRY[formula.name] = formula
    return formula


def symbols(names: str) -> tuple[sympy.Symbol, ...]:
    """Positive integer sympy symbols, one per space-separated name.

    >>> symbols("n k")
    (n, k)
    """
    import sympy

    return tuple(sympy.Symbol(n, integer=True, positive=True) for n in names.split())


def decimal(a: int, b: int) -> str:
    """``a/b`` as a student's calculator shows it: ``12.5``, ``8.33`` (rounded: ``≈``).

    >>> decimal(25, 2), decimal(25, 3), decimal(26, 2)
    ('= 12.5', '≈ 8.33', '= 13')
    """
    exact = Fraction(a, b)
    if exact.denominator == 1:
        return f"= {exact.numerator}"
    for places in (1, 2):
        if (exact * 10**places).denominator == 1:
            return f"= {float(exact):.{places}f}"
    return f"≈ {float(exact):.2f}"


def floor_remark(a: int, s: int) -> str:
    """Words for ``floor(a/s) + 1`` when the division is not exact (else empty): how often the
    window fits and what is dropped.

    >>> floor_remark(25, 2)
    '25/2 = 12.5: after its first position the window fits 12 more times; the last 1 row/column left over is dropped, so floor → 12 + 1 = 13'
    >>> floor_remark(26, 2)
    ''
    """
    q, r = divmod(a, s)
    if r == 0:
        return ""
    left = "row/column left over is" if r == 1 else "rows/columns left over are"
    return (f"{a}/{s} {decimal(a, s)}: after its first position the window fits {q} more times; "
            f"the last {r} {left} dropped, so floor → {q} + 1 = {q + 1}")


def ceil_remark(n: int, s: int) -> str:
    """Words for ``ceil(n/s)`` when the division is not exact (else empty).

    >>> ceil_remark(9, 2)
    "9/2 = 4.5: 'same' pads the border, so the last, partial window still gives an output: ceil → 5"
    """
    if n % s == 0:
        return ""
    return f"{n}/{s} {decimal(n, s)}: 'same' pads the border, so the last, partial window still gives an output: ceil → {-(-n // s)}"


def formulas() -> dict[str, Formula]:
    """Every registered formula by name (every rule once :mod:`generator.engine.formulas` is
    imported)."""
    return dict(_REGISTRY)
