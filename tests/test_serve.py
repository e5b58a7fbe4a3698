"""``emolab serve``: a real server process, real uploads over loopback, real analysis.

The browser tests (``test_browser_*``) drive Debian's headless Chromium through chromedriver
with a fake camera fed from ``../shared/data/videos/single_face.mp4``.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest

from emolab.adclock import RecordingClock
from emolab.cli.main import main
from tests.conftest import VIDEOS, need_shared, read_frames
from tests.serve_helpers import Served, adclock_for, upload_chunked, upload_whole

AD_SECONDS = 4.0


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:  # noqa: ANN001
    """A browser-playable ad (VP8 WebM) and a webcam-like recording (the demo's astronaut, VP8 WebM)."""
    from emolab.demo import make_demo_ad, make_demo_camera

    folder = tmp_path_factory.mktemp("serve-media")
    ad = make_demo_ad(folder / "ad.webm", seconds=AD_SECONDS)
    reaction = make_demo_camera(folder / "reaction.webm", seconds=AD_SECONDS + 1.0, fps=15.0, face_from_s=0.0)
    return {"ad": ad, "reaction": reaction}


def study_files(study: Path) -> set[str]:
    """Every file in the study folder but the server's own state (its database)."""
    return {
        str(p.relative_to(study))
        for p in study.rglob("*")
        if p.is_file() and not p.name.startswith("serve.db") and p.name != ".batch.lock"
    }


# --- the recording clock (engine side) --------------------------------------------------------


def test_recording_clock_maps_pauses_seeks_and_offsets():
    offset = RecordingClock.from_offset(2.0)
    assert offset.ad_ms(5000.0) == 3000.0 and offset.ad_ms(0.0) == -2000.0
    clock = RecordingClock([(500, 0), (1500, 1000), (3500, 1000), (4000, 1500), (4000, 5000), (5000, 6000)])
    assert clock.ad_ms(0) == -500  # before the ad: negative, as with an offset
    assert clock.ad_ms(1000) == 500  # playing
    assert clock.ad_ms(2500) == 1000  # paused (or buffering): the ad stands still
    assert clock.ad_ms(3750) == 1250
    assert clock.ad_ms(4000) == 5000  # a seek: from that moment on, the new position
    assert clock.ad_ms(4500) == 5500
    assert clock.ad_ms(6000) == 7000  # after the last pair the ad runs on
    for bad, why in [
        ([], "non-empty"),
        ("[[1, 2]]", "non-empty"),
        ([[1, 2, 3]], "pair"),
        ([[1, float("nan")]], "pair"),
        ([[True, 2]], "pair"),
        ([[5, 1], [3, 2]], "backwards"),
        ([[-1, 0]], "recording_ms"),
        ([[0, 99_000]], "outside"),
        ([[0, -900], [10, -950]], "never places"),
    ]:
        with pytest.raises(ValueError, match=why):
            RecordingClock.parse(bad, ad_duration_ms=4000.0, max_recording_ms=60_000.0)


def test_analysis_with_a_clock_equals_the_offset_for_a_steady_recording(tmp_path, demo_clips):
    """A single pair is an offset: the engine stamps every frame with the same ad time either way."""
    from emolab.analysis import analyze_video
    from emolab.settings import Settings

    ad, camera = demo_clips
    settings = Settings(sessions_dir=tmp_path)
    by_offset, _ = analyze_video(ad, camera, settings, out=tmp_path / "offset", offset_s=0.5)
    by_clock, _ = analyze_video(ad, camera, settings, out=tmp_path / "clock", adclock=[(500.0, 0.0)])
    rows = [list(csv.DictReader(open(f / "timeline.csv"))) for f in (by_offset, by_clock)]
    assert len(rows[0]) == len(rows[1]) > 10
    assert [float(r["ad_ms"]) for r in rows[0]] == pytest.approx([float(r["ad_ms"]) for r in rows[1]], abs=1.0)
    meta = json.loads((by_clock / "session.json").read_text())
    assert meta["source"]["adclock"] == [[500.0, 0.0]]


# --- the command line --------------------------------------------------------------------------


def test_cli_refuses_what_cannot_be_served(tmp_path, media, demo_clips, capsys):
    mp4v_ad, _ = demo_clips  # MPEG-4 Part 2: no browser plays it
    assert main(["serve", "--study", str(tmp_path / "s1"), "--ad", str(mp4v_ad), "--port", "0"]) == 2
    assert "web browsers do not play" in capsys.readouterr().err
    assert main(["serve", "--study", str(tmp_path / "s2"), "--ad", str(media["ad"]), "--cert", "x.pem"]) == 2
    assert "both --cert" in capsys.readouterr().err
    assert main(["serve", "invite", "--study", str(tmp_path / "nothing"), "--count", "2"]) == 2
    assert "not a served study" in capsys.readouterr().err
    assert main(["serve", "--study", str(tmp_path / "s3")]) == 2
    assert "--ad" in capsys.readouterr().err
    assert not (tmp_path / "s1" / "sessions").exists()


# --- hostile clients ----------------------------------------------------------------------------


def test_hostile_clients_get_4xx_and_nothing_is_kept(tmp_path, media):
    reaction = media["reaction"].read_bytes()
    clock = adclock_for(AD_SECONDS + 1.0, AD_SECONDS * 1000.0)
    study = tmp_path / "study"
    with Served(study, media["ad"], "--invites", "6", "--workers", "1", "--max-upload-mb", "1") as srv:
        c = srv.client
        before = study_files(study)
        t = [srv.token(i) for i in range(6)]

        def refused(r: httpx.Response, status: int, words: str) -> None:
            assert r.status_code == status, r.text
            assert words in r.json()["error"]

        # Garbage bodies: not multipart, a broken multipart, a non-JSON start.
        refused(c.post(f"/r/{t[0]}/upload", content=os.urandom(5000)), 415, "multipart")
        refused(
            c.post(
                f"/r/{t[0]}/upload",
                content=b"--x\r\ngarbage" + os.urandom(3000),
                headers={"Content-Type": "multipart/form-data; boundary=x"},
            ),
            400,
            "",
        )
        refused(
            c.post(f"/r/{t[0]}/start", content=b"{not json", headers={"Content-Type": "application/json"}), 400, "JSON"
        )
        refused(upload_whole(c, t[0], b"\x1a\x45\xdf\xa3" + os.urandom(50_000), clock), 422, "")
        refused(upload_whole(c, t[0], os.urandom(50_000), clock), 415, "WebM or MP4")
        # A truncated recording: it decodes, only shorter than its clock says.
        refused(upload_whole(c, t[0], reaction[: len(reaction) // 2], clock), 422, "cut off")
        # Oversized: over --max-upload-mb 1, whole or in chunks.
        refused(upload_whole(c, t[0], reaction + os.urandom(1_100_000), clock), 413, "")
        assert c.post(f"/r/{t[1]}/start", json={"consent": "yes", "mime": "video/webm"}).status_code == 200
        big = os.urandom(600_000)
        assert c.put(f"/r/{t[1]}/chunks", params={"offset": 0}, content=big).status_code == 200
        refused(c.put(f"/r/{t[1]}/chunks", params={"offset": 600_000}, content=big), 413, "over")
        refused(c.put(f"/r/{t[1]}/chunks", params={"offset": 5}, content=b"x"), 409, "expected offset 600000")
        assert c.get(f"/r/{t[1]}/chunks").json()["received"] == 600_000  # the refused chunk left nothing
        # Path-like names and unexpected fields.
        refused(upload_whole(c, t[2], reaction, clock, filename="../../evil.webm"), 400, "plain name")
        refused(upload_whole(c, t[2], reaction, clock, respondent="../../etc/passwd"), 400, "unexpected field")
        # No consent, a malformed clock.
        refused(upload_whole(c, t[2], reaction, clock, consent="no"), 400, "consent")
        refused(upload_whole(c, t[2], reaction, "not json"), 400, "not JSON")
        refused(upload_whole(c, t[2], reaction, [[1, 2, 3]]), 400, "malformed")
        refused(upload_whole(c, t[2], reaction, [[900, 10], [100, 20]]), 400, "backwards")
        refused(upload_whole(c, t[2], reaction, [[100, 99_000_000]]), 400, "outside")
        # Unknown links, well-formed or not.
        refused(upload_whole(c, "A" * 32, reaction, clock), 404, "not valid")
        assert c.get("/r/..%2F..%2Fetc%2Fpasswd/info").status_code == 404
        assert c.get("/r/" + "A" * 32).status_code == 404
        # Nothing was written by any of that: only the one accepted chunk waits for the rest of its recording.
        part = study / ".serve" / "uploads" / "inv-0002.part"
        assert study_files(study) - before == {str(part.relative_to(study))} and part.stat().st_size == 600_000
        before.add(str(part.relative_to(study)))
        # A good upload, then the same link again: used.
        r = upload_whole(c, t[3], reaction, clock)
        assert r.status_code == 201, r.text
        refused(upload_whole(c, t[3], reaction, clock), 409, "already been used")
        assert c.get(f"/r/{t[3]}").status_code == 409
        # An expired link.
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "emolab",
                "serve",
                "invite",
                "--study",
                str(study),
                "--count",
                "1",
                "--expires-days",
                "1e-5",
            ],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout
        expired = out.split()[1].rsplit("/", 1)[1]
        time.sleep(1.2)
        refused(c.get(f"/r/{expired}/info"), 410, "expired")
        # Rate limit per link: a burst far beyond what a page sends.
        answers = [c.get(f"/r/{t[4]}/info") for _ in range(90)]
        limited = [r for r in answers if r.status_code == 429]
        assert limited and answers[0].status_code == 200
        # Read off a refused answer itself: on a slow machine the bucket may refill before one more request.
        assert all(int(r.headers.get("retry-after", "0")) >= 1 for r in limited)
        # Another site reaching the loopback server through its own name (DNS rebinding) is refused.
        assert c.get("/api/status", headers={"Host": "evil.example"}).status_code == 400
        # The server still serves, and analyses the good one.
        assert c.get("/healthz").json() == {"ok": True}
        status = srv.wait_for(lambda s: s["counts"]["analysed"] == 1, 120, "the good upload analysed")
        assert status["counts"]["failed"] == 0
        assert study_files(study) - before == {
            "sessions/inv-0004/session.json",
            "sessions/inv-0004/timeline.csv",
            "sessions/inv-0004/summary.json",
            *{f"study{suffix}" for suffix in (".html", "_curves.csv", "_respondents.csv", "_scenes.csv")},
        }
        assert srv.proc.poll() is None
    assert srv.proc.returncode == 0


def test_dashboard_needs_the_secret(tmp_path, media):
    """Given a secret (always so off loopback, where one is made up), the dashboard asks for it; links do not."""
    with Served(tmp_path / "study", media["ad"], "--secret", "s3cret-value", "--workers", "1") as srv:
        assert srv.dashboard.endswith("/?key=s3cret-value")
        c = srv.client
        assert c.get("/").status_code == 401
        assert c.get("/api/status").status_code == 401
        assert c.get("/study/").status_code == 401
        assert c.get("/api/status", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/status", headers={"Authorization": "Bearer s3cret-value"}).status_code == 200
        r = c.get("/?key=s3cret-value", follow_redirects=False)
        assert r.status_code == 303 and "httponly" in r.headers["set-cookie"].lower()
        assert "inv-0001" in c.get("/").text  # the cookie now opens it
        page = c.get(f"/r/{srv.token(0)}")  # respondents need no secret
        assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"


def test_https(tmp_path, media):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    with Served(tmp_path / "study", media["ad"], "--cert", str(cert), "--key", str(key), "--workers", "1") as srv:
        assert srv.base.startswith("https://127.0.0.1:")
        assert srv.client.get("/healthz").json() == {"ok": True}
        assert srv.client.get(f"/r/{srv.token(0)}/info").json()["respondent"] == "inv-0001"


# --- load ---------------------------------------------------------------------------------------


def test_twenty_respondents_at_once_all_end_analysed(tmp_path, media):
    reaction = media["reaction"].read_bytes()
    clock = adclock_for(AD_SECONDS + 1.0, AD_SECONDS * 1000.0)
    with Served(tmp_path / "study", media["ad"], "--invites", "20", "--workers", "2") as srv:
        assert len(srv.links) == 20
        t0 = time.monotonic()

        def respondent(i: int) -> int:
            with httpx.Client(base_url=srv.base, timeout=120.0) as client:
                return upload_chunked(client, srv.token(i), reaction, clock, chunk=32 * 1024).status_code

        with ThreadPoolExecutor(20) as pool:
            codes = list(pool.map(respondent, range(20)))
        uploaded_s = time.monotonic() - t0
        assert codes == [201] * 20
        status = srv.wait_for(lambda s: s["counts"]["analysed"] + s["counts"]["failed"] == 20, 300, "20 analysed")
        analysed_s = time.monotonic() - t0
        assert status["counts"]["analysed"] == 20, status["invites"]
        sessions = sorted(p.name for p in (srv.study / "sessions").iterdir())
        assert sessions == [f"inv-{i:04d}" for i in range(1, 21)]
        assert not list((srv.study / ".serve" / "recordings").iterdir())  # every recording deleted
        srv.wait_for(lambda s: s["analysis"]["study_sessions"] == 20, 120, "the study of all 20")
        respondents = list(csv.DictReader(open(srv.study / "study_respondents.csv")))
        assert sorted(r["respondent"] for r in respondents) == sessions
        print(
            f"\n20 uploads ({len(reaction) / 1e6:.2f} MB each) accepted in {uploaded_s:.1f} s, "
            f"analysed by {analysed_s:.1f} s"
        )


# --- a real browser -----------------------------------------------------------------------------

CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1024,700",
)


@pytest.fixture(scope="module")
def face_y4m(tmp_path_factory) -> Path:
    """``single_face.mp4`` as a Y4M file, the format Chromium's fake camera reads (it loops it)."""
    frames = read_frames(need_shared(VIDEOS / "single_face.mp4"))
    path = tmp_path_factory.mktemp("camera") / "face.y4m"
    h, w = frames[0].shape[:2]
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{w} H{h} F30:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            fh.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def make_driver(flags: list[str], profile: Path):  # noqa: ANN201
    """Debian's Chromium, headless, through its chromedriver (nothing is downloaded)."""
    for tool in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
        if not Path(tool).exists():
            pytest.skip(f"{tool} is missing: install Debian's chromium and chromium-driver (scripts/setup.sh does)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in [*CHROME_FLAGS, *flags, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture
def browser(face_y4m, tmp_path):  # noqa: ANN001, ANN201
    camera = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
    driver = make_driver([*camera, f"--use-file-for-fake-video-capture={face_y4m}"], tmp_path / "chromium-profile")
    try:
        yield driver
    finally:
        driver.quit()


@pytest.mark.parametrize(
    "flags, says",
    [
        (["--use-fake-ui-for-media-stream=deny", "--use-fake-device-for-media-stream"], "camera was not allowed"),
        (["--use-fake-ui-for-media-stream"], "No camera was found"),  # no camera at all
    ],
    ids=["refused", "missing"],
)
def test_browser_says_when_the_camera_is_refused_or_missing(tmp_path, media, flags, says):
    from selenium.webdriver.common.by import By

    with Served(tmp_path / "study", media["ad"], "--invites", "1", "--workers", "1") as srv:
        driver = make_driver(flags, tmp_path / "profile")
        try:
            driver.get(srv.links[0])
            deadline = time.monotonic() + 20
            while driver.execute_script("return document.body.dataset.step") != "consent":
                assert time.monotonic() < deadline, "no consent page"
                time.sleep(0.2)
            driver.find_element(By.ID, "agree").click()
            driver.find_element(By.ID, "consent-yes").click()
            while driver.execute_script("return document.body.dataset.step") != "message":
                assert time.monotonic() < deadline + 20, "no message about the camera"
                time.sleep(0.2)
            assert says in driver.find_element(By.TAG_NAME, "body").text
        finally:
            driver.quit()
        assert srv.invite("inv-0001")["status"] == "invited"  # nothing started, nothing kept


def walk_through(driver, url: str, shots: Path | None = None, on_ad=None) -> dict:  # noqa: ANN001
    """Consent, camera check, the ad, the upload: as a respondent clicks through it. Returns the page's state."""
    from selenium.webdriver.common.by import By

    def step() -> str:
        return driver.execute_script("return document.body.dataset.step")

    def wait(predicate, timeout: float, what: str) -> None:  # noqa: ANN001
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                state = driver.execute_script("return JSON.stringify(window.emolab)")[:2000]
                raise AssertionError(f"timed out waiting for {what}; page at {step()!r}: {state}")
            time.sleep(0.2)

    driver.get(url)
    wait(lambda: step() == "consent", 20, "the consent text")
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "What is filmed" in body and "deleted as soon as it has been measured" in body
    assert not driver.find_element(By.ID, "consent-yes").is_enabled()  # not before agreeing
    driver.find_element(By.ID, "agree").click()
    driver.find_element(By.ID, "consent-yes").click()
    wait(lambda: step() == "camera", 10, "the camera check")
    wait(lambda: driver.find_element(By.ID, "start-ad").is_enabled(), 40, "the camera check to pass")
    assert "visible and well lit" in driver.find_element(By.ID, "camera-status").text
    if shots:
        driver.save_screenshot(str(shots / "camera.png"))
    driver.find_element(By.ID, "start-ad").click()
    wait(lambda: step() == "ad", 20, "the ad")
    if on_ad:
        on_ad()
    if shots:
        time.sleep(1.5)
        driver.save_screenshot(str(shots / "ad.png"))
    wait(lambda: step() in ("done", "message"), 120, "the thank-you page")
    state = driver.execute_script(
        "const s = window.emolab; return {step: s.step, failure: s.failure, size: s.size, sent: s.sent, "
        "resumes: s.resumes, clock: s.clock, mime: s.mime};"
    )
    assert state["step"] == "done", state["failure"]
    assert "you are done" in driver.find_element(By.TAG_NAME, "body").text
    return state


def check_session(study: Path, respondent: str, page: dict) -> dict:
    """The session the server made of one browser recording: faces on most ad frames, the smile read as happy."""
    folder = study / "sessions" / respondent
    summary = json.loads((folder / "summary.json").read_text())
    meta = json.loads((folder / "session.json").read_text())
    assert meta["respondent"] == respondent and meta["status"] == "complete"
    assert meta["source"]["adclock"] == RecordingClock(page["clock"]).to_list()  # the page's clock, as sent
    rows = list(csv.DictReader(open(folder / "timeline.csv")))
    ad_rows = [r for r in rows if r["phase"] == "ad"]
    ad_ms = np.array([float(r["ad_ms"]) for r in ad_rows])
    # The ad's frames were all on screen while the camera filmed: ad times cover the whole ad.
    assert ad_ms.min() < 200 and ad_ms.max() > AD_SECONDS * 1000 - 200
    assert len(ad_rows) > 0.6 * AD_SECONDS * 25  # the fake camera films at up to 30 fps
    assert summary["face_ratio"] >= 0.8, summary["face_ratio"]
    share = summary["emotion_share"]
    assert max((e for e in share if e != "neutral"), key=share.get) == "happy" and share["happy"] >= 0.2, share
    # Only numbers stay: no recording anywhere in the study.
    assert not [p for p in study.rglob("*") if p.suffix in (".webm", ".mp4", ".part", ".upload")]
    return summary


@pytest.mark.shared
def test_browser_walks_through_and_the_session_lands_in_the_study(tmp_path, media, browser):
    shots = tmp_path / "shots"
    shots.mkdir()

    def pause_once() -> None:  # the respondent pauses the ad for a second (a stall reads the same)
        time.sleep(1.5)
        browser.execute_script("document.getElementById('ad').pause()")
        time.sleep(1.0)
        browser.execute_script("document.getElementById('ad').play()")

    with Served(tmp_path / "study", media["ad"], "--invites", "1", "--workers", "1") as srv:
        page = walk_through(browser, srv.links[0], shots, on_ad=pause_once)
        assert page["mime"].startswith("video/webm") and page["sent"] == page["size"] > 0
        # The page recorded the pause: two pairs a second apart at one ad time (the browser settles
        # the paused position a few ms either side of the last frame shown)...
        clock = page["clock"]
        pairs = zip(clock, clock[1:])
        held = [(a[1], b[1], b[0] - a[0]) for a, b in pairs if b[0] - a[0] > 800 and abs(b[1] - a[1]) < 40]
        gap = max(range(len(clock) - 1), key=lambda i: clock[i + 1][0] - clock[i][0])
        assert len(held) == 1, (held, clock[max(0, gap - 3) : gap + 4])
        srv.wait_for(lambda s: s["counts"]["analysed"] == 1 and s["study_report"], 120, "the study report")
        report = srv.client.get("/study/")
        assert report.status_code == 200 and "inv-0001" in report.text
        dashboard = srv.client.get("/").text
        assert "analysed" in dashboard and "Open the study report" in dashboard
        check_session(srv.study, "inv-0001", page)
        # ...and the frames filmed during it were stamped with the frame that stood on screen.
        rows = list(csv.DictReader(open(srv.study / "sessions" / "inv-0001" / "timeline.csv")))
        paused_from, paused_to = sorted(held[0][:2])
        paused_ms = held[0][2]
        frozen = [r for r in rows if paused_from - 0.5 < float(r["ad_ms"]) < paused_to + 0.5]
        print(f"\npause held ad time {held[0][0]:.1f}..{held[0][1]:.1f} ms for {paused_ms:.0f} ms: {len(frozen)} rows")
        assert len(frozen) >= 0.4 * paused_ms / 1000 * 30, (len(frozen), held[0])  # the camera films 30 fps
        browser.get(srv.links[0])  # the link is used up
        assert "already been used" in browser.find_element("tag name", "body").text


class CuttingProxy:
    """A TCP relay on loopback that, once armed, cuts every connection after ``cut_after`` bytes
    from the browser and refuses connections for ``down_s`` seconds: a dropped network."""

    def __init__(self, target_port: int, cut_after: int, down_s: float = 2.0) -> None:
        import socket

        self.target_port = target_port
        self.cut_after = cut_after
        self.down_s = down_s
        self.armed = False
        self.sent_since_armed = 0
        self.cuts = 0
        self.down_until = 0.0
        self._lock = threading.Lock()
        self._conns: list = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket

        while not self._stop:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            if time.monotonic() < self.down_until:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._conns += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, src, dst, from_browser: bool) -> None:  # noqa: ANN001
        try:
            while True:
                data = src.recv(16384)
                if not data:
                    break
                if from_browser and self.armed:
                    with self._lock:
                        self.sent_since_armed += len(data)
                        cut = self.sent_since_armed > self.cut_after and self.cuts == 0
                        if cut:
                            self.cuts += 1
                            self.down_until = time.monotonic() + self.down_s
                    if cut:
                        self._cut_all()
                        return
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass

    def _cut_all(self) -> None:
        import socket

        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass

    def close(self) -> None:
        self._stop = True
        self.sock.close()
        self._cut_all()


@pytest.mark.shared
def test_browser_upload_survives_a_dropped_connection(tmp_path, media, browser):
    with Served(tmp_path / "study", media["ad"], "--invites", "1", "--workers", "1") as srv:
        port = int(srv.base.rsplit(":", 1)[1])
        proxy = CuttingProxy(port, cut_after=150_000)
        try:
            link = srv.links[0].replace(f":{port}/", f":{proxy.port}/")
            page = walk_through(browser, link, on_ad=lambda: setattr(proxy, "armed", True))
        finally:
            proxy.close()
        assert proxy.cuts == 1, "the connection was never cut: the test did not test resuming"
        assert page["resumes"] >= 1
        srv.wait_for(lambda s: s["counts"]["analysed"] == 1, 120, "the resumed recording analysed")
        invite = srv.invite("inv-0001")
        assert invite["resumes"] >= 1 and invite["upload_bytes"] == page["size"]
        check_session(srv.study, "inv-0001", page)
