"""Plain data -> Jinja2 (``templates/``) -> Markdown -> HTML, in one place.

One :func:`environment` factory registers every filter; one context builder per document lives
with the document's module; :func:`markdown_to_html` is the only Markdown conversion. Templates
only read data: every number in them was computed upstream.

Escaping: ``*.html.j2`` templates are autoescaped by Jinja2. ``*.md.j2`` templates produce
Markdown, where HTML-escaping would corrupt code spans, so user text (titles, names) goes through
the ``md`` filter, which escapes HTML and Markdown syntax; the Markdown->HTML step then shows it
as text, never as markup. Instructions written in a config are a small Markdown subset
(:func:`md_subset`): code spans, emphasis, paragraphs and lists, never HTML or links.

Templates, the shipped ones and those of ``--templates DIR``, run in Jinja2's immutable sandbox:
they can read the data they are given and nothing else (no attribute beginning with ``_``, no
module, no file), and any error in one is a one-line :class:`~generator.errors.UserError`
naming the template and the line.
"""

from __future__ import annotations

import contextlib
import functools
import html
import os
import re
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox
from markupsafe import Markup

from generator.answers import display
from generator.engine.formatting import article, count_of
from generator.errors import UserError, cut
from generator.userfiles import LIMITS

DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE_NAMES = (
    "page.html.j2", "worksheet.md.j2", "key.md.j2", "index.html.j2", "macros.md.j2", "solution.html.j2"
)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|>~-])")


def md_text(value: Any) -> Markup:
    """User text made safe inside Markdown: HTML special characters become entities, Markdown
    syntax is backslash-escaped, and ``$`` (which opens a formula) becomes ``&#36;``.

    >>> str(md_text("Zoë <b>*bold*</b> & co $5"))
    'Zoë &lt;b&gt;\\\\*bold\\\\*&lt;/b&gt; &amp; co &#36;5'
    """
    return Markup(_MD_SPECIAL.sub(r"\\\1", html.escape(str(value), quote=False)).replace("$", "&#36;"))


_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def md_inline(value: Any) -> Markup:
    """Text of ours inside a line of Markdown (a step's label or remark, a part's heading that
    may hold a layer name): HTML escaped, and only what opens inline markup escaped (emphasis,
    code, links, a table cell, a formula). Lighter than :func:`md_text`, which also guards the
    start of a line, and much cheaper for Markdown to read back.

    >>> str(md_inline("conv2d_1 (Conv2D): 3·3 = 9 <b> $5 *x* - a|b"))
    'conv2d\\\\_1 (Conv2D): 3·3 = 9 &lt;b&gt; &#36;5 \\\\*x\\\\* - a\\\\|b'
    """
    return Markup(_INLINE_SPECIAL.sub(r"\\\1", html.escape(str(value), quote=False)).replace("$", "&#36;"))


_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)


def md_subset(value: Any) -> Markup:
    """Instructions a config writes, made safe: a small Markdown subset (code spans, emphasis,
    paragraphs, lists) is kept; HTML, links, images and attribute lists are shown as text.

    Every backslash and backtick outside the code spans found here is escaped, so Markdown finds
    the same spans (an escaped backtick cannot turn a code span into raw HTML). A span between
    single backticks is kept as written; any other becomes a ``<code>`` element whose content is
    escaped for HTML and Markdown alike.

    >>> str(md_subset("Use `(None, 26, 26, 32)` & *no* <script>x</script> [a](javascript:x)"))
    'Use `(None, 26, 26, 32)` &amp; *no* &lt;script&gt;x&lt;/script&gt; \\\\[a\\\\](javascript:x)'
    >>> str(md_subset("\\\\`<img src=x>` ``[a](b)``"))
    '\\\\\\\\`<img src=x>` <code>\\\\[a\\\\]\\\\(b\\\\)</code>'
    """
    text = str(value)
    parts, last = [], 0
    for match in _CODE_SPAN.finditer(text):
        parts.append(_subset_text(text[last:match.start()]))
        delimiter, code = match.group(1), match.group(2)
        if delimiter == "`" and "`" not in code:
            parts.append(match.group(0))  # Markdown reads it as this same code span: kept as written
        else:
            parts.append(f"<code>{md_text(code.strip())}</code>")  # no Markdown inside
        last = match.end()
    parts.append(_subset_text(text[last:]))
    return Markup("".join(parts))


def _subset_text(text: str) -> str:
    escaped = html.escape(text, quote=False)
    return re.sub(r"([\\`\[\]{}])", r"\\\1", escaped).replace("$", "&#36;")


