"""Hostile and careless input: every case ends in one line on stderr and exit code 2 (or a right
answer), never a traceback, never silently wrong, and never writes a file.

Grouped as the hardening issue groups them: security, silently wrong, crashes, LMS edge cases.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.engine import analyze
from generator.errors import SpecError, UserError, brief
from generator.exports import moodle_xml
from generator.exports.moodle import cloze_html, cloze_text
from generator.grading import Status, check
from generator.problems import generate
from generator.roster import read_roster
from generator.spec import load_spec, parse_python
from helpers import cli, one_line_error, snapshot

SMALL_CONFIG = """
title: Hostile
instructions: {instructions}
worksheets:
  - name: a
    title: A
    difficulty: intro
    problems:
      - {{type: layer_shape, count: 1}}
"""


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _config(tmp_path: Path, instructions: str = "Answer every box.") -> Path:
    return _write(tmp_path / "ws.yaml", SMALL_CONFIG.format(instructions=json.dumps(instructions)))


def _explain_error(tmp_path: Path, name: str, text: str | bytes) -> str:
    """``explain`` of a spec file written with ``text``; returns the one-line error."""
    return one_line_error(*cli("explain", str(_write(tmp_path / name, text)))[::2])


def _build_with_template(tmp_path: Path, template: str | bytes, name: str = "key.md.j2") -> str:
    """Builds a small worksheet with one user template; returns the one-line error."""
    templates = tmp_path / "tpl"
    templates.mkdir()
    _write(templates / name, template)
    line = one_line_error(*cli("worksheet", "--config", str(_config(tmp_path)), "--seed", "1",
                               "--out", str(tmp_path / "out"), "--templates", str(templates), "--no-verify")[::2])
    assert not (tmp_path / "out").exists()
    return line


# ---------------------------------------------------------------- security


PAYLOADS = [
    "{{ cycler.__init__.__globals__.os.system('touch {marker}') }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ lipsum.__globals__['os'].system('touch {marker}') }}",
    "{% set x = namespace() %}{{ joiner.__init__.__globals__ }}",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_templates_cannot_run_code(payload, tmp_path):
    marker = tmp_path / "pwned"
    message = _build_with_template(tmp_path, payload.replace("{marker}", str(marker)))
    assert message.startswith("error: template key.md.j2:1: refused by the sandbox (templates only read data)"), message
    assert not marker.exists()
    assert sorted(snapshot(tmp_path)) == ["tpl/", "tpl/key.md.j2", "ws.yaml"]


@pytest.mark.parametrize("template, message", [
    ("{{ 1 + 'a' }}", r"template key.md.j2:1: TypeError: unsupported operand"),
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", r"template key.md.j2(:\d+)?: recursion too deep"),
    ("{{ problems[99] }}", r"template key.md.j2(:\d+)?: "),
    ("{% for x in %}", r"template .*key.md.j2:1: "),
    (b"caf\xe9 {{ doc.title }}", r"template key.md.j2: not UTF-8 text \(byte 0xe9 at offset 3\)"),
])
def test_broken_templates_are_one_line_errors(template, message, tmp_path):
    line = _build_with_template(tmp_path, template)
    assert re.search(message, line), line


BOMB = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]
)


@pytest.mark.parametrize("command", ["explain", "worksheet"])
def test_yaml_alias_bombs_are_refused_quickly(command, tmp_path):
    path = _write(tmp_path / "bomb.yaml", "input_shape: [8, 8, 1]\n" + BOMB + "\nlayers: [Flatten]\n")
    assert len(path.read_bytes()) < 600
    start = time.perf_counter()
    argv = ["explain", str(path)] if command == "explain" else [
        "worksheet", "--config", str(path), "--seed", "1", "--out", str(tmp_path / "o"), "--no-verify"]
    line = one_line_error(*cli(*argv)[::2])
    assert time.perf_counter() - start < 5
    assert re.search(r"invalid YAML at line 3 column \d+: aliases \(\*a\) are not read; write the value out", line), line


def test_error_messages_quote_values_briefly(tmp_path):
    huge = "x" * 1_000_000
    spec = _write(tmp_path / "m.json", json.dumps({"input_shape": [8, 8, 1], "layers": [{"Dense": {"units": huge}}]}))
    line = one_line_error(*cli("explain", str(spec))[::2])
    assert "Received: units='xxxx" in line and "(1,000,000 characters)" in line and len(line) < 400
    nested: Any = 1
    for _ in range(40):
        nested = [nested, nested]
    assert len(brief(nested)) < 200  # a 2**40-leaf tree, never expanded


def test_config_instructions_are_escaped(tmp_path):
    evil = "Read `(None, 26, 26, 32)` *carefully* <script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror=alert(3)> {: onclick=alert(4)}"
    out = tmp_path / "out"
    assert cli("worksheet", "--config", str(_config(tmp_path, evil)), "--seed", "1", "--out", str(out), "--no-verify")[0] == 0
    page = (out / "a-worksheet.html").read_text()
    body = page.split("<body", 1)[1].split("<script>", 1)[0]  # the page's own self-check script follows
    assert "<script>alert" not in page and "javascript:alert" not in re.sub(r"\[click\]\(javascript:alert\(2\)\)", "", body)
    assert 'href="javascript' not in page and "<img" not in body and "onclick=" not in body.replace("{: onclick=alert(4)}", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<code>(None, 26, 26, 32)</code>" in body and "<em>carefully</em>" in body
    markdown = (out / "a-worksheet.md").read_text()
    assert "<script>" not in markdown and not re.search(r"(?<!\\)\]\(javascript", markdown)


# ---------------------------------------------------------------- silently wrong


@pytest.fixture
def worksheet_key(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    out = tmp_path / "ws"
    config = _write(tmp_path / "c.yaml", """
