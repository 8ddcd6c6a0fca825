"""The key model: one writer, one reader, a documented schema, old keys still graded."""

from __future__ import annotations

import json
import random

import jsonschema
import pytest

from conftest import REPO
from generator.configs import load_config
from generator.engine.steps import Quantity
from generator.errors import UserError
from generator.key import FORMAT, Key, KeyKind
from generator.lab.handout import handout_key, handout_problems
from generator.lab.model import SPEC
from generator.problems import generate
from generator.worksheet import worksheet_keys
from helpers import exam_key

SCHEMA = json.loads((REPO / "docs" / "key.schema.json").read_text())


def _keys() -> list[Key]:
    combined, sheets = worksheet_keys(load_config(REPO / "configs" / "default.yaml"), 7)
    master = exam_key(4, seed=3, config=str(REPO / "configs" / "exam.yaml"))
    student = Key(KeyKind.STUDENT, master.title, master.papers[:1], master.seed, verified_with="")
    return [combined, *(key for _, key in sheets), master, student, handout_key(handout_problems(SPEC))]


@pytest.mark.parametrize("key", _keys(), ids=lambda k: f"{k.kind.value}-{k.title[:20]}")
def test_every_kind_of_key_matches_the_schema_and_round_trips(key):
    text = key.to_json()
    data = json.loads(text)
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert data["format"] == FORMAT
    again = Key.from_json(text, "key.json")
    assert again == key and again.to_json() == text


def test_steps_are_records_with_quantities_not_prose():
    problem = generate("layer_shape", random.Random(1), "intro", "p1")
    steps = problem.blanks[0].steps
    assert steps[-1].quantity is Quantity.OUTPUT_SHAPE
    assert all(isinstance(s.quantity, Quantity) for s in steps)
    engine_steps = [s for s in steps if s.formula]
    assert engine_steps and all(s.value is not None and s.substituted for s in engine_steps)
    assert all(s.text.endswith(str(s.value)) for s in engine_steps if s.quantity.axes(3))


def test_a_01_key_with_text_steps_still_loads(tmp_path):
    data = json.loads(_keys()[0].to_json())
    del data["format"]
    for problem in data["problems"]:
        for blank in problem["blanks"]:
            blank["steps"] = [s["text"] for s in blank["steps"]]
    key = Key.from_data(data, "old.json")
    assert all(s.quantity is Quantity.NOTE for p in key.problems for b in p.blanks for s in b.steps)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(format="cnn-worksheets-key/9"), r"format 'cnn-worksheets-key/9'"),
    (lambda d: d["problems"][0].update(type="essay"), r"problems\[0\] \(problem w1p1\) has a 'type' that is not one of"),
    (lambda d: d["problems"][0]["blanks"][0]["steps"][0].update(quantity="mood"), r"step whose 'quantity' is unknown"),
    (lambda d: d["problems"][0]["blanks"][0]["steps"][0].update(value=True), r"step whose 'value' is not a whole number"),
    (lambda d: d["problems"][0]["blanks"][0].update(answer="7x7"), r"'answer' missing from 'accepted'"),
    (lambda d: d["problems"][0]["spec"]["layers"][0].update(Conv2D={"filters": 0, "kernel_size": 3}), r"spec: layer 0"),
    (lambda d: d.update(seed="2026"), r"'seed' must be a whole number"),
])
def test_bad_keys_are_one_line_errors_naming_the_place(change, message):
    data = json.loads(_keys()[0].to_json())
    change(data)
    with pytest.raises(UserError) as info:
        Key.from_data(data, "bad.json")
    text = str(info.value)
    assert text.startswith("bad.json") and "\n" not in text
    import re

    assert re.search(message, text), text


def test_the_readers_caches_never_let_a_bad_repeat_through():
    """The reader reuses a step or a layer it has already validated when an equal one comes
    again (a class's key repeats them thousands of times); an entry that only looks equal (a
    value true where the first had 1, a kernel size 3.5 beside 3) is still validated, and
    refused."""
    data = json.loads(exam_key(2).to_json())
    papers = data["students"]
    step = papers[0]["problems"][0]["blanks"][0]["steps"][0]
    assert isinstance(step.get("value"), int)
    Key.from_data(json.loads(json.dumps(data)), "k.json")  # the key as written loads
    bad = json.loads(json.dumps(data))
    first = bad["students"][0]["problems"][0]["blanks"][0]["steps"][0]
    twin = bad["students"][1]["problems"][0]["blanks"][0]["steps"]
    twin.append({**first, "value": True})
    with pytest.raises(UserError, match="whole number"):
        Key.from_data(bad, "k.json")
    bad = json.loads(json.dumps(data))
    args = next(a for p in bad["students"][1]["problems"] for layer in p["spec"]["layers"]
                for a in layer.values() if "kernel_size" in a)
    args["kernel_size"] = [args["kernel_size"][0] + 0.5, args["kernel_size"][1]]
    with pytest.raises(UserError, match="kernel_size"):
        Key.from_data(bad, "k.json")
