"""Sessions: the folder format, its writer and reader, and the metrics of a showing."""

from emolab.session.metrics import compute_summary
from emolab.session.store import Session, SessionWriter, load_session, rebuild_summary, summary_for
from emolab.session.timeline import COLUMNS, PHASES, Timeline, read_timeline

__all__ = [
    "COLUMNS",
    "PHASES",
    "Session",
    "SessionWriter",
    "Timeline",
    "compute_summary",
    "load_session",
    "read_timeline",
    "rebuild_summary",
    "summary_for",
]
