"""Reports marketers hand to clients: one session (``report.html``) or a study of many.

Both are single self-contained HTML files (inline SVG charts, ad thumbnails as data URIs)
that open offline in any browser, with their numbers embedded as JSON.
"""

from __future__ import annotations

from emolab.report.session_report import build_session_report, rebuild_with_scenes
from emolab.report.study import build_study_report

__all__ = ["build_session_report", "build_study_report", "rebuild_with_scenes"]
