"""The evaluation report: one self-contained HTML page (inline SVG charts, no scripts, nothing fetched)."""

from __future__ import annotations

from typing import Any

from qa.render import render

GROUPS: dict[str, list[tuple[str, str]]] = {
    "Retrieval": [("hit@1", "hit@1"), ("hit@k", "hit@k"), ("mrr", "MRR")],
    "Citations": [
        ("citation_precision", "precision"),
        ("citation_recall", "recall"),
        ("first_citation", "first citation"),
        ("evidence_coverage", "evidence coverage"),
    ],
    "Answers and refusals": [
        ("answer_contains", "answer contains"),
        ("refused", "refusal rate"),
        ("false_refusal", "false refusals"),
    ],
}
HEADLINE = [
    ("passed", "passed"),
    ("first_citation", "first citation right"),
    ("citation_precision", "citation precision"),
    ("answer_contains", "answer contains"),
    ("refused", "refusal rate"),
    ("false_refusal", "false refusals"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
]
COLOURS = ["#2f6db3", "#e07b39", "#3a9a5b", "#9b59b6", "#c0392b", "#7f8c8d"]


def _fmt(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1.0 else f"{value:.1f}"
    return str(value)


CHART = """<svg role="img" aria-label="{{ title }}" width="{{ width }}" height="{{ height + top + 60 }}" \
xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">\
<text x="{{ left }}" y="14" font-size="13" font-weight="bold">{{ title }}</text>
{% for tick in ticks %}{% set y = top + height - tick * height %}\
<line x1="{{ left }}" x2="{{ width - 10 }}" y1="{{ y }}" y2="{{ y }}" stroke="#ddd"/>\
<text x="{{ left - 6 }}" y="{{ y + 4 }}" text-anchor="end">{{ "%.2f" | format(tick) }}</text>
{% endfor %}
{% for group in groups %}
{% for b in group.bars %}
{% if b.value is none %}<text x="{{ b.x + bar / 2 }}" y="{{ top + height - 4 }}" text-anchor="middle">–</text>
{% else %}{% set h = [b.value, 0.0] | max * height %}\
<rect x="{{ b.x }}" y="{{ top + height - h }}" width="{{ bar - 3 }}" height="{{ h }}" fill="{{ b.colour }}">\
<title>{{ b.name }} {{ group.label }}: {{ "%.3f" | format(b.value) }}</title></rect>\
<text x="{{ b.x + (bar - 3) / 2 }}" y="{{ top + height - h - 3 }}" text-anchor="middle" font-size="9">\
{{ "%.2f" | format(b.value) }}</text>
{% endif %}{% endfor %}\
<text x="{{ group.x }}" y="{{ top + height + 16 }}" text-anchor="middle">{{ group.label }}</text>
{% endfor %}
{% for x, colour, name in legend %}\
<rect x="{{ x }}" y="{{ top + height + 31 }}" width="10" height="10" fill="{{ colour }}"/>\
<text x="{{ x + 14 }}" y="{{ top + height + 40 }}">{{ name }}</text>
{% endfor %}</svg>"""


def bar_chart(title: str, metrics: list[tuple[str, str]], configs: dict[str, dict[str, Any]]) -> str:
    """Grouped bars: one group per metric, one bar per configuration; values are shares in [0, 1]."""
    names = list(configs)
    bar, gap, height, left, top = 22, 40, 180, 40, 24
    group_width = len(names) * bar + gap
    groups = []
    for m, (key, label) in enumerate(metrics):
        x0 = left + m * group_width + gap / 2
        bars = [
            {
                "x": x0 + c * bar,
                "name": name,
                "value": None if configs[name].get(key) is None else float(configs[name][key]),
                "colour": COLOURS[c % len(COLOURS)],
            }
            for c, name in enumerate(names)
        ]
        groups.append({"label": label, "x": x0 + len(names) * bar / 2, "bars": bars})
    return render(
        CHART,
        title=title,
        legend=[(left + c * 120, COLOURS[c % len(COLOURS)], name) for c, name in enumerate(names)],
        groups=groups,
        ticks=(0.0, 0.25, 0.5, 0.75, 1.0),
        bar=bar,
        height=height,
        left=left,
        top=top,
        width=left + len(metrics) * group_width + 20,
    )


def _why(row: dict[str, Any]) -> str:
    metrics = row.get("metrics", {})
    if row.get("error"):
        return f"error: {row['error']}"
    if not row.get("answerable"):
        return "answered an unanswerable question"
    why = []
    if metrics.get("false_refusal") == 1.0:
        why.append("refused")
    elif metrics.get("first_citation") == 0.0:
        why.append("first citation lacks the evidence")
    if metrics.get("answer_contains") == 0.0:
        why.append("answer lacks the expected words")
    return "; ".join(why)


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Evaluation: {{ source }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 1400px; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 14px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }
td ul { margin: 0; padding-left: 1rem; } .charts svg { margin: 0 2rem 1rem 0; }
</style></head><body>
<h1>Evaluation of {{ source }}</h1>
<p>{{ questions }} questions per configuration, k = {{ k }}. A question passes when its first
citation's paragraph holds the evidence and the answer has the expected words, or, for an unanswerable one, when
the assistant abstains.</p>
<h2>Headline</h2>
<table><tr><th>configuration</th>{% for _, label in headline %}<th>{{ label }}</th>{% endfor %}</tr>
{% for name, row in overall.items() %}<tr><th>{{ name }}</th>\
{% for key, _ in headline %}<td>{{ fmt(row.get(key)) }}</td>{% endfor %}</tr>
{% endfor %}</table>
<h2>Charts</h2><div class="charts">{% for chart in charts %}{{ chart | safe }}{% endfor %}</div>
<h2>By question type</h2>
<table><tr><th>configuration</th><th>type</th><th>questions</th>\
{% for _, label in headline %}<th>{{ label }}</th>{% endfor %}</tr>
{% for name, summary in summaries.items() %}{% for kind, row in summary.by_type.items() %}\
<tr><td>{{ name }}</td><td>{{ kind }}</td><td>{{ row.questions }}</td>\
{% for key, _ in headline %}<td>{{ fmt(row.get(key)) }}</td>{% endfor %}</tr>
{% endfor %}{% endfor %}</table>
<h2>Failed questions</h2>
{% for name, rows in results.items() %}{% set failed = rows | rejectattr("passed") | list %}
<h3>{{ name }}: {{ failed | length }} of {{ rows | length }} questions failed</h3>
<table><tr><th>id</th><th>type</th><th>question</th><th>why</th><th>answer</th><th>cited</th></tr>
{% for row in failed %}{% set answer = row.answer or {} %}\
<tr><td>{{ row.id }}</td><td>{{ row.type }}</td><td>{{ row.turns | join(" → ") }}</td><td>{{ why(row) }}</td>\
<td>{{ answer.get("answer", "") }}</td><td><ul>{% for c in answer.get("citations", []) %}\
<li><b>[{{ c.get("n") }}]</b> {{ c.get("article_id") }} ¶{{ c.get("paragraph") }}: <q>{{ c.get("quote") }}</q>\
<details><summary>paragraph</summary>{{ c.get("text") }}</details></li>{% endfor %}</ul></td></tr>
{% endfor %}</table>
{% endfor %}
<h2>Lines of the question set that could not be read</h2><ul>{% for p in problems %}<li>{{ p }}</li>\
{% else %}<li>none</li>{% endfor %}</ul>
</body></html>
"""


def render_report(
    source: str,
    summaries: dict[str, dict[str, Any]],
    results: dict[str, list[dict[str, Any]]],
    problems: list[str],
    k: int,
) -> str:
    """summaries/results: per configuration name, the summarize() output and the per-question rows."""
    overall = {name: summary["overall"] for name, summary in summaries.items()}
    return render(
        PAGE,
        source=source,
        questions=len(next(iter(results.values()), [])),
        k=k,
        headline=HEADLINE,
        overall=overall,
        charts=[bar_chart(title, metrics, overall) for title, metrics in GROUPS.items()],
        summaries=summaries,
        results=results,
        problems=problems,
        fmt=_fmt,
        why=_why,
    )
