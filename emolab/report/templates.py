"""jinja2 templates of ``report.html`` and ``study.html`` (styles live in :mod:`emolab.report.html`).

Kept in a Python module so nothing else needs shipping with the package or a frozen app.
"""

# ruff: noqa: E501  (HTML lines are easier to read unwrapped)

#: Both pages show key moments the same way: a row of ad thumbnails per emotion and group;
#: the moments viewers looked away use the same cards. An emotion's card shows the ad frame
#: reaction_delay_s before the peak (``cause_ms``), a look-away's the frame at the drop.
MOMENTS_MACRO = r"""{% macro moment_card(m, series, caption) -%}
      {% set shown_ms = m.cause_ms if m.cause_ms is defined else m.ad_ms %}
      <div class="moment">
        {% if thumbs.get(m.frame_index) %}<img class="ad-thumb" alt="ad frame at {{ fmt_time(shown_ms / 1000) }}" src="{{ thumbs[m.frame_index] }}"
             data-series="{{ series }}" data-ad-ms="{{ '%.3f'|format(shown_ms) }}" data-peak-ms="{{ '%.3f'|format(m.ad_ms) }}" data-frame-index="{{ m.frame_index }}">{% endif %}
        <div class="cap"><b title="the peak">{{ fmt_time(m.t_s) }}</b><span>{{ caption }}</span></div>
        {% if m.cause_ms is defined %}<div class="cap cause">ad frame at {{ fmt_time(m.cause_ms / 1000) }}</div>{% endif %}
      </div>
{%- endmacro %}
{% macro moment_grid(value_label) -%}
  {% for title, names in (("Emotions", emotions), ("Groups (the neutral group is the neutral emotion)", group_keys[:2])) %}
  <h3 style="margin-top:12px">{{ title }}</h3>
  <div class="moments">
  {% for name in names %}
    <div><span class="chip" style="background:{{ colors[name] }}">{{ label(name) }}</span></div>
    <div class="moment-row">
    {% for m in d.moments[name] %}
      {{ moment_card(m, name, value_label ~ " = " ~ "%.2f"|format(m.value)) }}
    {% else %}<div class="none">never reached {{ consts.moment_min_prob }}</div>{% endfor %}
    </div>
  {% endfor %}
  </div>
  {% endfor %}
{%- endmacro %}
{% macro look_aways(a, who) -%}
  <h3 style="margin-top:12px">Moments {{ who }} looked away</h3>
  <p class="sub">The largest drops of the attention curve: where it fell furthest below its highest level in the preceding
  {{ consts.lookaway_lookback_s }} s (by at least {{ "%.0f"|format(100 * consts.lookaway_min_drop) }} points; at most {{ consts.lookaways }},
  at least {{ "%.1f"|format(consts.moment_gap_s) }} s apart), with the ad frame on screen at the lowest point.</p>
  <div class="moment-row">
  {% for m in a.look_aways %}
    {{ moment_card(m, "attention", "%.0f"|format(100 * m.value) ~ "% (" ~ "%+.0f"|format(-100 * m.drop) ~ " pts)") }}
  {% else %}<div class="none">{{ "Attention is unknown." if not a.known else "Attention never fell by " ~ "%.0f"|format(100 * consts.lookaway_min_drop) ~ " points or more within " ~ consts.lookaway_lookback_s ~ " s." }}</div>{% endfor %}
  </div>
{%- endmacro %}"""