title: T
worksheets:
  - name: a
    title: A
    difficulty: standard
    problems:
      - {type: summary_table, count: 1}
""")
    assert cli("worksheet", "--config", str(config), "--seed", "3", "--out", str(out), "--no-verify")[0] == 0
    return out / "key.json", json.loads((out / "key.json").read_text())["problems"][0]


def test_an_unquoted_comma_in_an_answer_is_an_error_not_a_truncation(worksheet_key, tmp_path):
    key, problem = worksheet_key
    shape = next(b for b in problem["blanks"] if b["kind"] == "shape")
    dims = shape["answer"].split("x")
    answers = _write(tmp_path / "a.csv", f"student_id,question_id,answer\ns001,{problem['id']}.{shape['id']},{','.join(dims)}\n")
    line = one_line_error(*cli("check", "--key", str(key), str(answers))[::2])
    assert line == (
        f"error: {answers} line 2: {2 + len(dims)} cells, but the header has 3; an answer or name that holds "
        "a ',' (such as 26,26,32 or 18,496) must be quoted: \"26,26,32\""
    )
    quoted = _write(tmp_path / "q.csv", f'student_id,question_id,answer\ns001,{problem["id"]}.{shape["id"]},"{",".join(dims)}"\n')
    report = check(key, quoted)
    assert report.students[0].questions[[q.question_id for q in report.students[0].questions].index(
        f"{problem['id']}.{shape['id']}")].status is Status.RIGHT


PY_ERRORS = {
    "if False": ("model = Sequential()\nmodel.add(Conv2D(8, 3, input_shape=(8, 8, 1)))\nif False:\n    model.add(Dense(3))\n",
                 r"m.py:4: model.add\(...\) inside an if/else block \(line 3\)"),
    "for loop": ("model = Sequential()\nmodel.add(Conv2D(8, 3, input_shape=(8, 8, 1)))\nfor i in range(3):\n    model.add(Dense(3))\n",
                 r"m.py:4: model.add\(...\) inside a for loop \(line 3\)"),
    "while": ("model = Sequential([Input((8, 8, 1))])\nwhile len(model.layers) < 3:\n    model.add(Dense(3))\n",
              r"m.py:3: model.add\(...\) inside a while loop"),
    "try": ("try:\n    model = Sequential([Input((8, 8, 1)), Flatten()])\nexcept Exception:\n    pass\n",
            r"m.py:2: Sequential\(...\) inside a try block \(line 1\)"),
    "with": ("with strategy.scope():\n    model = Sequential([Input((8, 8, 1)), Flatten()])\n",
             r"m.py:2: Sequential\(...\) inside a with block \(line 1\)"),
    "rebound under if": ("model = Sequential([Input((8, 8, 1)), Flatten()])\nif x:\n    model = load_model('x')\n",
                         r"m.py:3: 'model' bound by an assignment inside an if/else block \(line 2\)"),
    "match capture": ("model = Sequential([Input((8, 8, 1)), Flatten()])\nnet = Sequential([Input((4,)), Dense(2)])\n"
                      "match net:\n    case model:\n        pass\n",
                      r"m.py:4: 'model' bound by a match pattern inside a match block"),
    "walrus in a comprehension": ("model = Sequential([Input((8, 8, 1)), Flatten()])\nnet = Sequential([Input((4,)), Dense(2)])\n"
                                  "_ = [(model := net) for _ in range(1)]\n",
                                  r"m.py:3: 'model' bound by an assignment inside a comprehension"),
    "import as model": ("model = Sequential([Input((8, 8, 1)), Flatten()])\nfrom os import path as model\n",
                        r"m.py:2: 'model' bound by an import at the top level"),
    "def model": ("model = Sequential([Input((8, 8, 1)), Flatten()])\ndef model():\n    pass\n",
                  r"m.py:2: 'model' bound by a def at the top level"),
    "for model in": ("model = Sequential([Input((8, 8, 1)), Flatten()])\nfor model in []:\n    pass\n",
                     r"m.py:2: 'model' bound by an assignment inside a for loop"),
    "add through a list": ("model = Sequential([Input((8,))])\nms = [model]\nms[0].add(Dense(10))\n",
                           r"m.py:3: ms\[0\].add\(...\) adds to something other than a model's variable"),
    "add as a value": ("model = Sequential([Input((8,))])\nadd = model.add\nadd(Dense(10))\n",
                       r"m.py:2: model.add used as a value inside an expression"),
    "decorator": ("model = Sequential([Input((8,))])\n@model.add\ndef f():\n    pass\n",
                  r"m.py:2: model.add used as a value"),
    "frozen model": ("model = keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(10)], trainable=False)\n",
                     r"m.py:1: Sequential: trainable=False freezes the model as a whole"),
    "frozen model, positional": ("model = keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten()], False)\n",
                                 r"trainable=False freezes the model as a whole"),
    "layers twice": ("model = Sequential([Input((8,))], layers=[Dense(2)])\n", r"argument 'layers' is given twice"),
    "input_shape after Input": ("model = Sequential([keras.Input((28, 28, 1))])\nmodel.add(layers.Conv2D(4, 3, input_shape=(10, 10, 1)))\n",
                                r"input_shape after keras.Input\(...\), which Keras ignores"),
    "def": ("def build():\n    model = Sequential()\n    model.add(Conv2D(8, 3, input_shape=(8, 8, 1)))\n    return model\nmodel = build()\n",
            r"m.py:2: Sequential\(...\) inside the function 'build' \(line 1\)"),
    "comprehension": ("model = Sequential([Input((8, 8, 1))])\n[model.add(Dense(3)) for _ in range(2)]\n",
                      r"m.py:2: model.add\(...\) inside a comprehension"),
    "positional and keyword": ("model = Sequential()\nmodel.add(Conv2D(32, (3, 3), filters=64, input_shape=(8, 8, 1)))\n",
                               r"argument 'filters' is given positionally and as a keyword, which Python refuses"),
    "keyword twice": ("model = Sequential()\nmodel.add(Conv2D(filters=32, kernel_size=3, filters=64, input_shape=(8, 8, 1)))\n",
                      r"argument 'filters' is given twice as a keyword"),
    "trainable later": ("model = Sequential([Input((8, 8, 1)), Flatten(), Dense(3)])\nmodel.layers[2].trainable = False\n",
                        r"m.py:2: 'model.layers\[2\].trainable' = ... changes layers after they are built"),
    "two models, none named model": ("a = Sequential([Input((4, 4, 1)), Flatten()])\nb = Sequential([Input((8, 8, 1)), Flatten()])\n",
                                     r"several variables hold models at the end \(a, b\) and none is called 'model'"),
    "add to a non-model": ("net.add(Dense(3))\n", r"m.py:1: net.add\(...\): 'net' does not hold a Sequential model"),
    "model replaced by something unread": ("net = Sequential([Input((4,)), Dense(2)])\nmodel = keras.models.load_model('x.keras')\n",
                                           r"m.py:2: 'model' is last given something other than a Sequential model"),
}


@pytest.mark.parametrize("case", list(PY_ERRORS))
def test_keras_source_under_control_flow_is_an_error_naming_the_line(case, tmp_path):
    source, message = PY_ERRORS[case]
    line = _explain_error(tmp_path, "m.py", source)
    assert re.search(message, line), line


def test_keras_source_the_variable_rule_and_optional_positionals():
    spec = parse_python("model = Sequential([Input((4, 4, 1)), Flatten()])\nnet = Sequential([Input((8, 8, 1)), Flatten()])\n")
    assert spec.input_shape == (4, 4, 1)  # the model `model` holds, not the last one built
    spec = parse_python("net = Sequential([Input((8, 8, 1))])\nmodel = net\nnet.add(Flatten())\nmodel.pop()\nmodel.add(Dense(3))\n")
    assert [type(layer).__name__ for layer in spec.layers] == ["Dense"]  # one object, two names
    spec = parse_python(
        "model: keras.Sequential = keras.Sequential([keras.Input((8, 8, 1)), layers.UpSampling2D(2, None, 'bilinear'),"
        " layers.Flatten('channels_last'), layers.Dropout(0.5, None, 42)])\n"
    )
    assert [r.output_shape for r in analyze(spec).records] == [(16, 16, 1), (256,), (256,)]
    spec = parse_python("s = set()\ns.add(3)\nmodel = Sequential([Input((8, 8, 1)), Flatten()])\ndef f():\n    model = 3\n")
    assert spec.input_shape == (8, 8, 1)  # a set's add and a function's own local are not the model
    spec = parse_python("model = Sequential([Input((8,)), Dense(2)])\ndef f():\n    def model():\n        pass\n"
                        "class C:\n    model = 3\n_ = [model for model in range(3)]\n")
    assert spec.input_shape == (8,)  # a nested def, a class attribute and a comprehension's own name
    spec = parse_python("model = Sequential([Input((8,)), Dense(2)])\nnet = Sequential([Input((4,)), Dense(3)])\n"
                        "model.stop_training = False\ncache = {}\ncache[model] = net\nmodel.add(Dense(5), rebuild=False)\n")
    assert spec.input_shape == (8,) and len(spec.layers) == 2  # attribute and item stores leave `model` alone


def test_trainable_false_moves_weights_to_non_trainable():
    spec = parse_python("model = Sequential([Input((28, 28, 1)), Conv2D(32, 3, trainable=False), Flatten(), Dense(10)])\n")
    summary = analyze(spec, explain=True)
    assert (summary.records[0].trainable, summary.records[0].non_trainable) == (0, 320)
    assert summary.trainable_params == summary.records[2].params


def _py(layer: str) -> tuple[str, str]:
    return "m.py", f"model = Sequential([Input((8,)), {layer}])\n"


@pytest.mark.parametrize("spec, message", [
    (_py("Dense(3, activation='nonsense')"), r"argument 'activation': expected a Keras activation name"),
    (_py("Dense(3, name='a/b')"), r"argument 'name': .*without '/'"),
    (_py("Dense(3, lora_rank=4)"), r"argument 'lora_rank' is supported only as None"),
    (_py("Dense(3, dtype='nonsense')"), r"argument 'dtype' is supported only as one of bfloat16"),
    (("m.yaml", "input_shape: [8]\nlayers:\n  - Dense: {units: 2, dtype: [float32]}\n"), r"argument 'dtype' is supported only as one of"),
    (("m.yaml", "input_shape: [8]\nlayers:\n  - BatchNormalization: {axis: 3}\n"), r"axis=3 is not the last axis of a rank-2 input"),
    (("m.yaml", "input_shape: [8]\nlayers:\n  - Dense: {units: 2, units: 3}\n"),
     r"invalid YAML at line 3 column 23: the key 'units' appears twice"),
    (("m.yaml", "input_shape: [8]\ninput_shape: [9]\nlayers: [Flatten]\n"), r"the key 'input_shape' appears twice \(first on line 1\)"),
    (("m.json", '{"input_shape": [8], "layers": [{"Dense": {"units": 2, "units": 3}}]}'),
     r"invalid JSON: the key 'units' appears twice in one object"),
])
def test_the_engine_refuses_what_keras_refuses(spec, message, tmp_path):
    line = _explain_error(tmp_path, *spec)
    assert re.search(message, line), line


def test_duplicate_layer_names_are_refused(tmp_path):
    spec = _write(tmp_path / "m.yaml", "input_shape: [8]\nlayers:\n  - Dense: {units: 3, name: dense_1}\n  - Dense: {units: 3}\n  - Dense: {units: 3}\n")
    line = one_line_error(*cli("explain", str(spec))[::2])
    assert line == f"error: {spec}: layers 0 and 2 are both named 'dense_1'; Keras requires unique layer names"


@pytest.mark.parametrize("ids, rows", [(("S1", "s1"), (2, 3)), (("s-1", "s_1"), (2, 3)), (("ab 1", "AB1"), (2, 3))])
def test_rosters_with_ids_check_cannot_tell_apart_are_refused(ids, rows, tmp_path):
    roster = _write(tmp_path / "r.csv", f"id,name\n{ids[0]},A\n{ids[1]},B\n")
    line = one_line_error(*cli("exam", "--roster", str(roster), "--seed", "1", "--out", str(tmp_path / "o"), "--no-verify")[::2])
    assert line == (f"error: --roster {roster}: row {rows[1]}: id {ids[1]!r} is the same as {ids[0]!r} for check "
                    f"(case, spaces, - and _ are ignored) in row {rows[0]}")
    assert not (tmp_path / "o").exists()


def test_an_id_equal_to_another_students_variant_code_is_refused(tmp_path):
    from generator.exam import variant_code

    roster = _write(tmp_path / "r.csv", f"id,name\ns1,A\n{variant_code(1, 's1').lower()},B\n")
    line = one_line_error(*cli("exam", "--roster", str(roster), "--seed", "1", "--out", str(tmp_path / "o"), "--no-verify")[::2])
    assert "would both be" in line and "their answers could not be told apart" in line


@pytest.mark.parametrize("text, message", [
    ("units: 010", r"010 has a leading zero, which YAML 1.1 reads as an octal number \(8\); write 10 or 8"),
    ("units: 1:30", r"'1:30' is a base-60 number in YAML 1.1"),
])
def test_yaml_numbers_that_surprise_are_refused(text, message, tmp_path):
    spec = _write(tmp_path / "m.yaml", f"input_shape: [8]\nlayers:\n  - Dense: {{{text}}}\n")
    line = one_line_error(*cli("explain", str(spec))[::2])
    assert re.search(message, line), line


def test_data_format_is_read_as_keras_reads_it(tmp_path):
    spec = load_spec(_write(tmp_path / "m.yaml", "input_shape: [8, 8, 1]\nlayers:\n  - Conv2D: {filters: 2, kernel_size: 3, data_format: CHANNELS_LAST}\n"))
    assert analyze(spec).records[0].output_shape == (6, 6, 2)


# ---------------------------------------------------------------- crashes


@pytest.mark.parametrize("name, text, message", [
    ("big.yaml", "input_shape: [8]\nlayers:\n  - Dense: {units: " + "9" * 5000 + "}\n", r"a number with 5,000 digits \(at most 30\)"),
    ("big.json", '{"input_shape": [8], "layers": [{"Dense": {"units": ' + "9" * 5000 + "}}]}", r"holds a number with more than 4,300 digits"),
    ("big.py", "model = Sequential([Input((8,)), Dense(" + "9" * 5000 + ")])\n", r"a number with more than 4,300 digits"),
    ("mid.yaml", "input_shape: [8]\nlayers:\n  - Dense: {units: " + "9" * 25 + "}\n", r"Received: units=<an integer of 25 digits>"),
    ("deep.json", "[" * 200_000 + "]" * 200_000, r"nested more than 50 levels deep"),
    ("deep.yaml", "[" * 200_000 + "]" * 200_000, r"nested more than 50 levels deep"),
    ("deep2.yaml", "- " * 2000 + "x\n", r"nested more than 50 levels deep"),
    ("sum.py", "x = " + "1 + " * 3000 + "1\nmodel = Sequential([Input((8,)), Dense(2)])\n", r"nests too deeply to read|nested more than 100 levels"),
    ("neg.py", "x = " + "-" * 100_000 + "1\n", r"nests too deeply to read"),
    ("huge.yaml", "# " + "x" * (2 << 20) + "\n", r"larger than 1 MiB"),
])
def test_huge_and_deep_specs_are_one_line_errors(name, text, message, tmp_path):
    line = _explain_error(tmp_path, name, text)
    assert re.search(message, line), line


def test_computed_sizes_are_capped(tmp_path):
    spec = _write(tmp_path / "up.yaml", "input_shape: [8, 8, 1]\nlayers:\n" + "  - UpSampling2D: {size: 1000}\n" * 8)
    line = one_line_error(*cli("explain", str(spec))[::2])
    assert re.search(r"layer 4 \(UpSampling2D\) with input shape \(None, 8000000000000, 8000000000000, 1\): "
                     r"output height would be 8,000,000,000,000,000: 8000000000000\*1000 = .*more than 10\^15", line), line
    assert len(line) < 400


def test_one_huge_answer_never_stops_the_class(worksheet_key, tmp_path):
    key, problem = worksheet_key
    rows = [("s1", f"{problem['id']}.{b['id']}", b["answer"].replace("x", ",")) for b in problem["blanks"]]
    rows[1] = ("s1", rows[1][1], "9" * 5000)
    rows += [("s2", qid, answer) for _, qid, answer in rows]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([("student_id", "question_id", "answer"), *rows])
    answers = _write(tmp_path / "a.csv", buffer.getvalue())
    code, out, err = cli("check", "--key", str(key), str(answers), "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    first = {q["question_id"]: q for q in report["students"][0]["questions"]}
    assert first[rows[1][1]]["status"] == "unreadable"
    assert first[rows[1][1]]["note"] == "not a number we can read: it has 5,000 digits (at most 30)"
    assert report["students"][1]["points"] == report["students"][1]["max_points"] - 1
    assert sum(q["right"] for q in first.values()) == len(first) - 1


def test_a_key_with_a_huge_number_is_a_one_line_error(tmp_path):
    key = _write(tmp_path / "key.json", '{"problems": [{"id": "p1", "blanks": [{"id": "b", "kind": "int", "accepted": [' + "9" * 5000 + "]}]}]}")
    answers = _write(tmp_path / "a.csv", "student_id,question_id,answer\na,p1.b,1\n")
    line = one_line_error(*cli("check", "--key", str(key), str(answers))[::2])
    assert line == f"error: {key}: not a JSON key file: holds a number with more than 4,300 digits"


ROSTERS = {
    "cr line ends": (b"id,name\rs1,Ada\rs2,Alan\r", None),
    "semicolons": (b"id;name\ns1;Ada\ns2;Alan\n", None),
    "long field": (b"id,name\ns1," + b"x" * 200_000 + b"\n", r"line 2: not valid CSV: a field longer than 10,000 characters"),
    "long id": (b"id,name\n" + b"s" * 100 + b",Ada\n", r"row 2: an id is one line of at most 64 characters"),
    "xlsx": (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml", r"a zip archive \(an .xlsx workbook\?\)"),
    "unterminated quote": (b'id,name\ns1,"Ada\n', r"not valid CSV: unexpected end of data"),
    "two id columns": (b"id,name,ID\ns1,Ada,s2\n", r"the header has 2 'id' columns; keep one"),
    "binary": (b"id,name\ns1,\x00\x01\x02\n", r"line 2: the roster holds binary data"),
    "empty": (b"\n\n", r"the roster is empty"),
}


@pytest.mark.parametrize("case", list(ROSTERS))
def test_rosters(case, tmp_path):
    data, message = ROSTERS[case]
    path = _write(tmp_path / "r.csv", data)
    if message is None:
        assert [(s.id, s.name) for s in read_roster(path)] == [("s1", "Ada"), ("s2", "Alan")]
        return
    line = one_line_error(*cli("exam", "--roster", str(path), "--seed", "1", "--out", str(tmp_path / "o"), "--no-verify")[::2])
    assert line.startswith(f"error: --roster {path}") and re.search(message, line), line
    assert not (tmp_path / "o").exists()


def test_a_folder_or_an_unreadable_path_as_input_is_one_line(tmp_path):
    line = one_line_error(*cli("exam", "--roster", str(tmp_path), "--seed", "1", "--out", str(tmp_path / "o"), "--no-verify")[::2])
    assert line == f"error: --roster {tmp_path}: is a folder, not a roster"
    not_a_dir = _write(tmp_path / "file.txt", "x") / "roster.csv"
    line = one_line_error(*cli("exam", "--roster", str(not_a_dir), "--seed", "1", "--out", str(tmp_path / "o"), "--no-verify")[::2])
    assert line == f"error: --roster {not_a_dir}: cannot read the roster: Not a directory"
    line = one_line_error(*cli("explain", str(tmp_path / "dir.yaml" if (tmp_path / "dir.yaml").mkdir() is None else ""))[::2])
    assert line.endswith("is a folder, not a spec")


@pytest.mark.parametrize("argv, message", [
    (["bench", "--rounds", "0"], r"argument --rounds: expected a whole number from 1 to 100, got 0"),
    (["bench", "--keras-models", "0"], r"argument --keras-models: expected a whole number from 1 to 10,000, got 0"),
    (["bench", "--models", "0"], r"argument --models: expected a whole number from 1 to 100,000, got 0"),
    (["bench", "--models", "-1"], r"argument --models: expected a whole number from 1 to 100,000, got -1"),
    (["bench", "--models", "x"], r"argument --models: expected a whole number, got 'x'"),
    (["bench", "--models", "5", "--keras-models", "6"], r"--keras-models \(6\) cannot exceed --models \(5\)"),
    (["explain"], r"the following arguments are required: spec"),
    (["nonsense"], r"invalid choice: 'nonsense'"),
])
def test_bad_options_are_one_line(argv, message):
    line = one_line_error(*cli(*argv)[::2])
    assert line.startswith("error: ") and re.search(message, line), line


def test_bench_reports_what_was_asked():
    code, out, err = cli("bench", "--models", "5", "--no-keras", "--roster", "0", "--check-students", "0",
                         "--rounds", "1", "--json")
    assert code == 0, err
    assert json.loads(out)["models"] == 5


def test_check_grades_a_large_class_linearly(tmp_path):
    """Correctness at scale (its speed is measured by ``bench``): 300 students, ids and codes."""
    from helpers import exam_key

    master = exam_key(300)
    key = _write(tmp_path / "key.json", master.to_json())
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_id", "question_id", "answer"])
    for i, paper in enumerate(master.papers):
        for qid, _, blank in paper.questions():
            writer.writerow([paper.variant if i % 2 else paper.id, qid, blank.answer])
    report = check(key, _write(tmp_path / "a.csv", buffer.getvalue()))
    assert len(report.students) == 300 and all(s.score == 100 for s in report.students)
    assert all(q.right == 300 for q in report.questions)


# ---------------------------------------------------------------- LMS edge cases


def _moodle_reads(raw: str) -> list[str]:
    """A field's options as Moodle 4.5's ``qtype_multianswer`` reads them: split at ``~`` not
    after ``\\`` or ``&``, then ``html_entity_decode`` and un-escape ``\\}`` and ``\\#`` only."""
    parts = re.split(r"(?<![\\&])~", raw)
    out = []
    for part in parts:
        part = re.sub(r"^=", "", part)
        stop = re.search(r"(?<![\\&])[#}]", part)
        assert stop is None, f"an option would end early at {stop.group()!r}: {part!r}"
        out.append(html.unescape(part).replace("\\}", "}").replace("\\#", "#"))
    return out


