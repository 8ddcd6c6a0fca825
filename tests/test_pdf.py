"""``--pdf``: worksheets and exams printed by headless Chromium, checked as a reader of the PDF
would: page sizes, text (the cover line with the variant on every exam page), embedded fonts,
QR codes decoded from a rendered page (zbarimg) and fed to ``check``, nothing near the QR code,
byte-identical rebuilds, and one-line errors when the engine is missing or fails. Rendered
pages go to build/screenshots/pdf-*.png for a human look."""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, need
from generator import pdf
from generator.exam import build_exam
from generator.worksheet import build_worksheets

browser = pytest.mark.browser
SHOTS = REPO / "build" / "screenshots"
NASTY = 'Zoë <b>bold</b> & "Co"'
SIZES = {"a4": (595.3, 841.9), "letter": (612.0, 792.0)}
WORKSHEET = (
    "title: PDF test\nworksheets:\n  - name: t\n    title: Shapes & <maps>\n    difficulty: intro\n"
    "    problems:\n      - {type: summary_table, count: 1}\n      - {type: layer_shape, count: 1}\n"
    "      - {type: concept, topic: conv_map}\n"
)


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    need(path is not None, f"{name} ({package}; apt-get install {package})")
    assert path is not None
    return path


@pytest.fixture(scope="module")
def engine() -> None:
    need(pdf.find_chromium() is not None, "Debian's chromium package (apt-get install chromium)")
    for package in pdf.PACKAGES:
        need(importlib.util.find_spec(package) is not None, f"the Python package {package} (pip install -e '.[pdf]')")


@pytest.fixture(scope="module")
def worksheets(engine, tmp_path_factory) -> dict[str, Path]:
    """The same small worksheet set printed on A4 and on Letter."""
    tmp = tmp_path_factory.mktemp("ws")
    (tmp / "ws.yaml").write_text(WORKSHEET, encoding="utf-8")
    return {paper: build_worksheets(tmp / "ws.yaml", 11, tmp / paper, verify=False, pdf=True, paper=paper)
            for paper in SIZES}


def _roster(folder: Path) -> Path:
    path = folder / "roster.csv"
    path.write_text(f'id,name\ns1,Ada Lovelace\ns2,"{NASTY.replace(chr(34), chr(34) * 2)}"\ns3,李雷\n', encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def exam(engine, tmp_path_factory) -> Path:
    """Three students of the default exam config, with PDFs."""
    tmp = tmp_path_factory.mktemp("exam")
    return build_exam(_roster(tmp), 42, tmp / "out", verify=False, pdf=True)


def _students(exam: Path) -> list[dict]:
    return json.loads((exam / "key.json").read_text(encoding="utf-8"))["students"]


@functools.cache
def _texts(path: Path) -> list[str]:
    """Each page's text (read once per file: the module's builds do not change)."""
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(path).pages]


def _render(path: Path, page: int, into: Path, dpi: int = 150, shot: str | None = None, **crop: int) -> Path:
    """Page ``page`` of ``path`` as a PNG in the folder ``into`` (``pdftoppm``), copied to
    build/screenshots/ as ``shot``; ``crop`` (x, y, W, H in pixels) renders only that part, as PGM."""
    pdftoppm = _tool("pdftoppm", "poppler-utils")
    out = into / f"{path.parent.name}-{path.stem}-{page}"
    args = [pdftoppm, "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile"]
    args += ["-gray", *(a for k, v in crop.items() for a in (f"-{k}", str(v)))] if crop else ["-png"]
    subprocess.run([*args, str(path), str(out)], check=True, capture_output=True)
    image = out.with_suffix(".pgm" if crop else ".png")
    if shot:
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(image, SHOTS / shot)
    return image


def _qr(image: Path) -> list[str]:
    zbarimg = _tool("zbarimg", "zbar-tools")
    proc = subprocess.run([zbarimg, "--quiet", "--raw", str(image)], capture_output=True, text=True)
    return proc.stdout.split("\n")[:-1]


@browser
def test_worksheet_pdfs_beside_the_html(worksheets, tmp_path):
    from pypdf import PdfReader

    out = worksheets["a4"]
    index = (out / "index.html").read_text(encoding="utf-8")
    for kind, shot in (("worksheet", "pdf-worksheet.png"), ("key", "pdf-key.png"), ("teacher", "pdf-teacher.png")):
        path = out / f"t-{kind}.pdf"
        assert f'href="t-{kind}.pdf"' in index
        texts = _texts(path)
        assert "Shapes & <maps>" in texts[0]  # the title, escaped in the HTML and the cover line
        assert "Fill in the summary table" in "".join(texts)
        for number, text in enumerate(texts, start=1):
            assert f"page {number} of {len(texts)}" in text
        assert PdfReader(path).metadata.title  # from the page's <title>
        _render(path, 1, tmp_path, shot=shot)
    teacher, sheet, key = (len(_texts(out / f"t-{k}.pdf")) for k in ("teacher", "worksheet", "key"))
    assert teacher >= sheet + key - 1  # the worksheet, a page break, the key


