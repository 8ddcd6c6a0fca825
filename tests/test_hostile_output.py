"""Never lose a user's files: output folders and files under careless and hostile ``--out``.

Each test asserts the exit code, the one-line message and that nothing outside the output was
touched (byte for byte, mtime included). Devices are never touched: FIFOs and symlinks are made
in a temporary folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO
from generator import output
from generator.errors import UserError
from helpers import cli, one_line_error, snapshot

CONFIG = """
title: Hostile
worksheets:
  - name: a
    title: A
    difficulty: intro
    problems:
      - {type: layer_shape, count: 1}
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "ws.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("id,name\ns1,Ada\ns2,Alan\n", encoding="utf-8")
    return path


def _build(kind: str, config: Path, roster: Path, out: Path | str) -> tuple[int, str, str]:
    if kind == "worksheet":
        return cli("worksheet", "--config", str(config), "--seed", "1", "--out", str(out), "--no-verify")
    return cli("exam", "--roster", str(roster), "--seed", "1", "--out", str(out), "--no-verify")


def _user_folder(folder: Path) -> Path:
    folder.mkdir()
    (folder / "thesis.txt").write_text("three years of work", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "grades.csv").write_text("id,grade\ns1,A\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("kind", ["worksheet", "exam"])
def test_a_folder_holding_other_files_is_never_replaced(kind, config, roster, tmp_path):
    out = _user_folder(tmp_path / "mine")
    before = snapshot(tmp_path)
    message = one_line_error(*_build(kind, config, roster, out)[::2])
    assert message.startswith(f"error: --out {out}: not replaced, because it is not an output folder of cnn-worksheets")
    assert message.endswith("it holds sub/ (a folder cnn-worksheets did not write); choose a new or empty folder, "
                            "or move those files away")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("kind", ["worksheet", "exam"])
def test_a_build_replaces_its_own_folder_but_not_added_or_changed_files(kind, config, roster, tmp_path):
    out = tmp_path / "out"
    assert _build(kind, config, roster, out)[0] == 0
    manifest = json.loads((out / output.MANIFEST).read_text())
    assert manifest["generator"] == "cnn-worksheets" and manifest["command"] == kind
    assert set(manifest["files"]) == {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} - {output.MANIFEST}
    (out / ".DS_Store").write_bytes(b"finder")  # what an OS drops in never blocks a rebuild
    assert _build(kind, config, roster, out)[0] == 0

    (out / "notes.md").write_text("my notes", encoding="utf-8")
    before = snapshot(tmp_path)
    message = one_line_error(*_build(kind, config, roster, out)[::2])
    assert "notes.md (not written by cnn-worksheets)" in message
    assert snapshot(tmp_path) == before

    (out / "notes.md").unlink()
    edited = next(p for p in sorted(out.rglob("*.md")))
    edited.write_text(edited.read_text() + "\nmy edit\n", encoding="utf-8")
    before = snapshot(tmp_path)
    message = one_line_error(*_build(kind, config, roster, out)[::2])
    assert f"{edited.relative_to(out)} (changed since cnn-worksheets wrote it)" in message
    assert snapshot(tmp_path) == before


def test_a_link_fifo_or_folder_inside_the_folder_blocks_a_rebuild(config, roster, tmp_path):
    out = tmp_path / "out"
    (out / "empty").mkdir(parents=True)
    assert "empty/ (a folder cnn-worksheets did not write)" in one_line_error(*_build("worksheet", config, roster, out)[::2])
    (out / "empty").rmdir()
    assert _build("worksheet", config, roster, out)[0] == 0
    (out / "elsewhere").symlink_to(tmp_path)
    assert "elsewhere (a link" in one_line_error(*_build("worksheet", config, roster, out)[::2])
    (out / "elsewhere").unlink()
    os.mkfifo(out / "pipe")
    assert "pipe (not a regular file)" in one_line_error(*_build("worksheet", config, roster, out)[::2])


@pytest.mark.parametrize("target", ["/", ".", "..", "~"])
def test_root_current_parent_and_home_are_refused(target, config, roster, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    (work / "keep.txt").write_text("keep", encoding="utf-8")
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path / "work"))
    before = snapshot(tmp_path)
    arg = str(Path.home()) if target == "~" else target
    message = one_line_error(*_build("worksheet", config, roster, arg)[::2])
    assert message == (
        f"error: --out {arg}: refusing to write into the current folder, one above it, the home folder "
        "or the root; give a folder of its own, such as build/worksheets"
    )
    assert snapshot(tmp_path) == before