@given(st.text(alphabet="~}#/\"\\{=%&;<>ab 1", min_size=1, max_size=12))
@settings(max_examples=300, deadline=None)
def test_cloze_options_survive_moodles_parser(text):
    assert _moodle_reads("=" + cloze_text(text) + "~" + cloze_text(text + "x")) == [text, text + "x"]


def test_cloze_options_with_every_special_character():
    option = '~ } # / " \\ { = \\} \\#'
    encoded = cloze_text(option)
    assert "\\~" not in encoded and "\\/" not in encoded and '\\"' not in encoded
    assert _moodle_reads(encoded) == [option]


def test_cloze_prompt_text_never_opens_a_field():
    from dataclasses import replace as _replace

    from generator.exports.content import ask
    from generator.key import Paper

    problem = generate("layer_params", __import__("random").Random(1), "intro", "q1")
    problem = _replace(problem, prompt="Compare {1:NUMERICAL:=5} and {:SA:=x} with {2} in the text.")
    text = cloze_html(ask(Paper.shared((problem,)), problem, "salt"))
    fields = re.findall(r"\{([0-9]*):(NUMERICAL|NM|MULTICHOICE|MC|SHORTANSWER|SA|MW)", text)
    assert len(fields) == sum(1 for b in problem.blanks for _ in ([0] if b.kind != "shape" else b.answer.split("x")))
    assert "&#123;1:NUMERICAL:=5}" in text and "&#123;:SA:=x}" in text


