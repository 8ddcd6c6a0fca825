"""The lab handout: questions about the lab model's shapes and parameters, generated and keyed by
the engine and rendered with the worksheets' templates (Markdown, self-check HTML, key).

Nothing here is random: the questions are the seed notebook's own (its model's summary table, and
its padding/stride examples), so every student's handout is the same and matches the notebook.
"""

from __future__ import annotations

from pathlib import Path

from generator.documents import FIGURES, document_context, render_documents
from generator.engine import ModelSpec
from generator.engine.layers import Conv2D, Layer, Padding
from generator.key import Key, KeyKind, Paper
from generator.output import derive_seed, write_text
from generator.problems import Problem
from generator.problems.concepts import macs_problem, receptive_field_problem
from generator.problems.types import layer_shape_problem, summary_problem
from generator.render import environment
from generator.sampler import Difficulty

TITLE = "Lab handout — the seed's MNIST network, layer by layer"
INSTRUCTIONS = (
    "Work these out before you train the model, then compare with `model.summary()` in the "
    "notebook. Shapes as Keras prints them, e.g. `(None, 26, 26, 32)`."
)


def handout_problems(spec: ModelSpec) -> list[Problem]:
    """The seed's model's summary table, the seed's padding/stride examples, the cost of the first
    convolution and the receptive field of the convolutional part."""
    level = Difficulty.INTRO
    image = spec.input_shape
    examples: list[Layer] = [
        Conv2D(32, (3, 3), strides=(2, 2), activation="relu"),
        Conv2D(32, (3, 3), padding=Padding.SAME, activation="relu"),
        Conv2D(32, (5, 5), activation="relu"),
    ]
    problems = [summary_problem(spec, level, "h1")]
    for layer in examples:
        pid = f"h{len(problems) + 1}"
        problems.append(layer_shape_problem(ModelSpec(image, (layer,), pid), level, pid))
    first = spec.layers[0]
    problems.append(macs_problem(ModelSpec(image, (first,), "h5"), level, "h5"))
    windows = tuple(layer for layer in spec.layers if layer.window() is not None)
    problems.append(receptive_field_problem(ModelSpec(image, windows, "h6"), level, "h6"))
    return problems


def handout_key(problems: list[Problem]) -> Key:
    """The handout's key (a worksheet key without a seed: nothing in it is random)."""
    return Key(KeyKind.WORKSHEET, TITLE, (Paper.shared(tuple(problems)),))


def write_handout(spec: ModelSpec, out: Path) -> list[Path]:
    """Writes ``handout.md``, ``handout.html`` (self-check), ``handout-key.md``,
    ``handout-key.html``, ``handout-key.json`` and the figures the Markdown links
    (``figures/*.svg``) into ``out``."""
    problems = handout_problems(spec)
    salt = f"{derive_seed('lab-handout', spec.name):016x}"
    context = document_context(TITLE, "", Difficulty.INTRO.value, None, salt, problems, INSTRUCTIONS)
    docs = render_documents(environment(), context, salt, TITLE)
    files = {
        "handout.md": docs["worksheet.md"],
        "handout.html": docs["worksheet.html"],
        "handout-key.md": docs["key.md"],
        "handout-key.html": docs["key.html"],
        "handout-key.json": handout_key(problems).to_json(),
        **{name: text for name, text in docs.items() if name.startswith(f"{FIGURES}/")},
    }
    for name, text in files.items():
        write_text(out / name, text)
    return [out / name for name in files]
