"""One palette for emotions and groups: the window's live curves and the reports use it.

Colours people already read: happy green, angry red, sad blue, surprise orange, neutral grey.
The groups take darker shades of their main emotion's colour (the neutral group *is* the
neutral emotion, so it keeps its grey).
"""

from __future__ import annotations

from emolab.emotions import group_key

EMOTION_COLORS: dict[str, str] = {
    "angry": "#d62728",
    "disgust": "#8c564b",
    "fear": "#9467bd",
    "happy": "#2ca02c",
    "sad": "#1f77b4",
    "surprise": "#ff7f0e",
    "neutral": "#7f7f7f",
}

GROUP_COLORS: dict[str, str] = {
    "positive": "#1a7f37",
    "negative": "#b2182b",
    "neutral": EMOTION_COLORS["neutral"],
}

#: By series key: emotion names and ``group_*`` keys (see :data:`emolab.emotions.SERIES`).
SERIES_COLORS: dict[str, str] = {**EMOTION_COLORS, **{group_key(g): c for g, c in GROUP_COLORS.items()}}

#: The attention curve (a teal no emotion or group uses), in the window and the reports.
ATTENTION_COLOR = "#0f8b8d"