def test_moodle_names_and_categories_are_cdata():
    problem = generate("layer_params", __import__("random").Random(1), "intro", "q1").to_dict()
    problem["title"] = "<lt> & amp"
    master = {"title": "Exam <lt> & amp", "seed": 1, "students": [
        {"id": "s1", "name": "A", "variant": "AAA-BBB", "problems": [problem]}]}
    from generator.key import Key

    data = moodle_xml(Key.from_data(master, "master")).decode()
    assert "<text><![CDATA[$course$/top/Exam <lt> & amp/AAA-BBB s1]]></text>" in data
    root = ET.fromstring(data)
    names = [q.find("name/text").text for q in root.iter("question") if q.get("type") != "category"]
    assert names[0] == "AAA-BBB s1 q1: <lt> & amp"


def test_explain_verify_size_check_comes_before_keras(tmp_path, monkeypatch):
    import generator.verify as verify

    monkeypatch.setattr(verify, "keras_module", lambda: pytest.fail("Keras must not be imported"))
    spec = _write(tmp_path / "big.yaml", "input_shape: [100000]\nlayers:\n  - Dense: {units: 100000}\n")
    monkeypatch.setattr(verify, "weight_budget", lambda: 1_000_000_000)
    line = one_line_error(*cli("explain", str(spec), "--verify")[::2])
    assert line == ("error: model: 10,000,100,000 parameters would take 40.0 GB of float32 weights in Keras; "
                    "verification builds models of at most 1,000,000,000 parameters on this machine (a quarter of its memory)")


