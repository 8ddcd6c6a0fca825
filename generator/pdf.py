"""Print-ready PDF: a build's HTML documents printed by headless Chromium (driven by Playwright),
then made byte-identical and, on exam pages, stamped with a QR code.

Chromium lays out the keys' MathML (WeasyPrint does not) and is already what the browser tests
use, so a PDF looks like the page a student sees on screen. One browser is launched per build
and prints every document from the build's own folder (``file://``, so relative links such as
figures resolve). Every page gets a cover line (who, what, ``page N of M``); an exam page also
gets the student's variant code and, in the bottom margin, a QR code carrying
``{variant} PAGE {n}/{m}`` (:func:`qr_payload`), so a scanned page finds its key: ``check``
takes the variant code wherever it takes a student id.

Chromium writes the time into every PDF; :func:`_finish` drops the dates, fixes the producer
and sets an ``/ID`` derived from the content, so the same inputs give the same bytes.

This is the only module that imports Playwright, pypdf and segno, and only inside functions:
importing the package or the CLI stays light. Without them (or without a ``chromium``
binary) ``--pdf`` is one line naming what to install (:func:`require_engine`).
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import io
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from generator.errors import UserError, brief, cut
from generator.output import Progress

CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
)
"""Headless and offline: no sandbox (containers, root), no GPU, nothing fetched in the background."""

PACKAGES = ("playwright", "pypdf", "segno")
"""The Python packages of the ``pdf`` extra."""

TIMEOUT_MS = 60_000
"""The longest one document may take to load or print before the build stops."""

PRODUCER = "cnn-worksheets"


class PaperSize(StrEnum):
    """The paper a PDF is printed on (``--paper``)."""

    A4 = "a4"
    LETTER = "letter"


MM = 72 / 25.4
"""PDF points per millimetre."""

MARGIN_MM = {"top": 16, "side": 15, "bottom": 16}
"""Page margins; the cover line sits in the top one."""

EXAM_BOTTOM_MM = 27
"""An exam page's bottom margin, which holds the QR code and nothing else."""

QR_MM, QR_INSET_MM = 17, 6
"""The QR code's side, and its distance from the page's bottom edge (printers cannot print the
last few millimetres); it sits right-aligned with the text, so a quiet zone of at least 4 mm
separates it from the page content above."""


def paper_size(value: str | PaperSize) -> PaperSize:
    """``--paper``'s value as a :class:`PaperSize`.

    >>> paper_size("Letter")
    <PaperSize.LETTER: 'letter'>
    """
    try:
        return PaperSize(str(value).lower())
    except ValueError:
        raise UserError(f"--paper: expected one of {', '.join(PaperSize)}; got {brief(value)}") from None


@dataclass(frozen=True)
class Cover:
    """The line on top of every page of a document.

    Attributes:
        text: Who and what (``Ada Lovelace · s001 · Midterm``); user text, escaped when printed.
        variant: The exam variant code, shown beside the page number and carried by a QR code
            on every page; ``""`` for worksheets.
        qr: Whether to stamp the QR code (exam papers; keys show the variant only).
    """

    text: str
    variant: str = ""
    qr: bool = False


@dataclass(frozen=True)
class PrintJob:
    """One HTML document of the build and the PDF to print it to."""

    html: Path
    pdf: Path
    cover: Cover


def qr_payload(variant: str, page: int, pages: int) -> str:
    """What an exam page's QR code says: the variant code (``check`` takes it for the student's
    id) and the page within that student's exam. Upper case only, so it fits the QR code's
    compact alphanumeric mode (version 1, 21 x 21 modules).

    >>> qr_payload("7BC-M7B", 2, 3)
    '7BC-M7B PAGE 2/3'
    """
    return f"{variant} PAGE {page}/{pages}"


def find_chromium() -> str | None:
    """The ``chromium`` binary on PATH (Debian's package), or None."""
    return shutil.which("chromium")


def require_engine() -> str:
    """Checks that a PDF can be printed, before a build starts; returns Chromium's path.

    Raises:
        UserError: Chromium or a package of the ``pdf`` extra is missing (one line naming each
            and how to install it).
    """
    chromium = find_chromium()
    missing = [] if chromium else ["the chromium browser (apt-get install chromium)"]
    packages = [name for name in PACKAGES if importlib.util.find_spec(name) is None]
    if packages:
        missing.append(f"the Python package{'s' if len(packages) > 1 else ''} {', '.join(packages)} "
                       "(pip install 'cnn-worksheets[pdf]')")
    if missing:
        raise UserError(f"--pdf needs headless Chromium, Playwright, pypdf and segno; missing {' and '.join(missing)}")
    assert chromium is not None
    return chromium


