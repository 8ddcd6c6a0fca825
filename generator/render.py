"""Plain data -> Jinja2 (``templates/``) -> Markdown -> HTML, in one place.

One :func:`environment` factory registers every filter; one context builder per document lives
with the document's module; :func:`markdown_to_html` is the only Markdown conversion. Templates
only read data: every number in them was computed upstream.

Escaping: ``*.html.j2`` templates are autoescaped by Jinja2. ``*.md.j2`` templates produce
Markdown, where HTML-escaping would corrupt code spans, so user text (titles, names) goes through
the ``md`` filter, which escapes HTML and Markdown syntax; the Markdown->HTML step then shows it
as text, never as markup.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from generator.answers import display
from generator.errors import UserError

DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE_NAMES = (
    "page.html.j2", "worksheet.md.j2", "key.md.j2", "index.html.j2", "macros.md.j2"
)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|>~-])")


def md_text(value: Any) -> Markup:
    """User text made safe inside Markdown: HTML special characters become entities and
    Markdown syntax is backslash-escaped.

    >>> str(md_text("Zoë <b>*bold*</b> & co"))
    'Zoë &lt;b&gt;\\\\*bold\\\\*&lt;/b&gt; &amp; co'
    """
    return Markup(_MD_SPECIAL.sub(r"\\\1", html.escape(str(value), quote=False)))


def md_cell(value: Any) -> str:
    """Text inside a Markdown table cell: pipes escaped, newlines folded."""
    return str(value).replace("|", r"\|").replace("\n", " ")


def environment(templates: Path | None = None) -> jinja2.Environment:
    """The one Jinja environment: user templates (``--templates DIR``) first, the shipped ones
    as fallback, every filter registered, undefined variables an error."""
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None:
        if not Path(templates).is_dir():
            raise UserError(f"--templates {templates}: not a directory")
        loaders.append(jinja2.FileSystemLoader(str(templates)))
    loaders.append(jinja2.FileSystemLoader(str(DEFAULT_TEMPLATES)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "html"), default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = md_text
    env.filters["cell"] = md_cell
    env.filters["display"] = display
    env.filters["markdown"] = lambda text: Markup(markdown_to_html(str(text)))
    return env


def render(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    """Renders one template; template errors become one-line UserErrors naming the template."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise UserError(f"template {exc.name!r} not found") from None
    except jinja2.TemplateSyntaxError as exc:
        raise UserError(f"template {exc.filename or name}:{exc.lineno}: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise UserError(f"template {name}: {exc.message}") from None


def markdown_to_html(text: str) -> str:
    """Markdown (with GFM-style tables and fenced code) to an HTML fragment.

    One converter is built once and reset between documents (building one per call costs more
    than converting a worksheet).

    >>> markdown_to_html("| a |\\n|---|\\n| `x*y` |").count("<td><code>x*y</code></td>")
    1
    """
    converter = _converter()
    try:
        return converter.convert(text)
    finally:
        converter.reset()


@functools.cache
def _converter() -> Any:
    import markdown

    return markdown.Markdown(
        extensions=["tables", "fenced_code", "sane_lists", "attr_list"], output_format="html"
    )