def test_explain_verify_reports_a_keras_refusal_in_one_line(tmp_path, monkeypatch):
    import generator.verify as verify

    class Refusing:
        class layers:  # noqa: N801 - mimics keras.layers
            def __getattr__(self, name: str) -> Any:
                raise AssertionError

        @staticmethod
        def Input(shape: Any) -> None:  # noqa: N802
            return None

        def __getattr__(self, name: str) -> Any:
            def refuse(*args: Any, **kwargs: Any) -> None:
                raise ValueError("Keras says no\nand explains at length\non many lines")
            return refuse

    fake = Refusing()
    fake.layers = type("L", (), {"__getattr__": lambda self, name: (lambda **kw: None)})()  # type: ignore[misc]
    monkeypatch.setattr(verify, "keras_module", lambda: fake)
    spec = _write(tmp_path / "m.yaml", "input_shape: [8]\nlayers:\n  - Dense: {units: 2}\n")
    line = one_line_error(*cli("explain", str(spec), "--verify")[::2], expected_code=1)
    assert line == "verification failed: Keras refused to build 'model', which the engine accepted: Keras says no"


def test_spec_errors_are_spec_errors(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "none.yaml")
    with pytest.raises(UserError):
        read_roster(tmp_path / "none.csv")


# ---------------------------------------------------------------- found by a hostile review


