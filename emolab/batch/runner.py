"""``run_batch``: a panel's reaction videos against one ad, into session folders and one study.

Each reaction is analysed on a worker (a local process or a Ray actor) by
:func:`emolab.analysis.analyze_video`, so its session folder is exactly what ``emolab analyze``
writes; the study is then built by :func:`emolab.report.study.build_study_report`, as
``emolab aggregate`` does. ``batch.json`` is rewritten after every reaction, so it always
says what has happened so far.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from emolab import __version__
from emolab.batch.reactions import Reaction, read_reactions
from emolab.batch.study_dir import (
    RECORD_FORMAT,
    SESSIONS,
    STAGING,
    clear_staging,
    expected_models,
    inputs_fingerprint,
    model_fingerprint,
    model_names,
    read_record,
    remove_session_folder,
    replace_dir,
    report_settings,
    resummarise,
    reuse_problem,
    study_file_names,
    study_lock,
    write_record,
)
from emolab.batch.work import Outcome
from emolab.errors import BatchError, EmolabError, ModelError, SessionError
from emolab.media import AdInfo, probe_ad
from emolab.outputs import check_writable
from emolab.session.store import SESSION_FILE, SUMMARY_FILE, read_meta, write_json_atomic
from emolab.settings import Settings

log = logging.getLogger(__name__)

ENGINES = ("local", "ray")
#: Outcomes of a reaction in ``batch.json``: a session counted in the study (``ok``, or
#: ``warning`` when the session has data-quality warnings), or no session (``failed``).
OK, WARNING, FAILED, PENDING = "ok", "warning", "failed", "pending"
#: A reaction whose worker died this many times is given up (the others go on).
MAX_CRASHES = 2


@dataclass
class Tally:
    """Progress of a run, for a progress bar."""

    #: Every reaction: those to run, those reused, and those failed while planning (e.g. a missing file).
    total: int
    to_run: int
    reused: int
    done: int = 0
    failed: int = 0

    @property
    def remaining(self) -> int:
        return self.to_run - self.done


Progress = Callable[[Tally, dict[str, Any] | None], None]


@dataclass
class BatchResult:
    out: Path
    record: dict[str, Any]
    study: Path | None

    @property
    def entries(self) -> list[dict[str, Any]]:
        return self.record["files"]

    @property
    def counts(self) -> dict[str, int]:
        return self.record["counts"]


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_batch(
    ad: str | Path,
    reactions: str | Path,
    out: str | Path,
    settings: Settings,
    engine: str = "local",
    workers: int | None = None,
    address: str | None = None,
    progress: Progress | None = None,
    build_study: bool = True,
    norms_db: Path | None = None,
    category: str | None = None,
) -> BatchResult:
    """Analyse every reaction ``reactions`` names against ``ad`` into ``out``; skip those already done.

    Args:
        ad: the ad's video file.
        reactions: a folder of reaction videos (one respondent each) or a manifest CSV.
        out: the study folder (``sessions/``, ``batch.json``, ``study.html`` and CSVs).
        settings: models and analysis settings, as for ``emolab analyze``.
        engine: ``local`` (a process pool here) or ``ray``.
        workers: worker processes or Ray actors (default: this machine's cores, or the Ray
            cluster's CPUs).
        address: a Ray cluster to join (``HOST:PORT``, ``auto``); none starts a local one.
        progress: called after every reaction with the tally and the reaction's record.
        build_study: build ``study.html`` and the CSV exports at the end.
        norms_db: the norms library the study is ranked in (default: the user's).
        category: the norms category to rank it among (default: its own, else all).

    Raises:
        BatchError: bad reactions or a study folder of another ad or in use.
        ModelError: models that do not exist or do not load on a worker.
        ClusterError: Ray missing or unreachable.
    """
    if engine not in ENGINES:
        raise BatchError(f"unknown engine {engine!r}; choose {' or '.join(ENGINES)}")
    if workers is not None and workers < 1:
        raise BatchError(f"--workers must be at least 1, got {workers}")
    if engine == "ray":
        from emolab.batch.ray_engine import import_ray

        import_ray()  # before any work: say at once how to install it
    t_start = time.perf_counter()
    out = check_writable(out, "the study", "choose a writable folder with --out")  # before reading any video
    ad = Path(ad)
    ad_info = probe_ad(ad)
    reaction_list = read_reactions(reactions, ad)
    models = expected_models(settings)
    with study_lock(out):
        previous = read_record(out)
        if previous and previous.get("ad", {}).get("sha256") not in (None, ad_info.sha256):
            raise BatchError(
                f"{out} holds a study of another ad ({previous['ad'].get('file')}); a study is of one ad: "
                "choose another --out folder"
            )
        before = {e.get("session"): e for e in (previous or {}).get("files", []) if e.get("session")}
        clear_staging(out)
        record = _new_record(ad_info, reactions, engine, models, previous)
        entries, todo = [], []
        for r in reaction_list:
            entry = _plan(r, out, ad_info, models, settings, before.get(f"{SESSIONS}/{r.folder}"))
            entries.append(entry)
            if entry["status"] == PENDING:
                todo.append((r, entry))
        record["files"] = entries
        record["other_sessions"] = _other_sessions(out, reaction_list)
        tally = Tally(total=len(entries), to_run=len(todo), reused=sum(e["reused"] for e in entries))
        write_record(out, record)
        if progress:
            progress(tally, None)
        if todo:
            _run(todo, out, ad, models, settings, engine, workers, address, record, tally, progress)
        clear_staging(out)
        record["state"] = "finished"
        record["counts"] = _counts(entries)
        record["ended_at"] = _now()
        record["wall_s"] = round(time.perf_counter() - t_start, 3)
        write_record(out, record)
        study = _study(out, entries, ad_info, settings, record, norms_db, category) if build_study else None
        write_record(out, record)
    return BatchResult(out=out, record=record, study=study)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _new_record(ad: AdInfo, reactions: str | Path, engine: str, models: dict, previous: dict | None) -> dict[str, Any]:
    return {
        "format": RECORD_FORMAT,
        "format_version": 1,
        "software": {"name": "emolab", "version": __version__},
        "state": "running",
        "ad": {"file": ad.file, "path": ad.path, "sha256": ad.sha256, "duration_ms": ad.duration_ms},
        "reactions": str(Path(reactions).resolve()),
        "engine": engine,
        "workers": None,
        "started_at": _now(),
        "ended_at": None,
        "wall_s": None,
        "models": models,
        "counts": {},
        "study": (previous or {}).get("study"),
        "files": [],
    }


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _plan(r: Reaction, out: Path, ad: AdInfo, models: dict, settings: Settings, before: dict | None) -> dict[str, Any]:
    """This reaction's record: reused as it is, failed at once, or pending (to analyse)."""
    entry: dict[str, Any] = {
        "respondent": r.respondent,
        "file": str(r.file),
        "offset_s": r.offset_s,
        "status": PENDING,
        "reason": "",
        "warnings": [],
        "seconds": None,
        "session": None,
        "reused": False,
        "worker": None,
        "size_bytes": _size(r.file),
    }
    if not r.file.is_file():
        entry.update(status=FAILED, reason=f"reaction video {r.file} does not exist or is not a file")
        return entry
    final = out / SESSIONS / r.folder
    problem = reuse_problem(final, r, ad, models, settings)
    if problem is None and before and before.get("size_bytes") not in (None, entry["size_bytes"]):
        problem = "the reaction video changed since it was analysed"
    if problem is None:
        try:
            changed = resummarise(final, settings)
        except (OSError, EmolabError) as exc:
            problem = f"cannot re-summarise it ({exc})"
    if problem is None:
        entry.update(_classify(final), reused=True, seconds=(before or {}).get("seconds"))
        entry["worker"] = (before or {}).get("worker")
        if changed:  # report settings changed: summary rebuilt from the timeline, video not analysed again
            entry["resummarised"] = changed
        return entry
    entry["redo"] = problem
    try:
        remove_session_folder(final, out / SESSIONS, dry_run=True)
    except SessionError as exc:
        entry.update(status=FAILED, reason=str(exc))
    return entry


def _slots(workers: int, pending: deque, inflight: dict, alone: set[str]) -> int:
    """How many videos may run now: one while a video that must run alone is running or next."""
    if (pending and pending[0][0].folder in alone) or any(r.folder in alone for r, _ in inflight.values()):
        return 1
    return workers


def _classify(folder: Path) -> dict[str, Any]:
    """``ok`` or ``warning`` for a complete session, with its own warnings (as analyze and the study say them)."""
    summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    warnings = summary.get("warnings") or []  # absent in sessions written before emolab had them
    return {
        "status": WARNING if warnings else OK,
        "reason": "",
        "warnings": warnings,
        "session": f"{SESSIONS}/{folder.name}",
        "frames": summary.get("frames", 0),
        "face_ratio": summary.get("face_ratio", 0),
    }


def _other_sessions(out: Path, reactions: list[Reaction]) -> list[str]:
    """Session folders in ``sessions/`` that this batch's reactions do not name (left alone, not in the study)."""
    root = out / SESSIONS
    if not root.is_dir():
        return []
    names = {r.folder for r in reactions}
    return sorted(p.name for p in root.iterdir() if p.is_dir() and p.name not in names)


def _make_engine(
    engine: str, settings: Settings, models: dict, ad: Path, workers: int | None, address: str | None, jobs: int
) -> Any:
    values = settings.to_dict()
    if engine == "ray":
        from emolab.batch.ray_engine import RayEngine

        return RayEngine(values, models, ad, workers, address, settings.ray_object_store_mb, max_workers=jobs)
    from emolab.batch.local_engine import LocalEngine

    return LocalEngine(values, models, ad, min(workers or default_workers(), jobs))


def _run(
    todo: list[tuple[Reaction, dict]],
    out: Path,
    ad: Path,
    models: dict,
    settings: Settings,
    engine_name: str,
    workers: int | None,
    address: str | None,
    record: dict,
    tally: Tally,
    progress: Progress | None,
) -> None:
    staging_root = out / STAGING
    pending = deque(todo)
    inflight: dict[Any, tuple[Reaction, dict]] = {}
    crashes: Counter[str] = Counter()
    crashes_in_a_row = 0
    # When a local worker process dies, every video running in the pool is lost with it and
    # the culprit is unknown: those videos are run again one at a time, and only a crash while
    # a video ran alone counts against it. A dead Ray actor loses only its own video.
    alone: set[str] = set()
    interrupted = False
    engine = None
    if address:
        record["address"] = address
    try:
        engine = _make_engine(engine_name, settings, models, ad, workers, address, len(todo))
        record["workers"] = started_with = engine.workers  # a Ray engine has fewer when a node leaves
        record["engine_detail"] = engine.describe()
        while pending or inflight:
            if not engine.workers:  # every Ray node with a worker left: nothing can run what is left
                _fail_pending(
                    pending,
                    f"not analysed: {engine.lost}; run the batch again once a node has joined",
                    out,
                    record,
                    tally,
                    progress,
                )
                break
            while pending and len(inflight) < _slots(engine.workers, pending, inflight, alone):
                r, entry = pending.popleft()
                staging = staging_root / r.folder
                remove_session_folder(staging, staging_root)
                staging_root.mkdir(parents=True, exist_ok=True)
                try:
                    inflight[engine.submit(r, staging)] = (r, entry)
                except OSError as exc:  # the driver could not read the video to send it
                    _record(entry, Outcome("failed", f"cannot read {r.file}: {exc.strerror or exc}"), staging, tally)
                    write_record(out, record)
                    if progress:
                        progress(tally, entry)
            running = len(inflight)
            for handle, outcome in engine.wait(list(inflight)):
                r, entry = inflight.pop(handle)
                if outcome.status == "fatal":
                    raise ModelError(outcome.reason)
                if outcome.status == "crashed":
                    remove_session_folder(staging_root / r.folder, staging_root)
                    entry["retries"] = entry.get("retries", 0) + 1
                    if engine.crash_loses_all and running > 1 and r.folder not in alone:
                        alone.add(r.folder)
                        pending.appendleft((r, entry))
                        continue
                    crashes[r.folder] += 1
                    crashes_in_a_row += 1
                    if crashes_in_a_row > 2 * started_with + 1:
                        raise BatchError(f"the workers keep dying without finishing anything: {outcome.reason}")
                    if crashes[r.folder] < MAX_CRASHES:
                        if engine.workers:
                            log.warning("retrying %s: %s", r.file, outcome.reason)
                        pending.appendleft((r, entry))
                        continue
                    outcome = Outcome("failed", f"{outcome.reason}, {MAX_CRASHES} times while analysing this video")
                else:
                    crashes_in_a_row = 0
                outcome = _settle(outcome, r, out, ad, models)
                _record(entry, outcome, out / SESSIONS / r.folder, tally)
                write_record(out, record)
                if progress:
                    progress(tally, entry)
    except BaseException as exc:
        interrupted = True
        record["state"] = "interrupted" if isinstance(exc, KeyboardInterrupt) else f"stopped: {exc}"
        record["ended_at"] = _now()
        record["counts"] = _counts(record["files"])
        raise
    finally:
        if engine is not None:
            engine.close(interrupted=interrupted)
        if interrupted:
            try:
                clear_staging(out)
            except EmolabError as exc:
                log.warning("could not clear %s: %s", staging_root, exc)
            write_record(out, record)


def _fail_pending(
    pending: deque, reason: str, out: Path, record: dict, tally: Tally, progress: Progress | None
) -> None:
    """Record every reaction still waiting as failed with ``reason`` (a rerun redoes them)."""
    while pending:
        r, entry = pending.popleft()
        _record(entry, Outcome("failed", reason), out / SESSIONS / r.folder, tally)
        write_record(out, record)
        if progress:
            progress(tally, entry)


def _settle(outcome: Outcome, r: Reaction, out: Path, ad: Path, models: dict) -> Outcome:
    """Put a worker's session in place: ``sessions/<respondent>`` when complete, nowhere otherwise."""
    staging_root = out / STAGING
    staging = staging_root / r.folder
    try:
        if outcome.files is not None:
            _write_files(staging, outcome.files)
        if outcome.status == "complete":
            problem = _check_written(staging, r, ad, models, outcome)
            if problem:
                outcome = Outcome("failed", problem, outcome.seconds, outcome.worker)
            else:
                final = out / SESSIONS / r.folder
                remove_session_folder(final, out / SESSIONS)
                replace_dir(staging, final)
                return outcome
    except (OSError, EmolabError) as exc:
        outcome = Outcome("failed", f"cannot store the session: {exc}", outcome.seconds, outcome.worker)
    # A failed analysis leaves no session in sessions/: the video is still there to redo it.
    remove_session_folder(staging, staging_root)
    return outcome


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        if Path(name).name != name or name.startswith("."):
            raise SessionError(f"a worker sent an unexpected file name {name!r}")
        (folder / name).write_bytes(data)


def _check_written(staging: Path, r: Reaction, ad: Path, models: dict, outcome: Outcome) -> str:
    """Why the worker's session cannot be used ('' when it can); its paths made the driver's."""
    meta = read_meta(staging)
    if meta.get("status") != "complete" or not (staging / SUMMARY_FILE).is_file():
        return f"the worker's session is {meta.get('status')!r}, without a summary"
    used = model_fingerprint(meta.get("models") or {})
    if used != models:
        return (
            f"worker {outcome.worker} used other models ({model_names(used)}) than this machine "
            f"({model_names(models)}); install the same emolab version and models on every node"
        )
    # A worker elsewhere saw its own temporary copies; the session should name the driver's files.
    paths = {"ad": str(ad.resolve()), "source": str(r.file.resolve())}
    if any((meta.get(k) or {}).get("path") != v for k, v in paths.items()):
        for k, v in paths.items():
            meta.setdefault(k, {})["path"] = v
        write_json_atomic(staging / SESSION_FILE, meta)
    return ""


def _record(entry: dict, outcome: Outcome, folder: Path, tally: Tally) -> None:
    """Write ``outcome`` into the reaction's record; ``folder`` is its session once complete."""
    entry.update(seconds=round(outcome.seconds, 3), worker=outcome.worker or None)
    entry.pop("redo", None)
    if outcome.status == "complete":
        entry.update(_classify(folder))
    else:
        entry.update(status=FAILED, reason=outcome.reason, session=None)
        if outcome.traceback:
            entry["traceback"] = outcome.traceback
        tally.failed += 1
    tally.done += 1


def _counts(entries: list[dict]) -> dict[str, int]:
    c = Counter(e["status"] for e in entries)
    return {
        "reactions": len(entries),
        OK: c[OK],
        WARNING: c[WARNING],
        FAILED: c[FAILED],
        PENDING: c[PENDING],
        "reused": sum(bool(e.get("reused")) for e in entries),
    }


def _study(
    out: Path,
    entries: list[dict],
    ad: AdInfo,
    settings: Settings,
    record: dict,
    norms_db: Path | None = None,
    category: str | None = None,
) -> Path | None:
    """Build the study from this batch's sessions unless it is already up to date."""
    from emolab.report.study import build_study_report

    folders = [out / e["session"] for e in entries if e["status"] in (OK, WARNING)]
    if not folders:
        record["study"] = None
        log.warning("no session to build a study from")
        return None
    fingerprint = inputs_fingerprint(folders, [__version__, ad.sha256, report_settings(settings)])
    previous = record.get("study") or {}
    target = out / study_file_names()[0]
    if previous.get("inputs") == fingerprint and all((out / n).is_file() for n in study_file_names()):
        record["study"] = {**previous, "rebuilt": False}
        return target
    path = build_study_report(folders, out, norms_db=norms_db, category=category)
    record["study"] = {"file": path.name, "sessions": len(folders), "inputs": fingerprint, "rebuilt": True}
    return path
