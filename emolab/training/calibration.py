"""Probabilities that mean what they say: expected calibration error and temperature scaling.

The curves a marketer reads are probabilities, not just the top class, so a face the model
calls 90% happy should be happy about 90% of the time. Temperature scaling (Guo et al., 2017)
divides the logits by one number fitted on validation data: it leaves every prediction's class
unchanged and fixes most of a network's over- or under-confidence.
"""

from __future__ import annotations

import numpy as np


def expected_calibration_error(probs: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """ECE: the gap between confidence and accuracy, averaged over ``bins`` equal-width confidence bins.

    ``probs`` (n, k) rows sum to one; ``y`` (n,) the true class. Weighted by each bin's share.
    """
    probs = np.asarray(probs, dtype=np.float64)
    y = np.asarray(y)
    if len(y) == 0:
        return float("nan")
    conf = probs.max(1)
    correct = (probs.argmax(1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        m = which == b
        if m.any():
            total += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(total)


def softmax_t(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64) / float(temperature)
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def nll(logits: np.ndarray, y: np.ndarray, temperature: float = 1.0, weights: np.ndarray | None = None) -> float:
    """Mean (or ``weights``-weighted mean) negative log-likelihood of the true classes at ``temperature``."""
    p = softmax_t(logits, temperature)
    return float(np.average(-np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)), weights=weights))


def fit_temperature(
    logits: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None, lo: float = 0.25, hi: float = 8.0
) -> float:
    """The temperature in [lo, hi] that minimises the validation NLL (log-spaced grid, then refined).

    ``weights`` per face let validation sets of different sizes count the same (one domain
    must not set the temperature for all).
    """
    grid = np.exp(np.linspace(np.log(lo), np.log(hi), 81))
    best = min(grid, key=lambda t: nll(logits, y, t, weights))
    fine = np.exp(np.linspace(np.log(best) - 0.05, np.log(best) + 0.05, 41))
    return round(float(min(fine, key=lambda t: nll(logits, y, t, weights))), 3)
