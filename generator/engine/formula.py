"""The :class:`Formula` machinery: one rule in three views, and the registry of every rule.

Each :class:`Formula` holds three views of one rule:

* a sympy expression (``expr``), for the generic LaTeX form and for solving inverse problems;
* an exact integer evaluator (``value``), the hot path: no sympy, no floats;
* a worked form (``work``) that substitutes the numbers the way a teacher writes them on the
  board, e.g. ``(28 - 3)/1 + 1`` (``floor`` only where the division is not exact).

The rules themselves are in :mod:`generator.engine.formulas`, each added with :func:`register`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    import sympy


@dataclass(frozen=True)
class Work:
    """A formula with the numbers substituted, as plain text and as LaTeX."""

    text: str
    latex: str


@dataclass(frozen=True)
class Formula:
    """One rule: its sympy expression, its integer evaluator and its worked form.

    Attributes:
        name: Stable identifier, used in JSON and error messages.
        symbolic: The rule in the symbols students see (``(H - k)/s + 1``).
        value: Exact integer evaluator; keyword arguments are the symbol names.
        work: Substitutes numbers into the student-facing form.
        build_expr: Builds the sympy expression (called once, lazily: importing sympy is slow).
    """

    name: str
    symbolic: str
    value: Callable[..., int]
    work: Callable[..., Work]
    build_expr: Callable[[], sympy.Expr]

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


def div_work(numerator: str, numerator_latex: str, exact: bool, s: int) -> Work:
    """The worked form of ``floor(a/s) + 1``: ``(a)/s + 1`` when the division is exact, else
    ``floor((a)/s) + 1``.

    >>> div_work("28 - 3", "28 - 3", False, 2).text
    'floor((28 - 3)/2) + 1'
    """
    if exact:
        return Work(f"({numerator})/{s} + 1", rf"\frac{{{numerator_latex}}}{{{s}}} + 1")
    return Work(
        f"floor(({numerator})/{s}) + 1",
        rf"\left\lfloor \frac{{{numerator_latex}}}{{{s}}} \right\rfloor + 1",
    )


def formulas() -> dict[str, Formula]:
    """Every registered formula by name (every rule once :mod:`generator.engine.formulas` is
    imported)."""
    return dict(_REGISTRY)