SESSION_TEMPLATE = (
    MOMENTS_MACRO
    + r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="emolab {{ d.emolab_version }}">
<title>{{ d.ad.file }} · {{ d.respondent }} · emolab session report</title>
<style>{{ css|safe }}</style></head>
<body><div class="page">
<header class="top">
  <div>
    <div class="kicker">Session report · facial emotion response</div>
    <h1>{{ d.ad.file }}</h1>
    <div class="sub">Respondent <b>{{ d.respondent }}</b> · recorded {{ when }} ·
      ad {{ "%.1f"|format(d.ad.duration_ms / 1000) }} s · {{ d.session.mode }} session{% if d.session.source %}
      from {{ d.session.source }}{% endif %}</div>
  </div>
  <div class="brand"><b>emolab</b><br>report generated {{ d.generated_at[:10] }}</div>
</header>

{% for w in d.quality.warnings %}<div class="alert bad" data-warning="{{ w.code }}"><b>Data quality warning.</b> {{ w.text }}</div>{% endfor %}
{% for n in d.quality.notes %}<div class="alert note">{{ n }}</div>{% endfor %}

<div class="cards">
  <div class="card"><div class="label">Emotional Experience Index</div>
    <div class="value {{ 'pos' if d.summary.eei > 0 else 'neg' if d.summary.eei < 0 else '' }}">{{ "%+.0f"|format(d.summary.eei) if face_rows else "n/a" }}</div>
    <div class="hint">{{ "points, −100 … +100" if face_rows else "no face during the ad" }}</div></div>
  <div class="card"><div class="label">EmoNPS</div>
    {% set v = d.summary.emonps.value %}
    <div class="value {{ 'pos' if v is not none and v > 0 else 'neg' if v is not none and v < 0 else '' }}">{{ "%+.0f"|format(v) if v is not none else "n/a" }}</div>
    <div class="hint">{{ verdict }}</div></div>
  <div class="card"><div class="label">Face on screen</div>
    <div class="value {{ '' if d.quality.trustworthy else 'neg' }}">{{ "%.0f"|format(100 * d.quality.face_time_share) }}%</div>
    <div class="hint">of ad time · {{ "%.1f"|format(d.quality.sample_fps) }} frames/s analysed</div></div>
  <div class="card"><div class="label">Dominant emotion</div>
    <div class="value" style="color:{{ colors[dominant] if dominant else '#333' }}">{{ dominant or "–" }}</div>
    <div class="hint">{{ "%.0f"|format(100 * d.summary.emotion_share[dominant]) if dominant else 0 }}% of {{ "attentive " if d.attention.attentive_only.applied }}face frames · baseline {{ "on" if d.baseline.applied else "off" }}</div></div>
  <div class="card"><div class="label">Attention</div>
    <div class="value">{{ "%.0f"|format(100 * d.attention.share) ~ "%" if d.attention.known else "n/a" }}</div>
    <div class="hint">{{ "of ad frames looking at the screen" if d.attention.known else "head pose not recorded" }}</div></div>
</div>

<section>
  <h2>Emotions over the ad <label class="toggle"><input type="checkbox" id="show-raw">show raw (unsmoothed) signal as thin lines</label></h2>
  <div class="charts">
    <div class="chart-title">Emotions — smoothed probability of each emotion, mean over the faces in each frame{% if d.scenes.list|length > 1 %}; shaded bands are scenes{% endif %}</div>
    {{ figs.emotions|safe }}
    <div class="chart-title">Groups — positive (happy + surprise), negative (angry + disgust + fear + sad), neutral</div>
    {{ figs.groups|safe }}
  </div>
  <p class="sub">{{ d.baseline.note }}{% if d.session.smoothing_s %} Smoothing: exponential, time constant {{ d.session.smoothing_s }} s.{% endif %}
  Gaps in a line are moments without a face.</p>
</section>

<section>
  <h2>Share of the showing</h2>
  <p class="sub">Share of the {{ d.attention.attentive_only.face_rows }} {{ "attentive " if d.attention.attentive_only.applied }}face frames during the ad whose (smoothed) emotion was each class.
  {{ d.attention.attentive_only_note }}</p>
  <div class="grid2"><div>{{ figs.emotion_share|safe }}</div><div>{{ figs.group_share|safe }}</div></div>
</section>

<section>
  <h2>How the metrics were computed</h2>
  <div class="explain"><h3>Emotional Experience Index (EEI) = {{ "%+.1f"|format(d.summary.eei) }} points</h3>
    <p>Of the {{ d.attention.attentive_only.face_rows }} frames during the ad in which a face was found{% if d.attention.attentive_only.applied %} looking at the screen{% endif %}, {{ "%.1f"|format(100 * d.summary.group_share.positive) }}%
    were labelled positive (happy or surprise) and {{ "%.1f"|format(100 * d.summary.group_share.negative) }}% negative
    (angry, disgust, fear or sad); the label of a frame is its most probable emotion after smoothing{% if d.baseline.applied %}
    and baseline correction{% endif %}.</p>
    <p><span class="formula">EEI = %positive − %negative = {{ "%.1f"|format(100 * d.summary.group_share.positive) }} − {{ "%.1f"|format(100 * d.summary.group_share.negative) }} = {{ "%+.1f"|format(d.summary.eei) }}</span></p></div>
  <div class="explain"><h3>EmoNPS = {{ "%+.1f"|format(v) if v is not none else "not defined" }}</h3>
    {% set e = d.summary.emonps %}
    <p>A viewer is <b>Engaged</b> if a positive trace was recorded: a run of consecutive analysed frames labelled
    positive lasting at least <b>{{ e.trace_min_s }} s</b>; <b>Critical</b> if a negative run of at least {{ e.trace_min_s }} s was
    recorded; <b>Silent</b> if neither (one viewer can be both Engaged and Critical). Only viewers seen for at least
    {{ e.min_viewer_face_s }} s during the ad count. K = <b>{{ e.k }}</b> (setting <span class="formula">emonps_k</span>).</p>
    {% if e.respondents %}
    <p>Here: {{ e.respondents }} viewer{{ "s" if e.respondents != 1 }} — Engaged {{ e.engaged }}, Critical {{ e.critical }}, Silent {{ e.silent }}.
    Longest runs: {% for vid, t in d.summary.viewers.items() %}viewer {{ vid }}: positive {{ "%.1f"|format(t.longest_run_s.positive) }} s,
    negative {{ "%.1f"|format(t.longest_run_s.negative) }} s, neutral {{ "%.1f"|format(t.longest_run_s.neutral) }} s{{ "; " if not loop.last }}{% endfor %}.</p>
    <p><span class="formula">EmoNPS = %Engaged − %Critical − K × %Silent = {{ "%.0f"|format(100 * e.engaged / e.respondents) }} − {{ "%.0f"|format(100 * e.critical / e.respondents) }} − {{ e.k }} × {{ "%.0f"|format(100 * e.silent / e.respondents) }} = {{ "%+.1f"|format(v) }}</span></p>
    {% else %}<p>No viewer was seen long enough, so EmoNPS is not defined for this session.</p>{% endif %}
  </div>
</section>

<section>
  <h2>Attention — was the respondent looking at the ad?</h2>
  {% if d.attention.known %}
  {{ figs.attention|safe }}
  <p class="sub">Share of the analysed frames within {{ consts.attention_window_s }} s around each moment in which the respondent was
  <b>attentive</b>: a face was found and its head pose was within ±{{ d.attention.cone.yaw_deg }}° yaw and ±{{ d.attention.cone.pitch_deg }}° pitch
  of straight-ahead (settings <span class="formula">attention_yaw_deg</span>, <span class="formula">attention_pitch_deg</span>). Straight-ahead:
  {% for vid, r in d.attention.reference.items() %}viewer {{ vid }} yaw {{ "%+.0f"|format(r.yaw) }}°, pitch {{ "%+.0f"|format(r.pitch) }}° ({{ "facing the camera: no calibration" if r.from == "camera" else "median pose over the " ~ r.from }}){{ "; " if not loop.last }}{% else %}facing the camera{% endfor %}.
  Frames without a face count as not attentive. Over the whole ad: <b>{{ "%.1f"|format(100 * d.attention.share) }}%</b> of ad frames attentive.
  {{ d.attention.attentive_only_note }}</p>
  {{ look_aways(d.attention, "the respondent") }}
  {% else %}<p class="none">Where the respondent looked is unknown: this session was recorded before emolab measured head pose, or with
  a face detector that gives no landmarks. {{ d.attention.attentive_only_note }}</p>{% endif %}
</section>

<section>
  <h2>Key moments — which frames of the ad caused each emotion</h2>
  <p class="sub">For each emotion and group, up to {{ consts.moments_per_series }} moments where its smoothed probability peaked
  (at least {{ consts.moment_min_prob }}; moments at least {{ "%.1f"|format(consts.moment_gap_s) }} s apart; the time shown is the peak).
  A face reacts after what caused it, so the ad frame shown is the one on screen <b>{{ d.session.reaction_delay_s }} s before the peak</b>
  (setting <span class="formula">reaction_delay_s</span>: facial-muscle reactions to emotional pictures begin 300–400 ms after them,
  Dimberg &amp; Thunberg 1998, and the movement a camera sees follows).{% if ad_note %} <b>{{ ad_note }}</b>{% endif %}</p>
  {{ moment_grid("p") }}
</section>

<section>
  <h2>Scenes</h2>
  {% if d.scenes.list %}
  <p class="sub">The ad was split automatically at hard cuts: a cut is where the HSV colour histogram of consecutive frames
  changes by more than {{ "%.3f"|format(d.scenes.threshold) }} (Bhattacharyya distance; threshold = median + {{ consts.mad_k }} × MAD of
  this ad's frame-to-frame changes, at least {{ consts.min_threshold }}; scenes last at least {{ consts.min_scene_s }} s).
  Valence = %positive − %negative {{ "attentive " if d.attention.attentive_only.applied }}face frames within the scene; attention = share of the scene's ad frames in which the respondent looked at the screen.</p>
  <table><thead><tr><th>Scene</th><th></th><th>Ad time</th><th>Dominant emotion</th><th class="num">Valence</th><th class="num">Face frames</th><th class="num">Attention</th></tr></thead><tbody>
  {% for s in d.scenes.list %}<tr>
    <td>S{{ s.index }}</td>
    <td>{% if thumbs.get(s.frame_index) %}<img class="scene-thumb" alt="scene {{ s.index }}" src="{{ thumbs[s.frame_index] }}" data-ad-ms="{{ '%.3f'|format(s.thumb_ms) }}" data-frame-index="{{ s.frame_index }}">{% endif %}</td>
    <td class="nowrap">{{ fmt_time(s.start_ms / 1000) }} – {{ fmt_time(s.end_ms / 1000) }}</td>
    <td>{% if s.dominant %}<span class="chip" style="background:{{ colors[s.dominant] }}">{{ s.dominant }}</span> {{ "%.0f"|format(100 * s.emotion_share[s.dominant]) }}%{% else %}<span class="none">no face</span>{% endif %}</td>
    <td class="num {{ 'pos' if s.valence and s.valence > 0 else 'neg' if s.valence and s.valence < 0 else '' }}">{{ "%+.0f"|format(s.valence) if s.valence is not none else "–" }}</td>
    <td class="num">{{ s.face_rows }}</td>
    <td class="num">{{ "%.0f"|format(100 * s.attention_share) ~ "%" if s.attention_share is not none else "–" }}</td></tr>{% endfor %}
  </tbody></table>
  {% else %}<p class="none">{{ d.scenes.note or "No scenes." }}</p>{% endif %}
</section>

<section>
  <h2>Data quality</h2>
  <div class="alert {{ 'ok' if d.quality.trustworthy else 'bad' }}">{% if d.quality.trustworthy %}Enough data to trust this session:
  the recording covers at least {{ "%.0f"|format(100 * consts.min_ad_coverage) }}% of the ad, a face was found in at least
  {{ "%.0f"|format(100 * consts.min_face_ratio) }}% of the analysed ad frames, at least {{ consts.min_sample_fps }} frames were analysed per
  second of ad time, and at most {{ "%.0f"|format(100 * consts.max_dropped_share) }}% of the frames were dropped.{% else %}This session is
  too poor to trust; see the warnings above ({% for w in d.quality.warnings %}{{ w.code }}{{ ", " if not loop.last }}{% endfor %}).{% endif %}</div>
  <table><tbody>
  <tr><td>Share of ad time with a face</td><td class="num">{{ "%.1f"|format(100 * d.quality.face_time_share) }}%</td></tr>
  <tr><td>Share of analysed ad frames with a face</td><td class="num">{{ "%.1f"|format(100 * d.quality.face_ratio) }}% ({{ d.summary.face_frames }} of {{ d.summary.frames }})</td></tr>
  <tr><td>Ad time covered by the recording</td><td class="num">{{ "%.1f"|format(100 * d.quality.ad_coverage) }}%</td></tr>
  <tr><td>Frames analysed per second of ad time</td><td class="num">{{ "%.1f"|format(d.quality.sample_fps) }}</td></tr>
  <tr><td>Processing rate (frames analysed per second of wall-clock time)</td><td class="num">{{ "%.1f"|format(d.quality.processed_fps) }} frames/s</td></tr>
  <tr><td>Dropped frames (delivered by the camera or video but not analysed)</td><td class="num">{{ d.quality.dropped_frames }}</td></tr>
  <tr><td>Median latency, capture to result</td><td class="num">{{ "%.0f"|format(d.quality.latency_ms_median) }} ms</td></tr>
  <tr><td>Calibration</td><td class="num">{{ d.session.calibration_s }} s{% if d.baseline["values"] %} (resting level measured){% endif %} · baseline correction {{ "applied" if d.baseline.applied else "not applied" }}</td></tr>
  <tr><td>Attention</td><td class="num">{% if d.attention.known %}{{ "%.1f"|format(100 * d.attention.share) }}% of ad frames · cone ±{{ d.attention.cone.yaw_deg }}° yaw, ±{{ d.attention.cone.pitch_deg }}° pitch{% else %}unknown{% endif %} · attentive_only {{ "on" if d.attention.attentive_only.applied else "off" }}</td></tr>
  <tr><td>Models</td><td class="num">detector {{ d.session.detector }}, classifier {{ d.session.classifier }}</td></tr>
  <tr><td>Ad file</td><td class="num">{{ d.ad.file }} · sha256 {{ d.ad.sha256[:12] }}…</td></tr>
  </tbody></table>
</section>

<footer>Generated by emolab {{ d.emolab_version }} on {{ d.generated_at }} from session {{ d.session.folder }}.
Every number above is recomputed from the session's timeline.csv and embedded below as JSON (id "emolab-data").</footer>
</div>
<script type="application/json" id="emolab-data">{{ data_json|safe }}</script>
</body></html>
"""
)

STUDY_TEMPLATE = (
    MOMENTS_MACRO
    + r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="emolab {{ d.emolab_version }}">
<title>{{ d.ad.file }} · study of {{ d.n_respondents }} respondents · emolab</title>
<style>{{ css|safe }}</style></head>
<body><div class="page">
{% set e = d.emonps %}
<header class="top">
  <div>
    <div class="kicker">Study report · facial emotion response across respondents</div>
    <h1>{{ d.ad.file }}</h1>
    <div class="sub"><b>{{ d.n_respondents }}</b> respondent{{ "s" if d.n_respondents != 1 }} · ad {{ "%.1f"|format(d.ad.duration_ms / 1000) }} s ·
      sha256 {{ d.ad.sha256[:12] }}… · sessions {{ first_date }}{% if last_date != first_date %} – {{ last_date }}{% endif %}</div>
  </div>
  <div class="brand"><b>emolab</b><br>report generated {{ d.generated_at[:10] }}</div>
</header>

{% for n in d.notes %}<div class="alert note">{{ n }}</div>{% endfor %}
{% if d.n_respondents < 2 %}<div class="alert note">With a single respondent there are no confidence bands; add sessions for a study.</div>{% endif %}

<div class="cards">
  <div class="card"><div class="label">EmoNPS</div>
    <div class="value {{ 'pos' if e.value is not none and e.value > 0 else 'neg' if e.value is not none and e.value < 0 else '' }}">{{ "%+.0f"|format(e.value) if e.value is not none else "n/a" }}</div>
    <div class="hint">{{ e.respondents }} respondents · K = {{ e.k }}</div></div>
  <div class="card"><div class="label">Mean EEI</div>
    <div class="value {{ 'pos' if d.eei.mean > 0 else 'neg' if d.eei.mean < 0 else '' }}">{{ "%+.0f"|format(d.eei.mean) if d.eei.mean is not none else "n/a" }}</div>
    <div class="hint">{% if d.eei.ci_low is not none %}95% CI {{ "%+.0f"|format(d.eei.ci_low) }} … {{ "%+.0f"|format(d.eei.ci_high) }}{% else %}no interval (n = {{ d.eei.n }}){% endif %}</div></div>
  <div class="card"><div class="label">Engaged / Critical / Silent</div>
    <div class="value">{{ e.engaged }} / {{ e.critical }} / {{ e.silent }}</div>
    <div class="hint">respondents</div></div>
  <div class="card"><div class="label">Respondents usable</div>
    <div class="value">{{ usable }} / {{ d.n_respondents }}</div>
    <div class="hint">no data-quality warning</div></div>
  {% set a = d.attention %}
  <div class="card"><div class="label">Mean attention</div>
    <div class="value">{{ "%.0f"|format(100 * a.mean) ~ "%" if a.mean is not none else "n/a" }}</div>
    <div class="hint">{% if a.ci_low is not none %}95% CI {{ "%.0f"|format(100 * a.ci_low) }} … {{ "%.0f"|format(100 * a.ci_high) }}%{% else %}of ad frames looking at the screen (n = {{ a.n }}){% endif %}</div></div>
</div>

{% set nm = d.norms %}
<section>
  <h2>Among the norms</h2>
  {% if nm.shown %}
  <table><thead><tr>{% for name, k in nm.kpis.items() %}<th class="num">{{ k.label }}</th>{% endfor %}</tr></thead><tbody>
  <tr>{% for name, k in nm.kpis.items() %}<td class="num">{% if k.percentile is not none %}<b>{{ k.ordinal }}</b> percentile <span class="sub">(n = {{ k.n }})</span>{% else %}<span class="sub">too few norms (n = {{ k.n }})</span>{% endif %}</td>{% endfor %}</tr>
  </tbody></table>
  {% endif %}
  <p class="sub">{{ nm.note }}{% if nm.in_norms %} This study is in the norms as #{{ nm.in_norms }}; it is ranked against the others.{% endif %}</p>
</section>

<section>
  <h2>Mean emotion curves</h2>
  <p class="sub">Per second of ad time: mean over respondents (with a face in that second) of each respondent's mean smoothed
  probability; the shaded band is the 95% confidence interval of that mean (Student t, n − 1 degrees of freedom).</p>
  <div class="chart-title">Emotions</div>{{ figs.emotions|safe }}
  <div class="chart-title">Groups — positive (happy + surprise), negative (angry + disgust + fear + sad), neutral</div>{{ figs.groups|safe }}
</section>

<section>
  <h2>Share of respondents showing each group, second by second</h2>
  <p class="sub">A respondent shows a group in a second when most of their face frames in that second were labelled with it;
  shares are of the respondents with a face in that second (hover a bar for its number).</p>
  {{ figs.share|safe }}
</section>

<section>
  <h2>Attention — were respondents looking at the ad?</h2>
  {% if a.known %}
  {{ figs.attention|safe }}
  <p class="sub">Per second of ad time: the mean over respondents of the share of their analysed frames in that second in which they were
  <b>attentive</b> (a face was found and its head pose was within ±{{ a.cone.yaw_deg }}° yaw and ±{{ a.cone.pitch_deg }}° pitch of their
  straight-ahead: their median pose during calibration, else facing the camera); frames without a face count as not attentive. It reads as the
  % of respondents looking at the screen; the band is its 95% confidence interval (Student t). Over the whole ad, respondents were attentive
  on <b>{{ "%.1f"|format(100 * a.mean) }}%</b> of ad frames on average (n = {{ a.n }}). {{ a.attentive_only.note }}</p>
  {{ look_aways(a, "viewers") }}
  {% else %}<p class="none">Where respondents looked is unknown: these sessions were recorded before emolab measured head pose, or with a
  face detector that gives no landmarks. {{ a.attentive_only.note }}</p>{% endif %}
</section>

<section>
  <h2>How the metrics were computed</h2>
  <div class="explain"><h3>EmoNPS = {{ "%+.1f"|format(e.value) if e.value is not none else "not defined" }}</h3>
    <p>Each respondent is <b>Engaged</b> if a positive trace was recorded during the ad — a run of consecutive analysed frames labelled
    positive (happy or surprise) lasting at least <b>{{ e.trace_min_s }} s</b> — <b>Critical</b> if a negative trace
    (angry, disgust, fear or sad) of at least {{ e.trace_min_s }} s was recorded, and <b>Silent</b> if neither.
    A respondent can be both Engaged and Critical. Respondents seen for less than {{ e.min_viewer_face_s }} s are not counted
    ({{ d.n_respondents - e.respondents }} here). K = <b>{{ e.k }}</b> (setting <span class="formula">emonps_k</span>, 0.2 … 1).</p>
    {% if e.respondents %}<p><span class="formula">EmoNPS = %Engaged − %Critical − K × %Silent = {{ "%.1f"|format(100 * e.engaged / e.respondents) }} − {{ "%.1f"|format(100 * e.critical / e.respondents) }} − {{ e.k }} × {{ "%.1f"|format(100 * e.silent / e.respondents) }} = {{ "%+.1f"|format(e.value) }}</span></p>{% endif %}
  </div>
  <div class="explain"><h3>Emotional Experience Index (EEI), mean over respondents = {{ "%+.1f"|format(d.eei.mean) if d.eei.mean is not none else "n/a" }}</h3>
    <p>For each respondent, EEI = %positive − %negative of their face frames during the ad (labels after smoothing);
    the study shows the mean over the {{ d.eei.n }} respondents with a face and its 95% confidence interval. {{ a.attentive_only.note }}</p>
  </div>
</section>

<section>
  <h2>Scenes across respondents</h2>
  {% if d.scenes.list %}
  <p class="sub">Scenes found automatically at hard cuts (HSV histogram change between consecutive frames above
  {{ "%.3f"|format(d.scenes.threshold) }}: median + {{ consts.mad_k }} × MAD of this ad's changes, at least {{ consts.min_threshold }}).
  Valence = %positive − %negative face frames in the scene, per respondent, then averaged (95% CI). Attention = share of the scene's
  ad frames in which a respondent looked at the screen, averaged over respondents.</p>
  <table><thead><tr><th>Scene</th><th></th><th>Ad time</th><th class="num">Respondents</th><th>Dominant emotion</th>
  <th class="num">Valence</th><th class="num">95% CI</th><th>Respondents by dominant group</th><th class="num">Attention</th></tr></thead><tbody>
  {% for s in d.scenes.list %}<tr>
    <td>S{{ s.index }}</td>
    <td>{% if thumbs.get(s.frame_index) %}<img class="scene-thumb" alt="scene {{ s.index }}" src="{{ thumbs[s.frame_index] }}" data-ad-ms="{{ '%.3f'|format(s.thumb_ms) }}" data-frame-index="{{ s.frame_index }}">{% endif %}</td>
    <td class="nowrap">{{ fmt_time(s.start_ms / 1000) }} – {{ fmt_time(s.end_ms / 1000) }}</td>
    <td class="num">{{ s.respondents }}</td>
    <td>{% if s.dominant %}<span class="chip" style="background:{{ colors[s.dominant] }}">{{ s.dominant }}</span>{% else %}<span class="none">no face</span>{% endif %}</td>
    <td class="num {{ 'pos' if s.valence is not none and s.valence > 0 else 'neg' if s.valence is not none and s.valence < 0 else '' }}">{{ "%+.0f"|format(s.valence) if s.valence is not none else "–" }}</td>
    <td class="num">{% if s.valence_ci_low is not none %}{{ "%+.0f"|format(s.valence_ci_low) }} … {{ "%+.0f"|format(s.valence_ci_high) }}{% else %}–{% endif %}</td>
    <td>{% for g in groups %}<span class="bar" title="{{ g }} {{ '%.0f'|format(100 * s.share_respondents[g]) }}%" style="width:{{ '%.0f'|format(120 * s.share_respondents[g]) }}px;background:{{ group_colors[g] }}"></span>{% endfor %}
      <span class="sub">{% for g in groups %}{{ "%.0f"|format(100 * s.share_respondents[g]) }}%{{ " / " if not loop.last }}{% endfor %}</span></td>
    <td class="num">{{ "%.0f"|format(100 * s.attention) ~ "%" if s.attention is not none else "–" }}</td>
  </tr>{% endfor %}
  </tbody></table>
  {% else %}<p class="none">{{ d.scenes.note or "No scenes." }}</p>{% endif %}
</section>

<section>
  <h2>Key moments of the mean curves</h2>
  <p class="sub">Seconds where the mean probability of each emotion and group peaked (at least {{ consts.moment_min_prob }},
  moments at least {{ "%.1f"|format(consts.moment_gap_s) }} s apart). A face reacts after what caused it, so the ad frame shown is the one
  on screen <b>{{ d.reaction_delay_s }} s before</b> the middle of that second (setting <span class="formula">reaction_delay_s</span>).{% if ad_note %} <b>{{ ad_note }}</b>{% endif %}</p>
  {{ moment_grid("mean p") }}
</section>

<section>
  <h2>Respondents</h2>
  <table><thead><tr><th>Respondent</th><th>Session</th><th class="num">Face time</th><th class="num">Attention</th><th class="num">EEI</th>
  <th>Engaged</th><th>Critical</th><th>Silent</th><th class="num">fps</th><th>Dominant</th></tr></thead><tbody>
  {% for r in d.respondents %}{% set dom = dominant_of(r) %}<tr>
    <td>{{ r.respondent }}{% if not r.trustworthy %} <span class="chip" style="background:#c23b3b" title="{% for w in r.warnings %}{{ w.text }}{{ ' ' if not loop.last }}{% endfor %}">poor data: {% for w in r.warnings %}{{ w.code }}{{ ", " if not loop.last }}{% endfor %}</span>{% endif %}</td>
    <td class="sub">{{ r.folder }}</td>
    <td class="num">{{ "%.0f"|format(100 * r.face_time_share) }}%</td>
    <td class="num">{{ "%.0f"|format(100 * r.attention_share) ~ "%" if r.attention_share is not none else "–" }}</td>
    <td class="num">{{ "%+.0f"|format(r.eei) if r.eei is not none else "–" }}</td>
    <td>{{ "✔" if r.engaged }}</td><td>{{ "✔" if r.critical }}</td><td>{{ "✔" if r.silent }}{{ "not counted" if not r.counted }}</td>
    <td class="num">{{ "%.1f"|format(r.processed_fps) }}</td>
    <td>{% if dom %}<span class="chip" style="background:{{ colors[dom] }}">{{ dom }}</span>{% endif %}</td>
  </tr>{% endfor %}
  </tbody></table>
  <p class="sub">Exports beside this page: {% for k, name in d.exports.items() %}<a href="{{ name }}">{{ name }}</a>{{ ", " if not loop.last }}{% endfor %}.</p>
</section>

<footer>Generated by emolab {{ d.emolab_version }} on {{ d.generated_at }}. Every number above is recomputed from the
sessions' timeline.csv files and embedded below as JSON (id "emolab-data").</footer>
</div>
<script type="application/json" id="emolab-data">{{ data_json|safe }}</script>
</body></html>
"""
)
