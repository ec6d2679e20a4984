"""HTML from text with Jinja2, autoescaped: the one way article and answer text becomes markup."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup, escape


def _lines(text: object) -> Markup:
    """Text with its line breaks kept: escaped, then each newline a <br>."""
    return escape(str(text)).replace("\n", Markup("<br>"))


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["lines"] = _lines
    return env


@cache
def _compiled(template: str) -> jinja2.Template:
    return environment().from_string(template)


def render(template: str, **context: Any) -> str:
    """`template` (Jinja2 source) rendered with `context`; every value is escaped unless marked safe."""
    return _compiled(template).render(**context)