@browser
@pytest.mark.parametrize("paper", sorted(SIZES))
def test_paper_sizes(worksheets, paper, tmp_path):
    from pypdf import PdfReader

    width, height = SIZES[paper]
    for path in sorted(worksheets[paper].glob("*.pdf")):
        for page in PdfReader(path).pages:
            assert float(page.mediabox.width) == pytest.approx(width, abs=1.0), path.name
            assert float(page.mediabox.height) == pytest.approx(height, abs=1.0), path.name
    _render(worksheets[paper] / "t-worksheet.pdf", 2, tmp_path, dpi=60, shot=f"pdf-{paper}.png")


@browser
def test_every_exam_page_carries_the_cover_line(exam):
    index = (exam / "index.html").read_text(encoding="utf-8")
    for student in _students(exam):
        for name in ("exam.pdf", "key.pdf"):
            assert f'href="{student["folder"]}/{name}"' in index
            texts = _texts(exam / student["folder"] / name)
            assert len(texts) >= 2
            for number, text in enumerate(texts, start=1):
                assert f"Variant {student['variant']} · page {number} of {len(texts)}" in text, (name, number)
                assert student["id"] in text
    texts = _texts(exam / "students" / "s2" / "exam.pdf")
    assert NASTY in texts[1]  # page 2: only the cover line names the student, as text, escaped
    assert "Output shape" in "".join(texts) and "Midterm" in texts[0]
    assert "李雷" in _texts(exam / "students" / "s3" / "exam.pdf")[1]
    assert 'href="all-exams.pdf"' in index and 'href="all-keys.pdf"' in index


@browser
@pytest.mark.parametrize("bundle, name", [("all-exams.pdf", "exam.pdf"), ("all-keys.pdf", "key.pdf")])
def test_bundles_start_each_student_on_a_new_page(exam, bundle, name):
    texts = _texts(exam / bundle)
    start = 0
    for student in _students(exam):
        own = _texts(exam / student["folder"] / name)
        assert texts[start:start + len(own)] == own
        assert f"Variant {student['variant']} · page 1 of {len(own)}" in texts[start]
        start += len(own)
    assert start == len(texts)


@browser
def test_relative_figures_are_printed(engine, tmp_path):
    """Documents are printed from the build's folder, so a figure beside them (an SVG file the
    page links to relatively) is in the PDF."""
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "f.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60"><rect width="200" height="60" fill="#2f5fb3"/>'
        '<text x="10" y="40" font-family="sans-serif" font-size="20" fill="#fff">FIGURE-TEXT</text></svg>',
        encoding="utf-8")
    (tmp_path / "doc.html").write_text('<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title></head>'
                                       '<body><p>Before</p><img src="figures/f.svg" alt="f"></body></html>', encoding="utf-8")
    job = pdf.PrintJob(tmp_path / "doc.html", tmp_path / "doc.pdf", pdf.Cover("Figures"))
    assert pdf.print_documents([job], pdf.PaperSize.A4, tmp_path) == [1]
    assert "FIGURE-TEXT" in _texts(tmp_path / "doc.pdf")[0]


def _fonts(resources) -> list:
    """Every font a page's resources use, form XObjects' included."""
    found = []
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        found += [d.get_object() for d in font["/DescendantFonts"]] if font.get("/Subtype") == "/Type0" else [font]
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
            found += _fonts(xobject["/Resources"].get_object())
    return found


