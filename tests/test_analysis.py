"""The item analysis against a simulated class with known abilities, item difficulties and
misconception rates (a Rasch model on a real exam master key; every answer from the key's
blanks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.analysis import analyze
from generator.analysis.factors import question_factors
from generator.analysis.simulate import rasch, simulate
from generator.grading import grade, read_answers
from helpers import exam_key, one_line_error

np = pytest.importorskip("numpy")
stats = pytest.importorskip("scipy.stats")
pytest.importorskip("matplotlib")

STUDENTS = 400
BAD = "q7.p"                  # planted: answered right more by weak students
PLANTED_SLOT = "q2.shape"     # planted: stride > 1 much harder
MISTAKE_Q = "q5.params"       # planted: wrong answers are its first distractor 90% of the time


def difficulty_of(qid: str) -> float:
    """Known item difficulties: spread by a stable hash of the question id."""
    return -1.5 + 3.0 * (sum(map(ord, qid)) % 13) / 12


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    key = exam_key(STUDENTS, seed=11)

    def chance(theta, paper, problem, blank):
        qid = f"{problem.id}.{blank.id}"
        if qid == BAD:
            return rasch(-theta, 0.0)
        if qid == PLANTED_SLOT:
            hard = question_factors(problem, blank, 1.0).get("stride") == "stride > 1"
            return rasch(theta, 1.5 if hard else -1.5)
        return rasch(theta, difficulty_of(qid))

    def rate(problem, blank):
        return 0.9 if f"{problem.id}.{blank.id}" == MISTAKE_Q else 0.3

    _, text = simulate(key, chance, rate, seed=3)
    folder = tmp_path_factory.mktemp("class")
    (folder / "key.json").write_text(key.to_json(), encoding="utf-8")
    (folder / "answers.csv").write_text(text, encoding="utf-8")
    report = grade(key, read_answers(folder / "answers.csv"), "key.json")
    return folder / "key.json", folder / "answers.csv", analyze(report, key)


def test_difficulty_ordering_matches_the_injected_one(simulated):
    _, _, a = simulated
    items = [q for q in a.questions if q.id not in (BAD, PLANTED_SLOT)]
    rho = stats.spearmanr([-difficulty_of(q.id) for q in items], [q.difficulty for q in items]).statistic
    assert rho > 0.9, rho


def test_injected_misconception_is_the_most_frequent(simulated):
    _, _, a = simulated
    key = exam_key(STUDENTS, seed=11)
    blank = next(b for p in key.papers[0].problems for b in p.blanks if f"{p.id}.{b.id}" == MISTAKE_Q)
    item = next(q for q in a.questions if q.id == MISTAKE_Q)
    assert item.mistakes[0][0] == blank.distractors[0].mistake
    wrong = item.students - item.right
    assert item.mistakes[0][1] > 0.75 * wrong


def test_reliability_in_a_sane_range_and_bad_item_flagged(simulated):
    _, _, a = simulated
    assert 0.6 < a.kr20 < 0.99 and 0.3 < a.alpha < 0.99
    bad = next(q for q in a.questions if q.id == BAD)
    assert bad.flag == "negative discrimination" and bad.point_biserial < 0 and bad.upper_lower < 0
    assert bad in a.flagged
    good = [q for q in a.questions if q.id not in (BAD,)]
    assert sum(q.point_biserial > 0.1 for q in good) > 0.8 * len(good)


def test_planted_parameter_difference_has_a_small_p_value(simulated):
    _, _, a = simulated
    b = next(b for b in a.breakdowns if b.item == PLANTED_SLOT and b.factor == "stride")
    assert b.flagged and b.p_value < 1e-6
    assert b.levels[0].level == "stride > 1" and b.test == "Fisher's exact"


def test_cli_writes_byte_identical_files_and_escapes_user_text(tmp_path, simulated, run_cli):
    key, answers, _ = simulated
    outs = []
    for name in ("a", "b"):
        code, _, err = run_cli("analyze", "--key", str(key), str(answers), "--out", str(tmp_path / name))
        assert code == 0, err
        outs.append({f: (tmp_path / name / f).read_bytes() for f in ("analysis.html", "analysis.csv")})
    assert outs[0] == outs[1]
    assert b"<svg" not in outs[0]["analysis.html"] and b"data:image/svg+xml;base64," in outs[0]["analysis.html"]


def test_hostile_names_and_title_are_escaped(tmp_path, run_cli):
    from generator.key import Key
    from generator.roster import Student

    students = [Student(f"s{i}", f"<script>alert({i})</script>") for i in range(6)]
    key = exam_key(students, seed=2)
    key = Key(key.kind, "<script>bad()</script> exam", key.papers, key.seed)
    _, text = simulate(key, lambda t, pa, pr, b: rasch(t, 0.0), lambda p, b: 0.5, seed=1)
    (tmp_path / "key.json").write_text(key.to_json(), encoding="utf-8")
    (tmp_path / "answers.csv").write_text(text, encoding="utf-8")
    code, _, err = run_cli("check", "--key", str(tmp_path / "key.json"), str(tmp_path / "answers.csv"),
                           "--analysis", str(tmp_path / "out"))
    assert code == 0, err
    page = (tmp_path / "out" / "analysis.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(0)&lt;/script&gt;" in page
    assert "&lt;script&gt;bad()&lt;/script&gt; exam" in page


def test_worksheet_key_every_student_the_same_items(tmp_path, run_cli):
    from generator.key import Key, KeyKind, Paper

    master = exam_key(1, seed=4)
    key = Key(KeyKind.WORKSHEET, "Sheet", (Paper.shared(master.papers[0].problems),), 1)
    _, text = simulate(key, lambda t, pa, pr, b: rasch(t, 0.0), lambda p, b: 0.5, seed=2, students=30)
    (tmp_path / "key.json").write_text(key.to_json(), encoding="utf-8")
    (tmp_path / "answers.csv").write_text(text, encoding="utf-8")
    code, _, err = run_cli("analyze", "--key", str(tmp_path / "key.json"), str(tmp_path / "answers.csv"),
                           "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert "student 30" in (tmp_path / "out" / "analysis.html").read_text(encoding="utf-8")


def test_cli_errors_are_one_line(tmp_path, simulated, run_cli):
    key, answers, _ = simulated
    one_line_error(*run_cli("analyze", "--key", str(tmp_path / "missing.json"), str(answers), "--out", str(tmp_path / "o"))[::2])
    one_line_error(*run_cli("analyze", "--key", str(key), str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o"))[::2])
    (tmp_path / "bad.json").write_text("[1, 2]", encoding="utf-8")
    one_line_error(*run_cli("analyze", "--key", str(tmp_path / "bad.json"), str(answers), "--out", str(tmp_path / "o"))[::2])
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep", encoding="utf-8")
    one_line_error(*run_cli("analyze", "--key", str(key), str(answers), "--out", str(tmp_path / "mine"))[::2])
    assert (tmp_path / "mine" / "notes.txt").read_text(encoding="utf-8") == "keep"
    assert not (tmp_path / "o").exists()


def test_missing_library_names_the_extra(monkeypatch, tmp_path, simulated, run_cli):
    import builtins

    key, answers, _ = simulated
    real = builtins.__import__

    def no_scipy(name, *args, **kwargs):
        if name == "scipy" or name.startswith("scipy."):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_scipy)
    line = one_line_error(*run_cli("analyze", "--key", str(key), str(answers), "--out", str(tmp_path / "o"))[::2])
    assert "scipy" in line and "'analysis' extra" in line