def tex_number(value: Any) -> str:
    """A whole number inside a formula, its digits grouped by thin spaces: ``130\\,794``.

    >>> tex_number(130794), tex_number(-5), tex_number("x")
    ('130\\\\,794', '-5', 'x')
    """
    return f"{value:,}".replace(",", r"\,") if isinstance(value, int) else str(value)


_LONG_NUMBER = re.compile(r"(?<![\d.\\])\d{5,}(?![\d.])")


def tex_digits(latex: Any) -> str:
    """A formula with every number of five digits or more grouped by thin spaces, as
    :func:`tex_number` writes results (``2 \\cdot 78643200`` -> ``2 \\cdot 78\\,643\\,200``).

    >>> tex_digits(r"2 \\cdot 78643200 + 4096")
    '2 \\\\cdot 78\\\\,643\\\\,200 + 4096'
    """
    return _LONG_NUMBER.sub(lambda m: tex_number(int(m.group(0))), str(latex))


def md_cell(value: Any) -> str:
    """Text inside a Markdown table cell: pipes escaped, newlines folded, no formula opened."""
    return str(value).replace("|", r"\|").replace("\n", " ").replace("$", "&#36;")


class _Loader(jinja2.FileSystemLoader):
    """A file loader that refuses templates larger than ``LIMITS["template"]``."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        for folder in self.searchpath:
            path = os.path.join(folder, *template.split("/"))
            if os.path.isfile(path) and os.path.getsize(path) > LIMITS["template"]:
                raise UserError(f"template {path}: larger than 1 MiB")
        return super().get_source(environment, template)


def environment(templates: Path | None = None) -> jinja2.Environment:
    """The one Jinja environment: user templates (``--templates DIR``) first, the shipped ones
    as fallback, every filter registered, undefined variables an error, and the immutable
    sandbox, so a template can only read the data it is given."""
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None:
        try:
            is_dir = Path(templates).is_dir()
        except OSError as exc:
            raise UserError(f"--templates {templates}: {exc.strerror or exc}") from None
        if not is_dir:
            raise UserError(f"--templates {templates}: not a directory")
        loaders.append(_Loader(str(templates)))
    loaders.append(_Loader(str(DEFAULT_TEMPLATES)))
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "html"), default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = md_text
    env.filters["md_subset"] = md_subset
    env.filters["md_inline"] = md_inline
    env.filters["cell"] = md_cell
    env.filters["display"] = display
    env.filters["count_of"] = count_of
    env.filters["article"] = article
    env.filters["tex_number"] = tex_number
    env.filters["tex_digits"] = tex_digits
    env.filters["math"] = lambda latex, mode="mathml": Markup(latex_html(str(latex), mode))
    env.filters["markdown"] = lambda text: Markup(markdown_to_html(str(text)))
    return env


@functools.cache
def shipped_environment() -> jinja2.Environment:
    """The :func:`environment` of the shipped templates alone (made once)."""
    return environment(None)


def render(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Renders one template; any error in it (syntax, an undefined name, a refused attribute, a
    TypeError, endless recursion, bytes that are not UTF-8) becomes one UserError line naming
    the template and, where known, the line."""
    try:
        with _time_limit(RENDER_SECONDS):
            return env.get_template(name).render(**context)
    except UserError:
        raise
    except _TooSlow:
        raise UserError(f"template {name}: still rendering after {RENDER_SECONDS} s (a loop that never ends?)") from None
    except jinja2.TemplateNotFound as exc:
        raise UserError(f"template {exc.name!r} not found") from None
    except jinja2.TemplateSyntaxError as exc:
        raise UserError(f"template {exc.filename or name}:{exc.lineno}: {cut(exc.message or 'syntax error', 160)}") from None
    except jinja2.UndefinedError as exc:
        raise UserError(f"template {name}: {cut(exc.message or 'undefined', 160)}") from None
    except jinja2.sandbox.SecurityError as exc:
        raise UserError(f"template {_where(exc, name)}: refused by the sandbox (templates only read data): {cut(str(exc), 160)}") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"template {name}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})") from None
    except RecursionError:
        raise UserError(f"template {_where(None, name)}: recursion too deep (a macro or include that calls itself?)") from None
    except (Exception, MemoryError) as exc:  # a template is the user's code: whatever it raises
        raise UserError(f"template {_where(exc, name)}: {type(exc).__name__}: {cut(str(exc), 160)}") from None


RENDER_SECONDS = 60
"""The longest one template may take to render (a whole class's bundle takes well under 1 s)."""


class _TooSlow(BaseException):
    """Raised into a template that renders for longer than :data:`RENDER_SECONDS`."""


