"""The answer's confidence: logistic regression over a candidate sentence's features, fitted on the Reuters dev
set by eval/calibrate.py (parameters in qa/calibration.json), and the threshold that decides to answer."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

# The features, in the order the fitted weights use them (qa.answer computes them; each is in [0, 1]).
FEATURES = (
    "cosine",  # the sentence's cosine similarity to the question
    "lexical",  # share of the question's words (rarity-weighted) in the sentence
    "context",  # the same, in the sentence's paragraph and the article's title
    "rare",  # the question's rarest words in the sentence
    "pairs",  # adjacent question words found together in the sentence
    "focus",  # share of the words naming what is asked about that are in the sentence
    "focus_context",  # the same, in the paragraph and title
    "names_near",  # share of the question's names in the sentence, its paragraph or the title
    "names_sentence",  # share of them in the sentence itself
    "time_stated",  # every time qualifier stated by the sentence, paragraph or title (1), or no qualifier (1)
    "time_dated",  # a time qualifier satisfied only through the article's date
    "answer_near",  # the short answer stands next to what is asked about (typed questions)
    "answer_clause",  # share of the words naming what is asked about in the short answer's clause
    "answers",  # how many values of the asked kind the sentence holds (ambiguity), as a share of 3
    "keyword",  # the chunk's BM25 score relative to the best
    "cosine_best",  # the sentence is the closest in meaning of all those read
    "cosine_gap",  # how far below the closest it is
    "lexical_best",  # it has the most of the question's words
    "lexical_gap",  # how far below the best it is
    "typed",  # the question asks for a name, date, number or amount
)


@dataclass(frozen=True)
class Calibration:
    weights: tuple[float, ...]
    bias: float
    threshold: float  # answer when the probability is at least this
    fitted_on: str = ""

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(w * features.get(name, 0.0) for w, name in zip(self.weights, FEATURES, strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(FEATURES),
                "weights": [round(w, 6) for w in self.weights],
                "bias": round(self.bias, 6),
                # Down, not to the nearest: the threshold is the confidence of the last question it lets through.
                "threshold": math.floor(self.threshold * 10_000) / 10_000,
                "fitted_on": self.fitted_on,
            },
            indent=2,
        )


@cache
def fitted() -> Calibration:
    """The calibration shipped with the package (qa/calibration.json)."""
    data = json.loads(resources.files("qa").joinpath("calibration.json").read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError("qa/calibration.json was fitted on other features; run: python eval/calibrate.py")
    return Calibration(tuple(data["weights"]), float(data["bias"]), float(data["threshold"]), data.get("fitted_on", ""))


def fit(
    rows: list[dict[str, float]], labels: list[int], l2: float = 1.0, iterations: int = 50
) -> tuple[list[float], float]:
    """Logistic regression by iteratively reweighted least squares (Newton's method), with an L2 penalty on
    the weights (not the bias). Returns (weights, bias)."""
    x = np.array([[row.get(name, 0.0) for name in FEATURES] for row in rows], dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    x = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(x.shape[1])
    penalty = np.eye(x.shape[1]) * l2
    penalty[-1, -1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -40, 40)))
        gradient = x.T @ (y - p) - penalty @ beta
        hessian = x.T @ (x * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return [float(b) for b in beta[:-1]], float(beta[-1])


def choose_threshold(probabilities: list[float], correct: list[bool], max_wrong: float = 0.05) -> float:
    """The lowest threshold at which, among the questions answered (probability at or above it), at most
    `max_wrong` of the answers are wrong. `correct[i]`: answering question i with its best candidate is right."""
    order = sorted(range(len(probabilities)), key=lambda i: -probabilities[i])
    best = 1.0
    wrong = 0
    for answered, i in enumerate(order, start=1):
        wrong += not correct[i]
        if wrong <= max_wrong * answered:
            best = probabilities[i]
    return best


def reliability(probabilities: list[float], correct: list[bool], bins: int = 5) -> list[tuple[str, int, float, float]]:
    """(bin, questions, mean predicted probability, share correct) per probability bin."""
    out = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [i for i, p in enumerate(probabilities) if low <= p < high or (b == bins - 1 and p == 1.0)]
        if members:
            mean = sum(probabilities[i] for i in members) / len(members)
            share = sum(correct[i] for i in members) / len(members)
            out.append((f"{low:.1f}-{high:.1f}", len(members), mean, share))
    return out
