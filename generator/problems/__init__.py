"""Problem types: each draws numbers, computes every answer with the engine and returns a typed
:class:`~generator.key.Problem` record."""

from generator.key import Blank, Distractor, Problem, ProblemType, WorkedStep
from generator.problems.types import GENERATORS, generate

__all__ = ["GENERATORS", "Blank", "Distractor", "Problem", "ProblemType", "WorkedStep", "generate"]