@browser
def test_fonts_are_embedded(exam, worksheets):
    from pypdf import PdfReader

    paths = [*sorted(exam.rglob("*.pdf")), *sorted(worksheets["a4"].glob("*.pdf"))]
    for path in paths:
        fonts = [f for page in PdfReader(path).pages for f in _fonts(page["/Resources"].get_object())]
        assert fonts, path
        for font in fonts:
            descriptor = font["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), (path.name, font.get("/BaseFont"))


@browser
def test_the_qr_code_names_variant_and_page_and_check_finds_the_student(exam, run_cli, tmp_path):
    students = _students(exam)
    for student in students[:2]:
        path = exam / student["folder"] / "exam.pdf"
        pages = len(_texts(path))
        for page in (1, 2):
            shot = f"pdf-exam-{page}.png" if student is students[0] else None
            assert _qr(_render(path, page, tmp_path, shot=shot)) == [pdf.qr_payload(student["variant"], page, pages)]
    _render(exam / students[0]["folder"] / "key.pdf", 1, tmp_path, shot="pdf-exam-key.png")
    scanned = _qr(_render(exam / "all-exams.pdf", len(_texts(exam / students[0]["folder"] / "exam.pdf")) + 1, tmp_path))
    assert scanned == [pdf.qr_payload(students[1]["variant"], 1, len(_texts(exam / students[1]["folder"] / "exam.pdf")))]
    answers = tmp_path / "answers.csv"  # what a scanned page gives check: the variant code
    problem = students[1]["problems"][0]
    answers.write_text(f"student_id,question_id,answer\n{scanned[0].split()[0]},{problem['id']}.{problem['blanks'][0]['id']},1\n",
                       encoding="utf-8")
    code, out, err = run_cli("check", "--key", str(exam / "key.json"), str(answers), "--format", "json")
    assert code == 0, err
    assert [s["id"] for s in json.loads(out)["students"]] == ["s2"]


@browser
def test_nothing_is_printed_near_the_qr_code(exam, tmp_path):
    """The QR code's square and a 3 mm ring around it are white but for the code itself: the
    page content and the cover line never reach it."""
    mm = 150 / 25.4  # pixels at _render's 150 dpi
    ring = 3
    side = pdf.QR_MM + 2 * ring
    for student in _students(exam):
        path = exam / student["folder"] / "exam.pdf"
        width_mm, height_mm = SIZES["a4"][0] / pdf.MM, SIZES["a4"][1] / pdf.MM
        left = width_mm - pdf.MARGIN_MM["side"] - pdf.QR_MM - ring
        top = height_mm - pdf.QR_INSET_MM - pdf.QR_MM - ring
        for page in range(1, len(_texts(path)) + 1):
            image = _render(path, page, tmp_path, x=round(left * mm), y=round(top * mm), W=round(side * mm), H=round(side * mm))
            width, height, pixels = _pgm(image)
            inner = range(round(ring * mm) - 2, round((ring + pdf.QR_MM) * mm) + 2)  # 2 pixels for rounding
            outside = [pixels[y * width + x] for y in range(height) for x in range(width)
                       if not (x in inner and y in inner)]
            assert min(outside) > 240, (path, page)
            assert min(pixels) < 20  # the code itself is there


def _pgm(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    match = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", data)
    assert match, path
    width, height = int(match.group(1)), int(match.group(2))
    return width, height, data[match.end():match.end() + width * height]


@browser
def test_rebuilds_are_byte_identical(exam, tmp_path):
    again = build_exam(_roster(tmp_path), 42, tmp_path / "again", verify=False, pdf=True)
    names = sorted(p.relative_to(exam).as_posix() for p in exam.rglob("*.pdf"))
    assert names == sorted(p.relative_to(again).as_posix() for p in again.rglob("*.pdf"))
    assert len(names) == 3 * 2 + 2
    for name in names:
        assert (exam / name).read_bytes() == (again / name).read_bytes(), name
    data = (exam / "all-exams.pdf").read_bytes()
    assert b"/CreationDate" not in data and b"/ModDate" not in data
    assert re.search(rb"/ID \[ <[0-9a-f]{32}> <[0-9a-f]{32}> \]", data)


def _one_line_error(code: int, out: str, err: str) -> str:
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_a_missing_browser_is_one_line_and_writes_nothing(run_cli, monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    out = tmp_path / "out"
    err = _one_line_error(*run_cli("exam", "--roster", str(_roster(tmp_path)), "--seed", "1", "--out", str(out),
                                   "--no-verify", "--pdf"))
    assert err.startswith("error: --pdf needs headless Chromium") and "apt-get install chromium" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]


def test_a_missing_package_is_named(run_cli, monkeypatch, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(pdf, "find_chromium", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "segno" else real(name, *a))
    (tmp_path / "ws.yaml").write_text(WORKSHEET, encoding="utf-8")
    err = _one_line_error(*run_cli("worksheet", "--config", str(tmp_path / "ws.yaml"), "--seed", "1",
                                   "--out", str(tmp_path / "out"), "--no-verify", "--pdf"))
    assert "missing the Python package segno (pip install 'cnn-worksheets[pdf]')" in err
    assert "chromium" not in err.split("missing")[1]
    assert not (tmp_path / "out").exists()


def test_paper_without_pdf_is_refused(run_cli, tmp_path):
    (tmp_path / "ws.yaml").write_text(WORKSHEET, encoding="utf-8")
    err = _one_line_error(*run_cli("worksheet", "--config", str(tmp_path / "ws.yaml"), "--seed", "1",
                                   "--out", str(tmp_path / "out"), "--no-verify", "--paper", "letter"))
    assert "add --pdf" in err
    err = _one_line_error(*run_cli("worksheet", "--config", str(tmp_path / "ws.yaml"), "--seed", "1",
                                   "--out", str(tmp_path / "out"), "--pdf", "--paper", "a5"))
    assert "invalid choice: 'a5'" in err and "letter" in err


@browser
def test_a_chromium_failure_is_one_line_and_leaves_no_folder(engine, run_cli, monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "TIMEOUT_MS", 1)  # nothing loads or prints in a millisecond
    (tmp_path / "ws.yaml").write_text(WORKSHEET, encoding="utf-8")
    err = _one_line_error(*run_cli("worksheet", "--config", str(tmp_path / "ws.yaml"), "--seed", "1",
                                   "--out", str(tmp_path / "out"), "--no-verify", "--pdf"))
    assert err.startswith("error: --pdf: Chromium failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws.yaml"]
