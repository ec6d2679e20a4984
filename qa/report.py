"""The evaluation report: one self-contained HTML page (inline SVG charts, no scripts, nothing fetched)."""

from __future__ import annotations

import html
from typing import Any

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


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1.0 else f"{value:.1f}"
    return str(value)


def bar_chart(title: str, metrics: list[tuple[str, str]], configs: dict[str, dict[str, Any]]) -> str:
    """Grouped bars: one group per metric, one bar per configuration; values are shares in [0, 1]."""
    names = list(configs)
    bar, gap, height, left, top = 22, 40, 180, 40, 24
    group_width = len(names) * bar + gap
    width = left + len(metrics) * group_width + 20
    parts = [
        f'<svg role="img" aria-label="{_e(title)}" width="{width}" height="{height + top + 60}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">',
        f'<text x="{left}" y="14" font-size="13" font-weight="bold">{_e(title)}</text>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = top + height - tick * height
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y}" y2="{y}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{tick:.2f}</text>')
    for m, (key, label) in enumerate(metrics):
        x0 = left + m * group_width + gap / 2
        for c, name in enumerate(names):
            value = configs[name].get(key)
            x = x0 + c * bar
            if value is None:
                parts.append(f'<text x="{x + bar / 2}" y="{top + height - 4}" text-anchor="middle">–</text>')
                continue
            h = max(float(value), 0.0) * height
            parts.append(
                f'<rect x="{x}" y="{top + height - h}" width="{bar - 3}" height="{h}" '
                f'fill="{COLOURS[c % len(COLOURS)]}"><title>{_e(name)} {_e(label)}: {float(value):.3f}</title></rect>'
            )
            parts.append(
                f'<text x="{x + (bar - 3) / 2}" y="{top + height - h - 3}" text-anchor="middle" '
                f'font-size="9">{float(value):.2f}</text>'
            )
        parts.append(
            f'<text x="{x0 + len(names) * bar / 2}" y="{top + height + 16}" text-anchor="middle">{_e(label)}</text>'
        )
    legend_y = top + height + 40
    for c, name in enumerate(names):
        x = left + c * 120
        parts.append(f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" fill="{COLOURS[c % len(COLOURS)]}"/>')
        parts.append(f'<text x="{x + 14}" y="{legend_y}">{_e(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _failure_rows(rows: list[dict[str, Any]]) -> str:
    out = []
    for row in rows:
        answer = row.get("answer") or {}
        cited = "".join(
            f"<li><b>[{_e(c.get('n'))}]</b> {_e(c.get('article_id'))} ¶{_e(c.get('paragraph'))}: "
            f"<q>{_e(c.get('quote'))}</q><details><summary>paragraph</summary>{_e(c.get('text'))}</details></li>"
            for c in answer.get("citations", [])
        )
        turns = " → ".join(_e(t) for t in row.get("turns", []))
        why = []
        metrics = row.get("metrics", {})
        if row.get("error"):
            why.append(f"error: {_e(row['error'])}")
        elif not row.get("answerable"):
            why.append("answered an unanswerable question")
        else:
            if metrics.get("false_refusal") == 1.0:
                why.append("refused")
            elif metrics.get("first_citation") == 0.0:
                why.append("first citation lacks the evidence")
            if metrics.get("answer_contains") == 0.0:
                why.append("answer lacks the expected words")
        out.append(
            f"<tr><td>{_e(row['id'])}</td><td>{_e(row['type'])}</td><td>{turns}</td><td>{'; '.join(why)}</td>"
            f"<td>{_e(answer.get('answer', ''))}</td><td><ul>{cited}</ul></td></tr>"
        )
    return "".join(out)


def render(
    source: str,
    summaries: dict[str, dict[str, Any]],
    results: dict[str, list[dict[str, Any]]],
    problems: list[str],
    k: int,
) -> str:
    """summaries/results: per configuration name, the summarize() output and the per-question rows."""
    overall = {name: summary["overall"] for name, summary in summaries.items()}
    headline = "".join(
        "<tr><th>" + _e(name) + "</th>" + "".join(f"<td>{_fmt(row.get(key))}</td>" for key, _ in HEADLINE) + "</tr>"
        for name, row in overall.items()
    )
    charts = "".join(bar_chart(title, metrics, overall) for title, metrics in GROUPS.items())
    per_type = []
    for name, summary in summaries.items():
        for kind, row in summary["by_type"].items():
            per_type.append(
                f"<tr><td>{_e(name)}</td><td>{_e(kind)}</td><td>{row['questions']}</td>"
                + "".join(f"<td>{_fmt(row.get(key))}</td>" for key, _ in HEADLINE)
                + "</tr>"
            )
    failures = []
    for name, rows in results.items():
        failed = [r for r in rows if not r.get("passed")]
        failures.append(
            f"<h3>{_e(name)}: {len(failed)} of {len(rows)} questions failed</h3>"
            "<table><tr><th>id</th><th>type</th><th>question</th><th>why</th><th>answer</th><th>cited</th></tr>"
            f"{_failure_rows(failed)}</table>"
        )
    problem_list = "".join(f"<li>{_e(p)}</li>" for p in problems) or "<li>none</li>"
    labels = "".join(f"<th>{_e(label)}</th>" for _, label in HEADLINE)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Evaluation: {_e(source)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 1400px; }}
table {{ border-collapse: collapse; margin: 1rem 0; font-size: 14px; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }}
td ul {{ margin: 0; padding-left: 1rem; }} .charts svg {{ margin: 0 2rem 1rem 0; }}
</style></head><body>
<h1>Evaluation of {_e(source)}</h1>
<p>{len(next(iter(results.values()), []))} questions per configuration, k = {k}. A question passes when its first
citation's paragraph holds the evidence and the answer has the expected words, or, for an unanswerable one, when
the assistant abstains.</p>
<h2>Headline</h2>
<table><tr><th>configuration</th>{labels}</tr>{headline}</table>
<h2>Charts</h2><div class="charts">{charts}</div>
<h2>By question type</h2>
<table><tr><th>configuration</th><th>type</th><th>questions</th>{labels}</tr>{"".join(per_type)}</table>
<h2>Failed questions</h2>{"".join(failures)}
<h2>Lines of the question set that could not be read</h2><ul>{problem_list}</ul>
</body></html>
"""