def test_a_file_at_out_is_refused(config, roster, tmp_path):
    out = tmp_path / "out.html"
    out.write_text("not a folder", encoding="utf-8")
    assert one_line_error(*_build("worksheet", config, roster, out)[::2]) == f"error: --out {out}: exists and is not a folder; not replaced"
    assert out.read_text() == "not a folder"


def test_a_symlinked_out_replaces_its_target_and_leaves_nothing_behind(config, roster, tmp_path):
    real = tmp_path / "site" / "worksheets"
    real.parent.mkdir()
    link = tmp_path / "linkdir"
    link.symlink_to(real, target_is_directory=True)
    for _ in range(2):
        assert _build("worksheet", config, roster, link)[0] == 0
        assert link.is_symlink() and os.readlink(link) == str(real)
        assert (real / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["linkdir", "roster.csv", "site", "ws.yaml"]
    assert [p.name for p in real.parent.iterdir()] == ["worksheets"]  # no .old or .tmp folder


def test_sigterm_during_an_exam_build_removes_the_temporary_folder(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n" + "".join(f"s{i:03d},Student {i}\n" for i in range(400)), encoding="utf-8")
    out = tmp_path / "exam"
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "exam", "--roster", str(roster), "--seed", "1", "--out", str(out), "--no-verify"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".exam.tmp-*")):
        assert proc.poll() is None and time.monotonic() < deadline, "the build ended before it could be interrupted"
        time.sleep(0.02)
    time.sleep(0.3)  # well inside writing the folder
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        # Once in a full CI run the signal was not seen: it can land while multiprocessing holds
        # SIGTERM blocked to start its helper process. A user sends it again; so does the test.
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert err == "terminated\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]


# ---------------------------------------------------------------- --out FILE (check)


@pytest.fixture
def graded(tmp_path: Path) -> tuple[Path, Path]:
    """A worksheet key and an answer file for ``check``."""
    out = tmp_path / "ws"
    config = tmp_path / "c.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    assert cli("worksheet", "--config", str(config), "--seed", "1", "--out", str(out), "--no-verify")[0] == 0
    key = json.loads((out / "key.json").read_text())
    blank = key["problems"][0]["blanks"][0]
    answers = tmp_path / "answers.csv"
    answers.write_text(f"student_id,question_id,answer\nana,{key['problems'][0]['id']}.{blank['id']},\"{blank['answer']}\"\n")
    return out / "key.json", answers


def test_check_out_follows_a_symlink_and_keeps_it(graded, tmp_path):
    key, answers = graded
    target = tmp_path / "reports" / "grades.csv"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "grades-link.csv"
    link.symlink_to(target)
    code, out, err = cli("check", "--key", str(key), str(answers), "--format", "csv", "--out", str(link))
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("student_id,name,variant,score")
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["grades.csv"]  # no temporary file left


def test_check_out_writes_straight_into_a_fifo(graded, tmp_path):
    key, answers = graded
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    code, _, err = cli("check", "--key", str(key), str(answers), "--format", "csv", "--out", str(fifo))
    reader.join(timeout=30)
    assert code == 0, err
    assert fifo.exists() and not fifo.is_file()  # still a FIFO, not replaced by a regular file
    assert received and received[0].startswith(b"student_id,name,variant,score")


def test_check_out_refuses_a_folder_and_a_missing_folder(graded, tmp_path):
    key, answers = graded
    assert one_line_error(*cli("check", "--key", str(key), str(answers), "--out", str(tmp_path))[::2]) == (
        f"error: --out {tmp_path} is a folder; give a file name")
    missing = tmp_path / "nope" / "r.txt"
    assert "no such folder" in one_line_error(*cli("check", "--key", str(key), str(answers), "--out", str(missing))[::2])


def test_write_file_on_a_dangling_symlink_creates_the_target(tmp_path):
    target = tmp_path / "t.txt"
    link = tmp_path / "l.txt"
    link.symlink_to(target)
    output.write_file(link, b"data")
    assert link.is_symlink() and target.read_bytes() == b"data"
    with pytest.raises(UserError, match="is a folder"):
        output.write_file(tmp_path, b"x")
