// emolab's respondent page: consent -> camera check -> the ad while the webcam records -> upload -> thank-you.
// Plain JavaScript, no libraries. It talks only to the server that sent it (/r/<token>/...).
//
// The ad clock: while the ad plays, every displayed ad frame (requestVideoFrameCallback, or
// timeupdate where a browser lacks it) and every pause, stall, seek and the end are recorded
// as [recording_ms, ad_ms] pairs, recording_ms on the recording's own clock (0 = the moment
// the recorder started), so the server lines up each filmed frame with the ad frame on screen.
'use strict';

(() => {
  const token = location.pathname.split('/')[2] || '';
  const base = '/r/' + encodeURIComponent(token);
  const $ = (id) => document.getElementById(id);
  const SECTIONS = { consent: 'consent', camera: 'camera', ad: 'watch', upload: 'thanks', done: 'thanks', message: 'message' };
  const MIME_TYPES = ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm', 'video/mp4;codecs=avc1', 'video/mp4'];
  const s = {
    step: 'loading', info: null, stream: null, recorder: null, mime: '', t0: null, clock: [], adStarted: false, adEnded: false,
    blobs: [], size: 0, sent: 0, stopped: false, pumping: false, done: false, failure: null, retries: 0, resumes: 0,
  };
  window.emolab = s; // what the page is doing, for automated checks

  function show(step) {
    for (const id of new Set(Object.values(SECTIONS))) $(id).hidden = id !== SECTIONS[step];
    document.body.dataset.step = step;
    s.step = step;
  }

  function message(title, text) {
    $('message-title').textContent = title;
    $('message-text').textContent = text;
    show('message');
  }

  function fail(text) {
    s.failure = text;
    stopCamera();
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    message('Sorry', text);
  }

  function stopCamera() {
    if (s.stream) s.stream.getTracks().forEach((t) => t.stop());
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function api(path, options) {
    const response = await fetch(base + path, Object.assign({ cache: 'no-store', credentials: 'omit' }, options || {}));
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    return { status: response.status, ok: response.ok, body: body || {} };
  }

  // --- consent ------------------------------------------------------------------------------

  async function begin() {
    let r;
    try {
      r = await api('/info');
    } catch (e) {
      return message('Sorry', 'The server cannot be reached. Check your connection and reload the page.');
    }
    if (!r.ok) return message('Sorry', r.body.error || 'This link cannot be used.');
    s.info = r.body;
    show('consent');
  }

  $('agree').addEventListener('change', () => { $('consent-yes').disabled = !$('agree').checked; });
  $('consent-no').addEventListener('click', () => {
    message('Thank you', 'Nothing was recorded. You can close this page.');
  });
  $('consent-yes').addEventListener('click', () => { if ($('agree').checked) cameraCheck(); });

  // --- camera check -------------------------------------------------------------------------

  async function cameraCheck() {
    show('camera');
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return fail('The camera can only be used on a secure page (an address starting with https://). ' +
        'Please tell the person who sent you the link.');
    }
    if (!window.MediaRecorder) {
      return fail('This browser cannot record video. Please open the link in a recent Chrome, Edge, Firefox or Safari.');
    }
    const ad = $('ad');
    ad.src = base + '/ad'; // start loading the ad while the camera is checked
    ad.load();
    try {
      s.stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 }, facingMode: 'user' },
        audio: false,
      });
    } catch (e) {
      const name = e && e.name;
      if (name === 'NotAllowedError' || name === 'SecurityError') {
        return fail('The camera was not allowed. To take part, allow the camera for this page ' +
          '(the camera symbol in the address bar) and reload the page.');
      }
      if (name === 'NotFoundError' || name === 'OverconstrainedError') {
        return fail('No camera was found. Connect a webcam and reload the page.');
      }
      if (name === 'NotReadableError' || name === 'AbortError') {
        return fail('The camera is in use by another program. Close that program and reload the page.');
      }
      return fail('The camera could not be started (' + (name || e) + '). Reload the page to try again.');
    }
    s.stream.getVideoTracks()[0].addEventListener('ended', () => {
      if (!s.stopped && s.step !== 'done') fail('The camera stopped. Reload the page to try again.');
    });
    const preview = $('preview');
    preview.srcObject = s.stream;
    try { await preview.play(); } catch (e) { /* muted previews play; if not, the picture still arrives */ }
    const started = performance.now();
    while (s.step === 'camera') {
      const result = await checkOnce(preview);
      const status = $('camera-status');
      if (result) {
        status.textContent = result.message;
        status.className = 'status ' + (result.ok ? 'ok' : 'bad');
        if (result.ok) $('start-ad').disabled = false;
      }
      // A check that keeps failing (an unusual face, a slow server) must not lock anyone out.
      if ($('start-ad').disabled && performance.now() - started > 30000) {
        $('start-ad').disabled = false;
        status.textContent += ' You can start anyway.';
      }
      await sleep(1200);
    }
  }

  async function checkOnce(preview) {
    const w = preview.videoWidth, h = preview.videoHeight;
    if (!w || !h) return null;
    const scale = Math.min(1, 480 / w);
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    canvas.getContext('2d').drawImage(preview, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
    if (!blob) return null;
    try {
      const r = await api('/check', { method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: blob });
      return r.ok ? r.body : { ok: false, message: r.body.error || 'The camera check failed; trying again.' };
    } catch (e) {
      return { ok: false, message: 'The server cannot be reached; trying again.' };
    }
  }

  // --- the ad, recorded ---------------------------------------------------------------------

  $('start-ad').addEventListener('click', () => { $('start-ad').disabled = true; watch(); });

  function recordingMs(t) { return t - s.t0; }

  // Until the ad first plays, frames get no pair: before the first pair they fall before the
  // ad (negative ad times), as a loading ad is not yet being watched.
  function sample(t, adMs, starts) {
    if (s.t0 === null || s.adEnded || !(s.adStarted || starts)) return;
    s.adStarted = true;
    let r = Math.max(0, recordingMs(t));
    const last = s.clock[s.clock.length - 1];
    if (last && r < last[0]) r = last[0]; // the recording's clock never runs backwards
    s.clock.push([Math.round(r * 1000) / 1000, Math.round(adMs * 1000) / 1000]);
  }

  function adNow() { return $('ad').currentTime * 1000; }

  async function watch() {
    const ad = $('ad');
    s.mime = MIME_TYPES.find((t) => MediaRecorder.isTypeSupported(t)) || '';
    let r;
    try {
      r = await api('/start', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ consent: 'yes', mime: s.mime || 'video/webm' }),
      });
    } catch (e) {
      $('start-ad').disabled = false;
      $('camera-status').textContent = 'The server cannot be reached; check your connection and try again.';
      return;
    }
    if (!r.ok) return fail(r.body.error || 'The recording could not be started.');
    try {
      s.recorder = new MediaRecorder(s.stream, s.mime ? { mimeType: s.mime, videoBitsPerSecond: 1000000 } : {});
    } catch (e) {
      return fail('This browser cannot record the camera (' + e + ').');
    }
    s.mime = s.recorder.mimeType || s.mime;
    s.recorder.addEventListener('dataavailable', (e) => {
      if (e.data && e.data.size) { s.blobs.push(e.data); s.size += e.data.size; pump(); }
    });
    s.recorder.addEventListener('stop', () => { s.stopped = true; stopCamera(); pump(); });
    s.recorder.addEventListener('error', (e) => fail('The recording failed (' + (e.error || e) + ').'));
    const started = new Promise((resolve) => s.recorder.addEventListener('start', resolve, { once: true }));
    s.recorder.start(1000);
    await started;
    s.t0 = performance.now();

    show('ad');
    if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(() => {});
    }
    if (ad.requestVideoFrameCallback) {
      const onFrame = (now, meta) => {
        sample(meta.expectedDisplayTime || now, meta.mediaTime * 1000, true);
        if (!s.adEnded) ad.requestVideoFrameCallback(onFrame);
      };
      ad.requestVideoFrameCallback(onFrame);
    } else {
      ad.addEventListener('timeupdate', () => sample(performance.now(), adNow()));
    }
    ad.addEventListener('playing', () => sample(performance.now(), adNow(), true));
    for (const name of ['pause', 'waiting', 'stalled', 'seeked']) {
      ad.addEventListener(name, () => sample(performance.now(), adNow()));
    }
    ad.addEventListener('seeking', () => {
      const now = performance.now();
      const last = s.clock[s.clock.length - 1];
      if (last) sample(now, last[1] + (ad.paused ? 0 : recordingMs(now) - last[0])); // where it was...
      sample(now, adNow()); // ...and where it jumped, at the same moment
    });
    ad.addEventListener('ended', () => {
      sample(performance.now(), ad.duration * 1000);
      s.adEnded = true;
      setTimeout(() => {
        if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
        show('upload');
        if (s.recorder.state !== 'inactive') s.recorder.stop();
      }, 600);
    });
    ad.addEventListener('error', () => {
      if (s.recorder.state !== 'inactive') s.recorder.stop();
      s.blobs = [];
      fail('The video could not be played in this browser. Please try another browser, or tell the person who sent you the link.');
    });
    try {
      await ad.play();
    } catch (e) {
      $('play').hidden = false; // the browser wants a click of its own before playing sound
      $('play').addEventListener('click', () => { $('play').hidden = true; ad.play(); }, { once: true });
    }
  }

  // --- upload: chunks while recording, resumed after a dropped connection, then one finalisation ---

  function progress() {
    const total = Math.max(s.size, 1);
    $('upload-progress').value = Math.round((100 * s.sent) / total);
  }

  async function backoff(text) {
    s.retries += 1;
    if (s.step === 'upload') $('upload-status').textContent = text;
    await sleep(Math.min(10000, 500 * 2 ** Math.min(s.retries, 5)));
  }

  // After a dropped connection: ask the server how much arrived (a chunk cut off midway counts
  // for nothing there). Still unreachable: the next try finds out instead.
  async function resync() {
    let r;
    try {
      r = await api('/chunks');
    } catch (e) {
      return;
    }
    if (r.ok && typeof r.body.received === 'number' && r.body.received <= s.size) {
      s.sent = r.body.received;
      s.resumes += 1;
    } else if (r.status === 404 || r.status === 409 || r.status === 410) {
      fail('The recording could not be sent: ' + (r.body.error || 'error ' + r.status));
    }
  }

  async function pump() {
    if (s.pumping || s.failure || s.done) return;
    s.pumping = true;
    try {
      while (!s.failure && !s.done) {
        if (s.sent < s.size) {
          await sendChunk();
        } else if (s.stopped && s.size > 0) {
          await finish();
        } else {
          break;
        }
      }
    } finally {
      s.pumping = false;
    }
  }

  async function sendChunk() {
    const chunkBytes = Math.min((s.info && s.info.chunk_bytes) || 2097152, 2097152);
    const end = Math.min(s.size, s.sent + chunkBytes);
    const body = new Blob(s.blobs).slice(s.sent, end);
    let r;
    try {
      r = await api('/chunks?offset=' + s.sent, {
        method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body,
      });
    } catch (e) {
      await backoff('The connection dropped; resuming…');
      await resync();
      return;
    }
    if (r.ok) {
      s.sent = r.body.received;
      s.retries = 0;
      progress();
    } else if (r.status === 409 && typeof r.body.received === 'number') {
      s.sent = r.body.received;
    } else if (r.status === 429 || r.status >= 500) {
      await backoff('The server is busy; retrying…');
    } else {
      fail('The recording could not be sent: ' + (r.body.error || 'error ' + r.status));
    }
  }

  async function sha256(blob) {
    if (!window.crypto || !crypto.subtle) return null;
    const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
    return Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, '0')).join('');
  }

  async function finish() {
    $('upload-status').textContent = 'Finishing…';
    const form = new FormData();
    form.append('consent', 'yes');
    form.append('adclock', JSON.stringify(s.clock));
    form.append('size', String(s.size));
    const digest = await sha256(new Blob(s.blobs));
    if (digest) form.append('sha256', digest);
    let r;
    try {
      r = await api('/upload', { method: 'POST', body: form });
    } catch (e) {
      await backoff('The connection dropped; resuming…');
      return;
    }
    if (r.status === 201 || (r.status === 409 && typeof r.body.received !== 'number')) {
      // 409 without an offset: an earlier try was accepted but its answer was lost.
      s.done = true;
      s.blobs = [];
      $('upload-progress').value = 100;
      $('upload-status').textContent = 'Thank you, you are done. You can close this page.';
      $('upload-note').hidden = true;
      show('done');
    } else if (r.status === 409) {
      s.sent = r.body.received;
    } else if (r.status === 429 || r.status >= 500) {
      await backoff('The server is busy; retrying…');
    } else {
      fail('The recording could not be used: ' + (r.body.error || 'error ' + r.status));
    }
  }

  window.addEventListener('beforeunload', (e) => {
    if (s.t0 !== null && !s.done && !s.failure) { e.preventDefault(); e.returnValue = ''; }
  });

  begin();
})();