@pytest.mark.parametrize("template", [
    '{{ "abcdef" | truncate(2) }}', '{% extends "key.md.j2" %}{% extends "macros.md.j2" %}',
    "{% set x = 1 %}{% set x.y = 2 %}", '{{ [1] | map("nonexistent_filter") | list }}', "{{ 1 is nonexistent_test }}",
    '{{ doc | dictsort(by="x") }}',
])
def test_templates_that_break_in_jinja_are_one_line(template, tmp_path):
    assert _build_with_template(tmp_path, template).startswith("error: template ")


def test_a_template_that_never_ends_is_stopped(tmp_path, monkeypatch):
    import generator.render as render

    monkeypatch.setattr(render, "RENDER_SECONDS", 1)
    line = _build_with_template(tmp_path, "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
    assert line == "error: template key.md.j2: still rendering after 1 s (a loop that never ends?)"


def test_names_too_long_for_the_file_system_are_one_line(worksheet_key, tmp_path):
    key, problem = worksheet_key
    long = tmp_path / ("a" * 300)
    answers = _write(tmp_path / "a.csv", f"student_id,question_id,answer\ns,{problem['id']}.total,1\n")
    for argv in (["worksheet", "--config", str(_config(tmp_path)), "--seed", "1", "--out", str(long), "--no-verify"],
                 ["check", "--key", str(key), str(answers), "--out", str(long)],
                 ["worksheet", "--config", str(_config(tmp_path)), "--seed", "1", "--out", str(tmp_path / "o"),
                  "--templates", str(long), "--no-verify"]):
        assert "File name too long" in one_line_error(*cli(*argv)[::2])


def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    import errno

    import generator.output as output

    calls = []

    def full(path: Path, text: str) -> None:
        calls.append(path)
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text)

    monkeypatch.setattr("generator.worksheet.write_text", full)
    line = one_line_error(*cli("worksheet", "--config", str(_config(tmp_path)), "--seed", "1", "--out",
                               str(tmp_path / "out"), "--no-verify")[::2])
    assert line == f"error: --out {tmp_path / 'out'}: cannot write the output: No space left on device"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws.yaml"]
    assert output.MANIFEST