@contextlib.contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    """Interrupts the block with :class:`_TooSlow` after ``seconds`` (main thread, POSIX only;
    elsewhere no limit)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def too_slow(signum: int, frame: object) -> None:
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _where(exc: BaseException | None, name: str) -> str:
    """``file:line`` of the innermost template frame of ``exc``'s traceback, else ``name``."""
    tb = exc.__traceback__ if exc is not None else None
    found = name
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = f"{Path(filename).name}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found


def markdown_to_html(text: str, math: str = "mathml") -> str:
    """Markdown (with GFM-style tables and fenced code) to an HTML fragment; ``$...$`` formulas
    become MathML made here, at build time (``math="mathml"``: no script, works offline and in
    print), or ``\\(...\\)`` for an LMS whose MathJax filter typesets them (``math="tex"``).

    Formulas are set aside before Markdown reads the text (a ``$`` in a code span or a fenced
    block stays code) and put back after, so Markdown never parses LaTeX and the many formulas
    of a key cost one regular-expression pass. One converter is built once and reset between
    documents (building one per call costs more than converting a worksheet).

    >>> markdown_to_html("| a |\\n|---|\\n| `x*y` |").count("<td><code>x*y</code></td>")
    1
    >>> markdown_to_html("so $o = n_{in}$.").startswith("<p>so <math")
    True
    >>> markdown_to_html("so $o < n$, `$x$`.", math="tex")
    '<p>so \\\\(o &lt; n\\\\), <code>$x$</code>.</p>'
    """
    formulas: list[str] = []

    def aside(m: re.Match[str]) -> str:
        if m.group(1) is not None:  # code: kept as written
            return m.group(1)
        formulas.append(m.group(3))
        return f"{_MARK}{len(formulas) - 1}{_MARK}"

    converter = _converter()
    try:
        html_text = converter.convert(_MATH_OR_CODE.sub(aside, text.replace(_MARK, "")))
    finally:
        converter.reset()
    if not formulas:
        return html_text
    return _MARKED.sub(lambda m: latex_html(formulas[int(m.group(1))], math), html_text)


_MARK = "\x1a"
"""Brackets a set-aside formula's number while Markdown runs (a control character no document
keeps: removed from the input first)."""
_MARKED = re.compile(f"{_MARK}(\\d+){_MARK}")
_MATH_OR_CODE = re.compile(
    r"(^ {0,3}(?:```|~~~).*?^ {0,3}(?:```|~~~)|(?<!`)(`+)(?!`).+?(?<!`)\2(?!`))"  # fenced block, code span
    r"|(?<![\\\w$])\$(?![\s$])([^$\n]+?)(?<!\s)\$(?![\w$])",  # $...$ as GitHub and Jupyter read it
    re.M | re.S,
)


def resolve_math(marked: str, math: str) -> str:
    """HTML rendered with ``math="mark"`` (each formula's LaTeX between two marks), with every
    formula made MathML or ``\\(...\\)``: one rendering serves both LMS formats.

    >>> resolve_math(latex_html("a<b", "mark"), "tex")
    '\\\\(a&lt;b\\\\)'
    """
    return _MARKED_LATEX.sub(lambda m: latex_html(m.group(1), math), marked)


_MARKED_LATEX = re.compile("\x1a(.*?)\x1a", re.S)


@functools.lru_cache(maxsize=65536)
def latex_html(latex: str, math: str = "mathml") -> str:
    """One formula as MathML (``math="mathml"``), as ``\\(...\\)`` text for MathJax
    (``math="tex"``), or marked for :func:`resolve_math` (``math="mark"``); formulas repeat
    across a class's papers, so each is converted once.

    >>> latex_html("k_h", "tex")
    '\\\\(k_h\\\\)'
    """
    if math == "mark":
        return f"{_MARK}{latex}{_MARK}"
    if math == "tex":
        return html.escape(rf"\({latex}\)", quote=False)
    from latex2mathml.converter import convert

    # a matrix's brackets are drawn by the page's CSS (see page.html.j2): fonts without a MATH
    # table cannot stretch them
    return convert(latex.replace(r"\left[\begin{matrix}", r"\begin{matrix}").replace(r"\end{matrix}\right]", r"\end{matrix}"))


@functools.cache
def _converter() -> Any:
    import markdown

    converter = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists", "attr_list"], output_format="html")
    # Documents never link: user text has its brackets escaped (md_text, md_subset), so these
    # patterns only cost time (a third of a key's conversion)
    for name in _UNUSED_PATTERNS:
        converter.inlinePatterns.deregister(name)
    return converter


_UNUSED_PATTERNS = ("reference", "link", "image_link", "image_reference", "short_reference", "short_image_ref",
                    "autolink", "automail", "linebreak")
