"""Instructor control: every slot can be pinned (find, topic, layers, model, seed), worksheets
keep the topics their titles promise (covers), nothing repeats, and ``list`` shows the choices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from generator.configs import config_from_dict, load_config, load_exam_config
from generator.errors import UserError
from generator.exam import reference_slots
from generator.key import ProblemType
from generator.problems.features import features
from generator.worksheet import worksheet_keys
from helpers import exam_key, one_line_error

SPEC = {"name": "tiny", "input_shape": [32, 32, 3], "layers": [
    {"Conv2D": {"filters": 8, "kernel_size": 3, "activation": "relu"}},
    {"MaxPooling2D": {"pool_size": 2}},
    {"Conv2D": {"filters": 16, "kernel_size": 3, "activation": "relu"}},
    {"Flatten": {}},
    {"Dense": {"units": 10, "activation": "softmax"}},
]}


def _config(tmp_path: Path, problems: list[dict], **sheet) -> Path:
    (tmp_path / "nets").mkdir(exist_ok=True)
    (tmp_path / "nets" / "tiny.json").write_text(json.dumps(SPEC), encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"title": "T", "worksheets": [
        {"name": "ws", "title": "W", "difficulty": sheet.pop("difficulty", "standard"), "problems": problems, **sheet}]}),
        encoding="utf-8")
    return path


def _problems(path: Path, seed: int = 3):
    _, sheets = worksheet_keys(load_config(path), seed)
    ((_, key),) = sheets
    return list(key.problems)


PINNED = [
    {"type": "inverse", "find": "dilation"},
    {"type": "inverse", "find": "zero_padding"},
    {"type": "concept", "topic": "receptive_field"},
    {"type": "concept", "topic": "macs", "model": "zoo:vgg16"},
    {"type": "layer_shape", "layers": ["UpSampling2D"]},
    {"type": "layer_params", "layers": ["SeparableConv2D", "DepthwiseConv2D"]},
    {"type": "summary_table", "model": "nets/tiny.json"},
    {"type": "layer_params", "model": "zoo:lenet5", "layers": ["Dense"]},
    {"type": "summary_table", "model": "zoo:dcgan_generator"},
]


def test_each_pinned_slot_gets_the_problem_it_asks_for(tmp_path):
    problems = _problems(_config(tmp_path, PINNED, difficulty="intro"))
    assert [(p.type.value, p.variant) for p in problems[:3]] == [
        ("inverse", "dilation"), ("inverse", "zero_padding"), ("concept", "receptive_field")]
    macs, upsampling, separable, tiny, lenet, dcgan = problems[3:]
    assert macs.variant == "macs" and macs.model.layers[0].name.startswith("block")
    assert upsampling.model.layers[0].type_name == "UpSampling2D"
    assert separable.model.layers[0].type_name in ("SeparableConv2D", "DepthwiseConv2D")
    assert tiny.model.name == "tiny" and len(tiny.blanks) == 2 * 5 + 3
    assert lenet.model.layers[0].name in ("c5", "f6", "output") and "LeNet-5" in lenet.prompt
    assert dcgan.blanks[-3].answer == "2330944" and "DCGAN" in dcgan.prompt


def _content(problem):
    return (problem.type, problem.prompt, tuple(b.answer for b in problem.blanks))


def test_rerolling_or_adding_a_slot_changes_no_other(tmp_path):
    base = [{"type": "layer_shape"}, {"type": "inverse", "find": "kernel"}, {"type": "concept"}, {"type": "layer_params"}]
    before = [_content(p) for p in _problems(_config(tmp_path, base))]
    rerolled = [_content(p) for p in _problems(_config(tmp_path, [*base[:1], {**base[1], "seed": 7}, *base[2:]]))]
    assert rerolled[1] != before[1] and rerolled[:1] + rerolled[2:] == before[:1] + before[2:]
    added = [_content(p) for p in _problems(_config(tmp_path, [*base[:2], {"type": "summary_table"}, *base[2:]]))]
    assert added[:2] + added[3:] == before


def test_no_two_problems_of_a_sheet_repeat_a_kind_or_answers(tmp_path):
    problems = _problems(_config(tmp_path, [{"type": "inverse", "count": 4}, {"type": "concept", "count": 5}]))
    assert len({p.variant for p in problems[:4]}) == 4 and len({p.variant for p in problems[4:]}) == 5
    answers = [tuple(b.answer for b in p.blanks) for p in problems]
    assert len(set(answers)) == len(answers)


def test_the_default_worksheets_keep_their_titles_promises():
    config = load_config(REPO / "configs" / "default.yaml")
    _, sheets = worksheet_keys(config, 2026)
    for sheet, key in sheets:
        assert sheet.covers, sheet.name
        shown = set().union(*(features(p) for p in key.problems))
        assert set(sheet.covers) <= shown, (sheet.name, set(sheet.covers) - shown)
    questions = [(p.prompt, tuple(b.answer for b in p.blanks)) for _, key in sheets for p in key.problems]
    assert len(set(questions)) == len(questions), "a problem repeats across the worksheets"


def test_covers_draws_until_a_topic_appears(tmp_path):
    problems = _problems(_config(tmp_path, [{"type": "layer_shape", "count": 3}], covers=["upsampling"],
                                 difficulty="advanced"))
    assert any("upsampling" in features(p) for p in problems)


def test_a_promise_no_slot_can_keep_is_one_line(tmp_path, run_cli):
    path = _config(tmp_path, [{"type": "inverse", "find": "kernel", "count": 2}], covers=["transposed"])
    line = one_line_error(*run_cli("worksheet", "--config", str(path), "--seed", "1", "--no-verify",
                                   "--out", str(tmp_path / "out"))[::2])
    assert line.startswith("error: worksheet ws: covers 'transposed': no problem of this worksheet shows it")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("entry", "message"), [
    ({"type": "layer_shape", "find": "kernel"}, r"problems\[0\]\.find: only an inverse problem takes find"),
    ({"type": "concept", "topic": "attention"}, r"problems\[0\]\.topic: expected one of pool_params, "),
    ({"type": "layer_params", "layers": ["MaxPooling2D"]}, r"\.layers: expected layer types from Conv2D, "),
    ({"type": "inverse", "layers": ["Conv2D"]}, r"\.layers: only layer_shape and layer_params problems take layers"),
    ({"type": "inverse", "model": "zoo:vgg16"}, r"\.model: an inverse problem cannot be about a given model"),
    ({"type": "summary_table", "model": "zoo:vgg19"}, r"\.model: unknown built-in model 'zoo:vgg19'; expected one of"),
    ({"type": "summary_table", "model": "nets/missing.yaml"}, r"\.model: .*missing\.yaml"),
    ({"type": "concept", "topic": "pool_params", "model": "zoo:alexnet_conv1"},
     r"\.model: zoo:alexnet_conv1: the model has no layer a 'pool_params' question can be asked about"),
    ({"type": "layer_params", "model": "zoo:resnet_stem", "layers": ["Dense"]},
     r"the model has no layer a layer_params question can be asked about among Dense"),
    ({"type": "inverse", "seed": -1}, r"\.seed: expected a whole number from 0 to 2\*\*63 - 1"),
    ({"type": "inverse", "colour": "red"}, r"problems\[0\]: unknown key\(s\); expected type, count, find, topic"),
])
def test_bad_slots_are_one_line_errors_naming_the_field(tmp_path, entry, message):
    path = _config(tmp_path, [entry])
    with pytest.raises(UserError, match=message) as err:
        load_config(path)
    assert "\n" not in str(err.value) and "worksheets[0].problems[0]" in str(err.value)


def test_an_unknown_covers_topic_is_refused():
    with pytest.raises(UserError, match=r"covers: expected topics from conv2d, .*Received: 'attention'"):
        config_from_dict({"worksheets": [{"name": "a", "covers": ["attention"], "problems": [{"type": "concept"}]}]}, "c.yaml")


def test_exam_slots_of_one_type_ask_different_things():
    slots = reference_slots(load_exam_config(None), 2026)
    for kind in (ProblemType.INVERSE, ProblemType.CONCEPT, ProblemType.LAYER_SHAPE):
        variants = [ref.variant for ref in slots if ref.slot.type is kind]
        assert len(variants) >= 2 and len(set(variants)) == len(variants), (kind, variants)


def test_the_exam_default_is_the_shipped_config():
    assert load_exam_config(None) == load_exam_config(REPO / "configs" / "exam.yaml")


def test_list_prints_one_line_per_choice(run_cli):
    code, out, err = run_cli("list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    for expected in ("type: inverse", "find: zero_padding", "topic: receptive_field", "layers: UpSampling2D",
                     "model: zoo:vgg16", "model: zoo:dcgan_generator", "covers: global_pooling"):
        assert sum(line.startswith(expected + " ") for line in lines) == 1, expected
    assert len(lines) == len(set(lines))


def test_an_instructor_rewords_a_question_with_templates(tmp_path, run_cli):
    path = _config(tmp_path, [{"type": "inverse", "find": "kernel"}, {"type": "concept", "topic": "flatten"}])
    shipped = (REPO / "templates" / "problems" / "inverse.md.j2").read_text(encoding="utf-8")
    mine = tmp_path / "mine" / "problems"
    mine.mkdir(parents=True)
    (mine / "inverse.md.j2").write_text(shipped.replace("Find the kernel size", "Wie groß ist der Kern?").replace(
        "What is k?", "Bestimmen Sie k."), encoding="utf-8")
    for out, extra in (("plain", []), ("reworded", ["--templates", str(tmp_path / "mine")])):
        code, _, err = run_cli("worksheet", "--config", str(path), "--seed", "4", "--no-verify", "--out",
                               str(tmp_path / out), *extra)
        assert code == 0, err
    plain = json.loads((tmp_path / "plain" / "ws-key.json").read_text())["problems"]
    reworded = json.loads((tmp_path / "reworded" / "ws-key.json").read_text())["problems"]
    assert reworded[0]["title"] == "Wie groß ist der Kern?" and reworded[0]["prompt"].endswith("Bestimmen Sie k.")
    assert reworded[0]["prompt"].removesuffix("Bestimmen Sie k.") == plain[0]["prompt"].removesuffix("What is k?")
    assert reworded[1] == plain[1]  # another type's template: untouched
    assert [b["answer"] for b in reworded[0]["blanks"]] == [b["answer"] for b in plain[0]["blanks"]]
    assert "Wie groß ist der Kern?" in (tmp_path / "reworded" / "ws-worksheet.html").read_text(encoding="utf-8")


def test_a_template_that_words_nothing_is_one_line(tmp_path, run_cli):
    path = _config(tmp_path, [{"type": "inverse", "find": "stride"}])
    (tmp_path / "mine" / "problems").mkdir(parents=True)
    (tmp_path / "mine" / "problems" / "inverse.md.j2").write_text("{% if variant == 'kernel' %}K{% endif %}\n")
    line = one_line_error(*run_cli("worksheet", "--config", str(path), "--seed", "4", "--no-verify", "--out",
                                   str(tmp_path / "out"), "--templates", str(tmp_path / "mine"))[::2])
    assert line == "error: template problems/inverse.md.j2: gives no heading for the inverse question stride"


def test_every_slot_of_a_class_exam_stays_in_the_difficulty_band():
    from generator.problems.difficulty import BAND, score

    key = exam_key(300, seed=2026)
    for i in range(len(key.papers[0].problems)):
        scores = [score(paper.problems[i]) for paper in key.papers]
        assert max(scores) / min(scores) <= BAND, (key.papers[0].problems[i].id, min(scores), max(scores))
    totals = [sum(score(p) for p in paper.problems) for paper in key.papers]
    assert max(totals) / min(totals) <= BAND


def test_a_padding_question_is_not_always_same():
    """The difficulty band must not pick the answer: 'valid' and 'same' both occur in a class."""
    key = exam_key(60, seed=2026)
    slot = next(i for i, p in enumerate(key.papers[0].problems) if p.variant == "padding_mode")
    answers = {paper.problems[slot].blanks[0].answer for paper in key.papers}
    assert answers == {"valid", "same"}


def test_every_student_of_a_summary_table_slot_fills_in_the_same_kind_of_network():
    key = exam_key(40, seed=7)
    variants = {paper.problems[0].variant for paper in key.papers}
    assert len(variants) == 1 and ":" in variants.pop()  # family:layers, e.g. vgg:9