def test_a_console_that_cannot_show_a_name_gets_escapes(tmp_path):
    import os
    import subprocess
    import sys

    from conftest import REPO
    from generator.roster import Student
    from helpers import exam_key

    master = exam_key([Student("s1", "李雷")])
    key = _write(tmp_path / "key.json", master.to_json())
    qid, _, blank = next(master.papers[0].questions())
    answers = _write(tmp_path / "a.csv", f"student_id,question_id,answer\ns1,{qid},{blank.answer}\n")
    proc = subprocess.run([sys.executable, "-m", "generator", "check", "--key", str(key), str(answers)],
                          capture_output=True, cwd=REPO, env={**os.environ, "PYTHONIOENCODING": "cp1252"})
    assert proc.returncode == 0, proc.stderr
    assert b"\\u674e\\u96f7" in proc.stdout


def test_an_answer_cut_by_an_extra_column_is_an_error(worksheet_key, tmp_path):
    key, problem = worksheet_key
    answers = _write(tmp_path / "a.csv", f"student_id,question_id,answer,comment\ns001,{problem['id']}.total,50,240\n")
    line = one_line_error(*cli("check", "--key", str(key), str(answers))[::2])
    assert line == (f"error: {answers} line 2: the answer '50' is followed by '240' in the next column (comment): "
                    "an unquoted 26,26,32 or 18,496? Quote the answer, or put other columns before 'answer'")
    fine = _write(tmp_path / "b.csv", f"student_id,question_id,answer,comment\ns001,{problem['id']}.total,50,late\n")
    assert cli("check", "--key", str(key), str(fine))[0] == 0


