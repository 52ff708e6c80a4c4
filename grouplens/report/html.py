"""The report as one self-contained HTML page: readable offline, on a phone and on paper.

``render_html(report)`` takes the report's JSON dict, builds its page (``page.build_page``, the
page the terminal and Markdown writers render too) and renders it with the jinja2 template
``report.html.j2``: inline CSS, charts as inline SVG (``charts``), no script, and a
Content-Security-Policy that forbids every network load, so a page mailed around can make no
request. Autoescaping is on: names and chat texts are always shown as text.
"""

from __future__ import annotations

import functools
from typing import Any

import jinja2

from .charts import LAYER_COLORS, STAGE_COLORS
from .page import Alerts, Chart, Facts, Names, Note, Table, build_page

TEMPLATE = "report.html.j2"
# Nothing may be fetched: no scripts, fonts, frames or images beyond data: URIs; styles only inline.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
HTML_LANG = {"zh": "zh-CN", "en": "en"}


@functools.cache
def environment() -> jinja2.Environment:
    """The jinja2 environment: autoescape on for every template, undefined names are errors."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("grouplens", "data"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    kinds = {"table": Table, "facts": Facts, "alerts": Alerts, "names": Names, "note": Note, "chart": Chart}
    for name, cls in kinds.items():
        env.tests[name] = functools.partial(lambda value, cls: isinstance(value, cls), cls=cls)
    return env


def render_html(report: dict[str, Any]) -> str:
    """The report (its ``to_dict()``) as a complete HTML document."""
    p = build_page(report)
    return environment().get_template(TEMPLATE).render(
        page=p, html_lang=HTML_LANG.get(p.lang, p.lang), csp=CONTENT_SECURITY_POLICY,
        stage_colors=STAGE_COLORS, layer_colors=LAYER_COLORS)
