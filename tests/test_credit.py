"""Follow-through and per-axis partial credit in ``check``.

The key is a summary table of a fixed small model; every typed answer is computed: the key's
own answers, or the engine's values for a layer given the student's own earlier (wrong) output
shape, exactly as a hand grader would work them out. No number is written here by hand.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from conftest import REPO
from generator.answers import canonical, display
from generator.configs import load_exam_config
from generator.engine import ModelSpec, analyze
from generator.engine.layers import Conv2D, Dense, Flatten, MaxPooling2D
from generator.errors import UserError
from generator.grading import check, format_report
from generator.grading.grade import Policy
from generator.grading.report import CreditReason
from generator.key import FollowThrough, Key, KeyKind, Paper, Partial, Problem
from generator.problems.types import summary_problem
from generator.sampler import Difficulty
from helpers import cli, exam_key, one_line_error

MODEL = ModelSpec((28, 28, 1), (Conv2D(8, (3, 3)), MaxPooling2D((2, 2)), Conv2D(16, (3, 3)), Flatten(), Dense(10)))


@pytest.fixture
def table() -> Problem:
    return summary_problem(MODEL, Difficulty.STANDARD, "q1")


def _key(tmp_path: Path, problem: Problem, kind: KeyKind = KeyKind.WORKSHEET, **policy: object) -> Path:
    paper = Paper.shared((problem,)) if kind is KeyKind.WORKSHEET else Paper(exam_key(1).papers[0].student, "", "", (problem,))
    path = tmp_path / "key.json"
    path.write_text(Key(kind, "t", (paper,), seed=1, **policy).to_json(), encoding="utf-8")  # type: ignore[arg-type]
    return path


def _answers(tmp_path: Path, student: str, typed: dict[str, str]) -> Path:
    path = tmp_path / "answers.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["student_id", "question_id", "answer"])
        writer.writerows([student, f"q1.{bid}", display(answer, "shape" if bid.endswith("_shape") else "int")]
                         for bid, answer in typed.items())
    return path


def _consistent(problem: Problem) -> tuple[dict[str, str], set[str]]:
    """A student who widens layer 0's output by 2 on each side (as with ``same`` padding) and
    then works every later layer right from their own numbers: their answers (canonical), and
    the blanks where a hand grader gives follow-through credit (wrong against the key, right
    given the student's earlier answer)."""
    records = analyze(problem.model).records
    wrong0 = (records[0].output_shape[0] + 2, records[0].output_shape[1] + 2, records[0].output_shape[2])
    typed = {"l0_shape": canonical(wrong0, "shape"), "l0_params": str(records[0].params)}
    shape, params = wrong0, [records[0].params]
    for r in records[1:]:
        mine = analyze(ModelSpec(shape, (r.layer,))).records[0]
        typed[f"l{r.index}_shape"] = canonical(mine.output_shape, "shape")
        typed[f"l{r.index}_params"] = str(mine.params)
        shape = mine.output_shape
        params.append(mine.params)
    typed["total"] = str(sum(params))
    typed["trainable"] = str(sum(params))  # no layer here has non-trainable weights
    typed["non_trainable"] = "0"
    credited = {bid for bid, answer in typed.items() if answer != problem.answers[bid]}
    return typed, credited - {"l0_shape"}


def _results(report_json: str) -> dict[str, dict[str, object]]:
    data = json.loads(report_json)
    return {q["question_id"].split(".", 1)[1]: q for q in data["students"][0]["questions"]}


def test_follow_through_exactly_where_a_hand_grader_gives_it(tmp_path: Path, table: Problem) -> None:
    typed, credited = _consistent(table)
    assert {"l1_shape", "l2_shape", "l3_shape", "l4_params", "total", "trainable"} <= credited  # the model shows it
    spoiled = "l3_shape"  # wrong even given the student's own layer 2 shape
    typed[spoiled] = str(int(typed[spoiled]) + 1)  # Flatten: one axis
    report = check(_key(tmp_path, table), _answers(tmp_path, "ana", typed))
    got = {q.question_id.split(".")[1]: q for q in report.students[0].questions}
    for bid, q in got.items():
        want = bid in credited and bid != spoiled and bid != "l4_params"  # l4 follows from the spoiled shape
        assert (q.credit is not None) == want, (bid, q)
        if want:
            assert q.credit is not None and q.credit.reason is CreditReason.FOLLOW_THROUGH and q.earned == q.points
    assert got["l1_shape"].credit is not None and got["l1_shape"].credit.upstream == ("q1.l0_shape",)
    assert got["l4_params"].credit is None  # judged given the student's l3 shape, which it does not match
    assert got["total"].credit is not None and got["total"].credit.upstream == ("q1.l4_params",)
    text = format_report(report, "text")
    assert f"right given your answer to {table.table[0]['layer']}" in text


def test_chain_credit_through_every_layer(tmp_path: Path, table: Problem) -> None:
    typed, credited = _consistent(table)
    report = check(_key(tmp_path, table), _answers(tmp_path, "ana", typed))
    got = {q.question_id.split(".")[1]: q for q in report.students[0].questions}
    assert {bid for bid, q in got.items() if q.credit is not None} == credited
    assert report.students[0].points == report.students[0].max_points - got["l0_shape"].points


def test_a_follow_through_answer_is_no_misconception(tmp_path: Path) -> None:
    """Two valid 3x3 convolutions: a student who uses 'same' for the first (a distractor) and
    then works the second right from it types the second's 'same' distractor too; it is right
    given their own answer, and not reported as a mistake."""
    problem = summary_problem(ModelSpec((28, 28, 1), (Conv2D(4, (3, 3)), Conv2D(4, (3, 3)))), Difficulty.STANDARD, "q1")
    records = analyze(problem.model).records
    same0 = (28, 28, 4)
    mine = analyze(ModelSpec(same0, (records[1].layer,))).records[0].output_shape
    typed = {**problem.answers, "l0_shape": canonical(same0, "shape"), "l1_shape": canonical(mine, "shape")}
    l1 = next(b for b in problem.blanks if b.id == "l1_shape")
    assert any(d.answer == typed["l1_shape"] for d in l1.distractors)  # the case this test is about
    report = check(_key(tmp_path, problem), _answers(tmp_path, "ana", typed))
    got = {q.question_id.split(".")[1]: q for q in report.students[0].questions}
    assert got["l0_shape"].mistake is not None  # the real mistake is named where it was made
    assert got["l1_shape"].credit is not None and got["l1_shape"].mistake is None


@pytest.mark.parametrize(("policy", "share"), [("full", 1.0), ("half", 0.5), ("off", 0.0)])
def test_policy_shares(tmp_path: Path, table: Problem, policy: str, share: float) -> None:
    typed, credited = _consistent(table)
    report = check(_key(tmp_path, table), _answers(tmp_path, "ana", typed), follow_through=policy)
    for q in report.students[0].questions:
        assert q.earned == (q.points if q.right else q.points * share if q.question_id[3:] in credited else 0.0)


def test_defaults_and_the_keys_policy(tmp_path: Path, table: Problem) -> None:
    worksheet = Key.load(_key(tmp_path, table))
    assert Policy.of(worksheet) == Policy(FollowThrough.FULL, Partial.OFF)
    exam = Key.load(_key(tmp_path, table, KeyKind.STUDENT))
    assert Policy.of(exam) == Policy(FollowThrough.OFF, Partial.OFF)
    half = Key.load(_key(tmp_path, table, KeyKind.STUDENT, follow_through=FollowThrough.HALF, partial=Partial.AXES))
    assert Policy.of(half) == Policy(FollowThrough.HALF, Partial.AXES)
    assert Policy.of(half, "full", "off") == Policy(FollowThrough.FULL, Partial.OFF)  # the command line wins


def test_exam_key_gets_no_credit_unless_asked(tmp_path: Path, table: Problem) -> None:
    typed, credited = _consistent(table)
    key = _key(tmp_path, table, KeyKind.STUDENT)
    sid = Key.load(key).papers[0].id
    answers = _answers(tmp_path, sid, typed)
    assert all(q.credit is None for q in check(key, answers).students[0].questions)
    code, out, _ = cli("check", "--key", str(key), str(answers), "--follow-through", "half", "--format", "json")
    assert code == 0
    got = _results(out)
    assert {bid for bid, q in got.items() if "credit" in q} == credited
    assert got["l1_shape"]["credit"] == {"fraction": 0.5, "reason": "follow_through", "upstream": ["q1.l0_shape"]}
    assert got["l1_shape"]["earned"] == 0.5 and got["l1_shape"]["status"] == "wrong"


def test_exam_config_policy_reaches_the_master_key(tmp_path: Path) -> None:
    config = tmp_path / "exam.yaml"
    config.write_text((REPO / "configs" / "exam.yaml").read_text(encoding="utf-8")
                      + "\nfollow_through: half\npartial: axes\n", encoding="utf-8")
    loaded = load_exam_config(config)
    assert (loaded.follow_through, loaded.partial) == (FollowThrough.HALF, Partial.AXES)
    master = exam_key(2, config=str(config))
    again = Key.from_json(master.to_json(), "key.json")
    assert (again.follow_through, again.partial) == (FollowThrough.HALF, Partial.AXES)
    assert Policy.of(again) == Policy(FollowThrough.HALF, Partial.AXES)


def test_worksheet_config_policies_reach_their_keys(tmp_path: Path) -> None:
    """A worksheet's own policy (or the config's, which every worksheet inherits) is recorded in
    its key; the set's key.json records one only where every worksheet agrees."""
    config = tmp_path / "sheets.yaml"
    problems = "    problems: [{type: layer_shape, count: 1}]\n"
    config.write_text("title: Set\nfollow_through: half\nworksheets:\n"
                      f"  - name: one\n{problems}"
                      f"  - name: two\n    partial: axes\n{problems}", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = cli("worksheet", "--config", str(config), "--seed", "3", "--out", str(out), "--no-verify")
    assert code == 0, err
    one, two, both = (Key.load(out / name) for name in ("one-key.json", "two-key.json", "key.json"))
    assert Policy.of(one) == Policy(FollowThrough.HALF, Partial.OFF)
    assert Policy.of(two) == Policy(FollowThrough.HALF, Partial.AXES)
    assert (both.follow_through, both.partial) == (FollowThrough.HALF, None)  # the sheets differ in partial
    config.write_text(f"title: Set\nworksheets:\n  - name: one\n    follow_through: off\n{problems}", encoding="utf-8")
    code, _, err = cli("worksheet", "--config", str(config), "--seed", "3", "--out", str(tmp_path / "o2"), "--no-verify")
    assert code == 0, err
    assert Policy.of(Key.load(tmp_path / "o2" / "key.json")) == Policy(FollowThrough.OFF, Partial.OFF)
    config.write_text(f"title: Set\nworksheets:\n  - name: one\n    partial: most\n{problems}", encoding="utf-8")
    code, _, err = cli("worksheet", "--config", str(config), "--seed", "3", "--out", str(tmp_path / "o3"), "--no-verify")
    line = one_line_error(code, err)
    assert str(config) in line and "worksheets[0]: partial" in line and "most" in line
    assert not (tmp_path / "o3").exists()


@pytest.mark.parametrize(("field", "value"), [("follow_through", "most"), ("partial", "channels")])
def test_config_errors_are_one_line_naming_file_and_field(tmp_path: Path, field: str, value: str) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text((REPO / "configs" / "exam.yaml").read_text(encoding="utf-8") + f"\n{field}: {value}\n", encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_exam_config(config)
    message = str(info.value)
    assert "\n" not in message and str(config) in message and field in message and value in message
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\ns1,Ann\n", encoding="utf-8")
    code, _, err = cli("exam", "--roster", str(roster), "--config", str(config), "--seed", "1", "--out", str(tmp_path / "out"))
    line = one_line_error(code, err)
    assert field in line


def test_partial_axes(tmp_path: Path, table: Problem) -> None:
    answer = table.answers["l0_shape"].split("x")
    answer[-1] = str(int(answer[-1]) + 1)  # channels wrong, height and width right
    typed = {"l0_shape": "x".join(answer)}
    key = _key(tmp_path, table)
    answers = _answers(tmp_path, "ana", typed)
    q = check(key, answers, follow_through="off", partial="axes").students[0].questions[0]
    assert q.credit is not None and (q.credit.axes_right, q.credit.axes) == (2, 3)
    assert q.earned == pytest.approx(q.points * 2 / 3)
    assert check(key, answers, follow_through="off").students[0].questions[0].credit is None  # off by default
    code, out, _ = cli("check", "--key", str(key), str(answers), "--partial", "axes", "--follow-through", "off")
    assert code == 0 and "2 of 3 axes right" in out and "0.6667 of 1 points" in out
    code, out, _ = cli("check", "--key", str(key), str(answers), "--partial", "axes", "--format", "csv")
    assert code == 0 and ",0.6667" in out.splitlines()[1]
    typed["l0_shape"] = "x".join(answer[:2])  # the wrong rank: nothing
    assert check(key, _answers(tmp_path, "ana", typed), partial="axes").students[0].questions[0].credit is None


def test_axes_and_follow_through_combine_to_the_larger(tmp_path: Path, table: Problem) -> None:
    typed, _ = _consistent(table)
    mine = typed["l1_shape"].split("x")
    mine[-1] = str(int(mine[-1]) + 1)  # right given l0 in height and width only
    typed["l1_shape"] = "x".join(mine)
    q = check(_key(tmp_path, table), _answers(tmp_path, "ana", typed), partial="axes").students[0].questions[2]
    assert q.question_id == "q1.l1_shape" and q.credit is not None
    assert q.credit.upstream == ("q1.l0_shape",) and (q.credit.axes_right, q.credit.axes) == (2, 3)


def test_dependencies_round_trip(tmp_path: Path, table: Problem) -> None:
    blanks = {b.id: b for b in table.blanks}
    assert blanks["l0_shape"].depends_on == () and blanks["l1_shape"].depends_on == ("l0_shape",)
    assert blanks["l1_params"].depends_on == ("l0_shape",)
    assert blanks["total"].depends_on == tuple(f"l{i}_params" for i in range(len(MODEL.layers)))
    path = _key(tmp_path, table)
    data = json.loads(path.read_text(encoding="utf-8"))
    written = {b["id"]: b for b in data["problems"][0]["blanks"]}
    assert "depends_on" not in written["l0_shape"] and written["l2_shape"]["depends_on"] == ["l1_shape"]
    assert Key.load(path).papers[0].problems[0] == table
    for b in data["problems"][0]["blanks"]:  # an older key: no depends_on, still read
        b.pop("depends_on", None)
    assert all(not b.depends_on for b in Key.from_data(data, "old.json").papers[0].problems[0].blanks)
    data["problems"][0]["blanks"][2]["depends_on"] = ["nowhere"]
    with pytest.raises(UserError, match="depends_on"):
        Key.from_data(data, "bad.json")


def test_reports_without_credit_are_unchanged(tmp_path: Path, table: Problem) -> None:
    typed = dict(table.answers)
    report = check(_key(tmp_path, table), _answers(tmp_path, "ana", typed))
    assert all("credit" not in q for q in _results(format_report(report, "json")).values())
    assert "credit:" not in format_report(report, "text")


def _batchnorm_problem() -> Problem:
    """A layer_params problem about a BatchNormalization layer (total, trainable, non-trainable)."""
    import random

    from generator.problems.types import layer_params

    for i in range(200):
        problem = layer_params(random.Random(i), Difficulty.ADVANCED, "q1", "BatchNormalization")
        if len(problem.blanks) == 3:
            return problem
    raise AssertionError("no BatchNormalization problem with a split")


@pytest.mark.parametrize(("policy", "fraction"), [("full", 1.0), ("half", 0.5), ("off", 0.0)])
def test_batchnorm_total_follows_the_students_own_split(tmp_path, policy, fraction):
    """A student who counts the moving statistics as trainable too, and then adds their own two
    counts for Param #, gets the total's follow-through credit; another wrong total does not."""
    problem = _batchnorm_problem()
    blanks = {b.id: b for b in problem.blanks}
    assert blanks["params"].depends_on == ("trainable", "non_trainable")
    trainable, non_trainable = int(blanks["trainable"].answer), int(blanks["non_trainable"].answer)
    typed = {"trainable": str(trainable + non_trainable), "non_trainable": str(non_trainable)}
    key = _key(tmp_path, problem)
    for total, earns in ((trainable + 2 * non_trainable, fraction), (trainable + 2 * non_trainable + 1, 0.0)):
        answers = _answers(tmp_path, "ann", {"params": str(total), **typed})
        report = check(key, answers, follow_through=policy)
        results = {q.question_id: q for q in report.students[0].questions}
        q = results["q1.params"]
        assert q.status.value == "wrong" and results["q1.trainable"].status.value == "wrong"
        assert (q.credit.fraction if q.credit else 0.0) == earns
        if earns:
            assert q.credit.upstream == ("q1.trainable",) and q.mistake is None
            assert "right given your answer to Trainable" in format_report(report, "text")


def _concept(topic: str, needs: set[str]) -> Problem:
    """A generated concept problem of ``topic`` that has the blanks ``needs``."""
    import random

    from generator.key import ProblemType
    from generator.problems import generate
    from generator.problems.slot import Slot

    for i in range(50):
        problem = generate(Slot(ProblemType.CONCEPT, topic=topic), random.Random(i), Difficulty.ADVANCED, "q1")
        if needs <= {b.id for b in problem.blanks}:
            return problem
    raise AssertionError(f"no {topic} problem with {needs}")


def _derived_case(topic: str) -> tuple[Problem, dict[str, str], str, int]:
    """(problem, the student's wrong upstream answers, the derived blank, its value given them)."""
    if topic in ("layer_cost", "model_cost"):
        problem = _concept(topic, {"macs", "flops"})
        macs = int(problem.answers["macs"]) + 7
        return problem, {"macs": str(macs)}, "flops", 2 * macs
    if topic == "conv_map":
        problem = _concept(topic, {"pool_r1c1"})
        cells = {c: int(problem.answers[c]) for c in ("r1c1", "r1c2", "r2c1", "r2c2")}
        cells["r2c2"] = max(cells.values()) + 5  # the student's own largest value in the window
        return problem, {c: str(v) for c, v in cells.items()}, "pool_r1c1", cells["r2c2"]
    problem = _concept(topic, {"ratio"})
    first, second = {"separable_savings": ("standard", "separable"), "bottleneck": ("plain", "block"),
                     "gap_head": ("flatten", "gap")}[topic]
    a, b = int(problem.answers[first]) * 3, int(problem.answers[second])
    return problem, {first: str(a), second: str(b)}, "ratio", (2 * a + b) // (2 * b)


@pytest.mark.parametrize("topic", ["layer_cost", "model_cost", "conv_map", "separable_savings", "bottleneck", "gap_head"])
def test_derived_answers_follow_the_students_own_numbers(tmp_path: Path, topic: str) -> None:
    """FLOPs twice the student's multiply-adds, a pooled value the max of the student's own window,
    a ratio of the student's own counts: right given those answers earns follow-through credit;
    the same blank answered as the key has it is simply right, and any other value earns nothing."""
    problem, upstream, derived, value = _derived_case(topic)
    blank = next(b for b in problem.blanks if b.id == derived)
    assert blank.derive is not None and set(upstream) <= set(blank.depends_on)
    again = Key.load(_key(tmp_path, problem)).papers[0].problems[0]
    assert next(b for b in again.blanks if b.id == derived) == blank  # the rule round-trips
    assert str(value) != problem.answers[derived]
    key = _key(tmp_path, problem)
    report = check(key, _answers(tmp_path, "ann", {**upstream, derived: problem.answers[derived]}), follow_through="half")
    assert next(q for q in report.students[0].questions if q.question_id == f"q1.{derived}").status.value == "right"
    for typed, earns in ((value, 0.5), (value + 1, 0.0)):
        report = check(key, _answers(tmp_path, "ann", {**upstream, derived: str(typed)}), follow_through="half")
        q = next(q for q in report.students[0].questions if q.question_id == f"q1.{derived}")
        assert q.status.value == "wrong" and (q.credit.fraction if q.credit else 0.0) == earns
        if earns:
            wrong = tuple(f"q1.{b}" for b in blank.depends_on if upstream.get(b, problem.answers[b]) != problem.answers[b])
            assert q.credit.upstream == wrong and q.mistake is None


@pytest.mark.parametrize(("change", "message"), [
    ({"derive": "sum"}, "'derive' that is not one of"),
    ({"derive": "twice", "depends_on": []}, "without 1 'depends_on' blank"),
    ({"derive": "ratio", "depends_on": ["macs"]}, "without 2 'depends_on' blanks"),
])
def test_a_bad_derive_rule_is_one_line(tmp_path: Path, change: dict[str, object], message: str) -> None:
    problem, _, derived, _ = _derived_case("layer_cost")
    data = json.loads(Key(KeyKind.WORKSHEET, "t", (Paper.shared((problem,)),), seed=1).to_json())
    target = next(b for b in data["problems"][0]["blanks"] if b["id"] == derived)
    target.update(change)
    with pytest.raises(UserError) as info:
        Key.from_data(data, "key.json")
    assert message in str(info.value) and "\n" not in str(info.value) and "key.json" in str(info.value)
