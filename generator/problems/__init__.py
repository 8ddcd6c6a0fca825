"""Problem types: spec -> question + computed answers + worked steps, as plain data."""

from generator.problems.base import Blank, Distractor, Problem, ProblemType
from generator.problems.types import GENERATORS, generate

__all__ = ["GENERATORS", "Blank", "Distractor", "Problem", "ProblemType", "generate"]