def _header(cover: Cover) -> str:
    """Chromium's header template: the cover line, escaped (it is HTML, and names are user text).
    Chromium fills in ``pageNumber`` and ``totalPages``."""
    variant = f"Variant <b>{html.escape(cover.variant)}</b> · " if cover.variant else ""
    return (
        f'<div style="box-sizing:border-box;width:100%;padding:0 {MARGIN_MM["side"]}mm;'
        "font:8.5pt 'Helvetica Neue',Arial,sans-serif;color:#1d2330\">"
        '<div style="display:flex;gap:4mm;padding-bottom:1mm;border-bottom:.5pt solid #9aa4b8">'
        '<span style="flex:1;min-width:0;overflow:hidden;white-space:nowrap;text-overflow:ellipsis">'
        f"{html.escape(cover.text)}</span>"
        f'<span style="white-space:nowrap">{variant}page <span class="pageNumber"></span> of '
        '<span class="totalPages"></span></span></div></div>'
    )


def _page_css(paper: PaperSize, cover: Cover) -> str:
    """The page box for this print: the paper and margins (the bottom one holds the QR code)."""
    bottom = EXAM_BOTTOM_MM if cover.qr else MARGIN_MM["bottom"]
    return (f"@page {{ size: {paper.value}; margin: {MARGIN_MM['top']}mm {MARGIN_MM['side']}mm "
            f"{bottom}mm {MARGIN_MM['side']}mm; }}")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return cut(text.splitlines()[0] if text else type(exc).__name__, 200)


@contextmanager
def _browser(chromium: str) -> Iterator[Any]:
    """One headless Chromium page for the whole build."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        raise UserError(f"--pdf: cannot import Playwright ({_one_line(exc)}); pip install 'cnn-worksheets[pdf]'") from None
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS), timeout=TIMEOUT_MS)
            try:
                page = browser.new_page()
                page.set_default_timeout(TIMEOUT_MS)
                yield page
            finally:
                browser.close()
    except Error as exc:
        raise UserError(f"--pdf: Chromium failed: {_one_line(exc)}") from None


def print_documents(jobs: Sequence[PrintJob], paper: PaperSize, root: Path,
                    progress: Progress | None = None) -> list[int]:
    """Prints every job's HTML to its PDF through one browser; returns each PDF's page count.

    ``root`` is the build's folder: messages name files relative to it. ``progress`` (the
    build's bar) advances by one per document.

    Raises:
        UserError: the engine is missing, or Chromium failed or timed out (naming the document).
    """
    chromium = require_engine()
    from playwright.sync_api import Error
    from pypdf import PdfReader, PdfWriter

    pages = []
    with _browser(chromium) as page:
        for job in jobs:
            name = job.html.relative_to(root).as_posix()
            try:
                page.goto(job.html.resolve().as_uri(), wait_until="load")
                page.add_style_tag(content=_page_css(paper, job.cover))
                data = page.pdf(
                    prefer_css_page_size=True, print_background=True, display_header_footer=True,
                    header_template=_header(job.cover), footer_template="<span></span>",
                )
            except Error as exc:
                raise UserError(f"--pdf: Chromium failed printing {name}: {_one_line(exc)}") from None
            writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
            if job.cover.qr:
                _stamp_qr(writer, job.cover.variant)
            job.pdf.write_bytes(_finish(writer))
            pages.append(len(writer.pages))
            if progress is not None:
                progress.advance(1, f"printed {name}")
    return pages


def _stamp_qr(writer: Any, variant: str) -> None:
    """Puts a QR code of :func:`qr_payload` on every page, in the bottom margin at the right."""
    import segno
    from pypdf import PdfReader, Transformation

    total = len(writer.pages)
    for number, page in enumerate(writer.pages, start=1):
        qr = segno.make_qr(qr_payload(variant, number, total), error="m")
        buf = io.BytesIO()
        qr.save(buf, kind="pdf", scale=1, border=0)
        symbol = PdfReader(buf).pages[0]
        side = QR_MM * MM
        scale = side / float(symbol.mediabox.width)
        box = page.mediabox
        x = float(box.right) - MARGIN_MM["side"] * MM - side
        y = float(box.bottom) + QR_INSET_MM * MM
        page.merge_transformed_page(symbol, Transformation().scale(scale, scale).translate(x, y))
        page.compress_content_streams()  # merging leaves the page's content uncompressed


def _finish(writer: Any, title: str | None = None) -> bytes:
    """The PDF's bytes, the same for the same content: no dates, a fixed producer, and an
    ``/ID`` made from the content (Chromium writes the time; an ``/ID`` is meant to be unique)."""
    from pypdf.generic import ArrayObject, ByteStringObject

    info = writer.metadata or {}
    writer.metadata = {"/Title": title if title is not None else str(info.get("/Title", "")),
                       "/Producer": PRODUCER, "/Creator": f"{PRODUCER} (Chromium)"}
    writer._ID = None  # pypdf keeps the file identifier here; it has no public setter
    buf = io.BytesIO()
    writer.write(buf)
    digest = ByteStringObject(hashlib.sha256(buf.getvalue()).digest()[:16])
    writer._ID = ArrayObject([digest, digest])
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def concatenate(parts: Sequence[Path], out: Path, title: str) -> int:
    """Writes the PDFs ``parts`` one after another into ``out`` (each starts on a new page, and
    keeps its own cover lines and QR codes); returns the page count."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(part))
    writer.compress_identical_objects()  # the students' documents share fonts and figures: a third smaller
    out.write_bytes(_finish(writer, title))
    return len(writer.pages)
