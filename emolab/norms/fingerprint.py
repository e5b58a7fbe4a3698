"""What makes two studies the same study: the ad and a fingerprint of the respondents' sessions."""

from __future__ import annotations

import hashlib

from emolab.session.store import TIMELINE_FILE, Session


def study_fingerprint(sessions: list[Session]) -> str:
    """A hash of the sessions: respondent, start time and the exact bytes of each timeline, in a fixed order.

    The same study added twice — from a copy of its folder, or imported from another team's
    export — has the same fingerprint; a study with one more respondent, or a re-analysed one,
    has another.
    """
    parts = []
    for s in sessions:
        digest = hashlib.sha256((s.folder / TIMELINE_FILE).read_bytes()).hexdigest()
        parts.append(f"{s.respondent}\t{s.meta.get('started_at', '')}\t{digest}")
    return hashlib.sha256("\n".join(sorted(parts)).encode("utf-8")).hexdigest()
