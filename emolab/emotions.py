"""The product's emotion taxonomy: canonical order, groups and label reordering."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Canonical order of the seven emotions, used for every column and array in emolab.
EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

#: The three groups, in report order.
GROUPS: tuple[str, ...] = ("positive", "negative", "neutral")

#: A group's name wherever it sits beside emotion names (CSV columns, flat JSON keys): the
#: neutral group and the neutral emotion would otherwise share a name.
GROUP_KEYS: tuple[str, ...] = tuple(f"group_{g}" for g in GROUPS)

#: Every series emolab draws and exports: the seven emotions, then the three groups.
SERIES: tuple[str, ...] = EMOTIONS + GROUP_KEYS

GROUP_OF: dict[str, str] = {
    "happy": "positive",
    "surprise": "positive",
    "angry": "negative",
    "disgust": "negative",
    "fear": "negative",
    "sad": "negative",
    "neutral": "neutral",
}

# Spellings used by third-party models and datasets, mapped to canonical names.
_ALIASES: dict[str, str] = {
    "anger": "angry",
    "disgusted": "disgust",
    "fearful": "fear",
    "scared": "fear",
    "happiness": "happy",
    "joy": "happy",
    "sadness": "sad",
    "surprised": "surprise",
    "calm": "neutral",
}


def group_key(group: str) -> str:
    """The unambiguous key of a group (``"neutral"`` -> ``"group_neutral"``)."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; expected one of {', '.join(GROUPS)}")
    return f"group_{group}"


def series_label(name: str) -> str:
    """What a series is called on screen: an emotion's name, or a group's bare name."""
    return name.removeprefix("group_")


def canonical_label(name: str) -> str:
    """Return the canonical emotion name for ``name`` (case-insensitive, common aliases).

    Raises:
        ValueError: if the name is not an emotion emolab knows.
    """
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in EMOTIONS:
        raise ValueError(f"unknown emotion label {name!r}; expected one of {', '.join(EMOTIONS)}")
    return key


def reorder_index(labels: Sequence[str]) -> np.ndarray:
    """Indices that take a model's output (in ``labels`` order) to canonical order.

    ``probs_canonical = probs_model[..., reorder_index(labels)]``.
    """
    canon = [canonical_label(label) for label in labels]
    if sorted(canon) != sorted(EMOTIONS):
        raise ValueError(f"a classifier must output exactly the 7 emotions, got {list(labels)}")
    return np.array([canon.index(e) for e in EMOTIONS], dtype=np.int64)


def group_probabilities(probs: np.ndarray) -> np.ndarray:
    """Sum canonical-order emotion probabilities (..., 7) into groups (..., 3)."""
    probs = np.asarray(probs, dtype=np.float64)
    out = np.zeros(probs.shape[:-1] + (len(GROUPS),))
    for i, emotion in enumerate(EMOTIONS):
        out[..., GROUPS.index(GROUP_OF[emotion])] += probs[..., i]
    return out