def test_a_roster_name_cut_by_a_comma_is_an_error(tmp_path):
    roster = _write(tmp_path / "r.csv", "id,name,email\ns001,Ada,ada@x.edu\ns002,O'Brien, Siobhán\n")
    line = one_line_error(*cli("exam", "--roster", str(roster), "--seed", "1", "--out", str(tmp_path / "o"), "--no-verify")[::2])
    assert line == (f"error: --roster {roster}: row 3: email 'Siobhán' is not an address; a name holding a ',' "
                    "must be quoted (\"O'Brien, Siobhán\")")


def test_check_out_with_a_trailing_slash_is_refused(worksheet_key, tmp_path):
    key, problem = worksheet_key
    answers = _write(tmp_path / "a.csv", f"student_id,question_id,answer\ns,{problem['id']}.total,1\n")
    line = one_line_error(*cli("check", "--key", str(key), str(answers), "--out", str(tmp_path / "newdir") + "/")[::2])
    assert line.endswith("newdir/ names a folder; give a file name")
    assert not (tmp_path / "newdir").exists()


@pytest.mark.parametrize("change, message", [
    (lambda b: b.update(distractors=5), r"has 'distractors' that are not a list"),
    (lambda b: b.update(id=b["id"].upper()), None),
])
def test_almost_valid_keys(change, message, worksheet_key, tmp_path):
    key, problem = worksheet_key
    data = json.loads(key.read_text())
    blank = data["problems"][0]["blanks"][0]
    if message is None:  # two blanks whose ids differ only in case would share the answers
        twin = dict(blank)
        change(twin)
        data["problems"][0]["blanks"].append(twin)
        message = r"question id '.*' appears twice in problems \(ids are matched ignoring case\)"
    else:
        change(blank)
    bad = _write(tmp_path / "bad.json", json.dumps(data))
    answers = _write(tmp_path / "a.csv", f"student_id,question_id,answer\ns,{problem['id']}.total,1\n")
    line = one_line_error(*cli("check", "--key", str(bad), str(answers))[::2])
    assert re.search(message, line), line


def test_a_step_holding_a_huge_number_does_not_stop_feedback(worksheet_key, tmp_path):
    key, problem = worksheet_key
    data = json.loads(key.read_text())
    blank = next(b for b in data["problems"][0]["blanks"] if b["id"] == "total")
    blank["steps"] = ["total = " + "9" * 5000, *blank["steps"]]
    edited = _write(tmp_path / "k.json", json.dumps(data))
    answers = _write(tmp_path / "a.csv", f"student_id,question_id,answer\ns,{problem['id']}.total,{int(blank['answer']) + 1}\n")
    assert cli("check", "--key", str(edited), str(answers))[0] == 0


def test_worksheet_students_are_matched_like_exam_students(worksheet_key, tmp_path):
    key, problem = worksheet_key
    answers = _write(tmp_path / "a.csv", f"student_id,question_id,answer\nAna,{problem['id']}.total,1\nana,{problem['id']}.trainable,1\n")
    report = check(key, answers)
    assert [s.id for s in report.students] == ["Ana"]
