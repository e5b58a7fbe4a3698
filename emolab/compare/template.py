"""jinja2 template of ``compare.html`` (styles shared with the other reports, :mod:`emolab.report.html`)."""

# ruff: noqa: E501  (HTML lines are easier to read unwrapped)

COMPARE_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="emolab {{ d.emolab_version }}">
<title>{% for v in d.variants %}{{ v.name }}{{ " vs " if not loop.last }}{% endfor %} · emolab comparison</title>
<style>{{ css|safe }}
.variant { display:inline-flex; align-items:center; gap:6px; margin-right:14px; white-space:nowrap; }
.dot { width:12px; height:12px; border-radius:6px; display:inline-block; }
.verdict li { margin:4px 0; }
tr.sig td { background:#fff6d8; }
.star { color:#b06b00; font-weight:700; }
.small { font-size:12px; }
.grid-emotions { display:grid; grid-template-columns:1fr 1fr; gap:4px 18px; }
td.center, th.center { text-align:center; }
</style></head>
<body><div class="page">
{% set base = d.variants[0] %}
<header class="top">
  <div>
    <div class="kicker">Comparison of ad variants · facial emotion response</div>
    <h1>{% for v in d.variants %}{{ v.name }}{{ " vs " if not loop.last }}{% endfor %}</h1>
    <div class="sub">{% for v in d.variants %}<span class="variant"><span class="dot" style="background:{{ v.color }}"></span>{% if v.name != v.key %}<b>{{ v.key }}</b> {% endif %}{{ v.name }} — {{ v.ad.file }}, {{ "%.1f"|format(v.ad.duration_ms / 1000) }} s, {{ v.respondents }} respondent{{ "s" if v.respondents != 1 }}</span>{% endfor %}</div>
  </div>
  <div class="brand"><b>emolab</b><br>report generated {{ d.generated_at[:10] }}</div>
</header>

<section class="verdict">
  <h2>Verdict</h2>
  <ul>{% for s in d.verdict %}<li>{{ s }}</li>{% endfor %}</ul>
  <p class="sub small">Significant means q &lt; {{ alpha }} after Benjamini–Hochberg false-discovery-rate control; {% if d.variants|length > 2 %}each variant is compared with {{ base.name }}.{% else %}differences are {{ d.variants[1].name }} − {{ base.name }}.{% endif %}
  {% if d.alignment.same_ad %}Both studies are of the same ad ({{ base.ad.file }}).{% endif %}</p>
</section>

{% for v in d.variants %}{% for n in v.notes %}<div class="alert note"><b>{{ v.name }}:</b> {{ n }}</div>{% endfor %}{% endfor %}

<section>
  <h2>Key performance indicators</h2>
  <table><thead><tr><th>KPI</th>{% for v in d.variants %}<th class="num"><span class="dot" style="background:{{ v.color }}"></span> {{ v.name }}</th>{% endfor %}
  {% for v in d.variants[1:] %}<th class="num">{{ v.name }} − {{ base.name }}</th><th class="num">95% CI</th><th class="num">p</th><th class="num">q</th>{% endfor %}</tr></thead><tbody>
  {% for name in kpi_names %}{% set k = d.kpis[name] %}
  <tr class="{{ 'sig' if kpi_sig[name] else '' }}">
    <td><b>{{ k.label }}</b><div class="sub small">{{ k.explain }}</div></td>
    {% for v in d.variants %}<td class="num">
      {% if name == "usable" %}{{ k["values"][v.name] }} / {{ k.of[v.name] }}
      {% else %}{{ fmt_kpi(name, k["values"][v.name]) }}{% if k.at_s is defined and k.at_s[v.name] is not none %}<div class="sub small">at {{ fmt_s(k.at_s[v.name]) }}</div>{% endif %}{% endif %}
      {% if name == "peak_negative" and k.moments[v.name]|length > 1 %}<div class="sub small">also {% for m in k.moments[v.name][1:] %}{{ fmt_time(m.t_s) }} ({{ "%.2f"|format(m.value) }}){{ ", " if not loop.last }}{% endfor %}</div>{% endif %}
    </td>{% endfor %}
    {% for v in d.variants[1:] %}{% set c = k.against_first[v.name] %}
    <td class="num" title="{{ c.test }}">{{ fmt_diff(name, c.diff) }}{% if significant(c) %} <span class="star" title="significant: q < {{ alpha }}">★</span>{% endif %}</td>
    <td class="num">{% if c.ci95 %}{{ fmt_diff(name, c.ci95[0]) }} … {{ fmt_diff(name, c.ci95[1]) }}{% else %}–{% endif %}</td>
    <td class="num">{{ fmt_p(c.p) }}</td><td class="num">{{ fmt_p(c.q) }}</td>{% endfor %}
  </tr>{% endfor %}
  </tbody></table>
  <p class="sub small">{% for t in test_notes %}<b>{{ t.labels|join(", ") }}</b>: {{ t.tests|join("; ") }}{% if t.why %} — {{ t.why }}{% endif %}.<br>{% endfor %}
  {% if not d.alignment.same_length %}EEI, EmoNPS and attention are over each ad as a whole; peaks are within the first {{ d.alignment.compared_seconds }} s, where every variant runs.{% endif %}</p>
</section>

<section>
  <h2>Among the norms</h2>
  {% for v in d.variants %}{% set n = d.norms[v.name] %}
  <h3><span class="dot" style="background:{{ v.color }}"></span> {{ v.name }}</h3>
  {% if n.shown %}
  <table class="small"><thead><tr>{% for name, e in n.kpis.items() %}<th class="num">{{ e.label }}</th>{% endfor %}</tr></thead><tbody><tr>
  {% for name, e in n.kpis.items() %}<td class="num">{% if e.percentile is not none %}<b>{{ e.ordinal }}</b> percentile <span class="sub">(n = {{ e.n }})</span>{% else %}<span class="sub">fewer than 5 norms (n = {{ e.n }})</span>{% endif %}</td>{% endfor %}
  </tr></tbody></table>
  {% endif %}
  <p class="sub small">{{ n.note }}</p>
  {% endfor %}
</section>

<section>
  <h2>Curves, variant by variant</h2>
  <p class="sub">Per second of ad time: the mean over respondents (with a face in that second) of each respondent's mean smoothed probability,
  with its 95% confidence band (Student t).{% if not d.alignment.same_length %} The shaded part is ad time only the longer cut has: it is not compared.{% endif %}</p>
  {% for g in group_keys %}<div class="chart-title">{{ label(g)|capitalize }} group</div>{{ figs.groups[g]|safe }}{% endfor %}
  <div class="chart-title">Attention — share of respondents looking at the screen</div>{{ figs.attention|safe }}
  <h3 style="margin-top:14px">Emotions</h3>
  <div class="grid-emotions">{% for e in emotions %}<div><div class="chart-title" style="color:{{ colors[e] }}">{{ e }}</div>{{ figs.emotions[e]|safe }}</div>{% endfor %}</div>
  <p class="sub small">The seven emotion curves are drawn for reading, not tested: the tests are on the positive and negative groups and on attention.</p>
</section>

<section>
  <h2>Where the variants differ, second by second</h2>
  <p class="sub">Each second of the {{ d.alignment.compared_seconds }} s every variant runs: the difference of the means with its 95% confidence band.
  Shaded seconds differ significantly (q &lt; {{ alpha }}; Benjamini–Hochberg over all {{ d.seconds|length * tested|length * (d.variants|length - 1) }} second-by-second tests).</p>
  {% for s in tested %}
  <div class="chart-title">{{ series_titles[s] }}{% if s != "attention" %} group (mean probability){% else %} (share of respondents){% endif %}</div>
  {{ figs.diffs[s]|safe }}
  <p class="small">{% for r in runs[s] %}<span class="variant"><span class="dot" style="background:{{ vcolor[r.variant] }}"></span>{{ r.variant }} {{ "higher" if r.sign > 0 else "lower" }} in {{ fmt_s(r.start_s) }}–{{ fmt_s(r.end_s) }} ({{ "q ≤ " ~ fmt_p(r.q_max) if r.end_s - r.start_s > 1 else fmt_pq("q", r.q_max) }})</span>{% else %}<span class="sub">No second differs significantly.</span>{% endfor %}</p>
  {% endfor %}
</section>

<section>
  <h2>Scenes the cuts share</h2>
  {% if d.scenes.pairs %}
  <p class="sub">{% if d.alignment.same_ad %}The studies are of the same ad: its scenes are compared one by one.{% else %}Scenes are matched between cuts by their colours (HSV histogram of the scene's
  thumbnail, or of three of its frames; Bhattacharyya distance below {{ d.scenes.match_max }}, the smallest change emolab calls a cut, and each the other's closest).{% endif %} Valence = %positive − %negative face frames in the scene, per respondent, then averaged.</p>
  <table><thead><tr><th></th>{% for v in d.variants %}<th>{{ v.name }}</th>{% endfor %}<th class="num">Valence {% for v in d.variants %}{{ v.key }}{{ " / " if not loop.last }}{% endfor %}</th><th class="num">Difference</th><th class="num">95% CI</th><th class="num">p</th><th class="num">q</th></tr></thead><tbody>
  {% for p in d.scenes.pairs %}{% set sa = p.scene[base.name] %}<tr class="{{ 'sig' if significant(p) else '' }}">
    <td>{% if thumbs.get(sa.index) %}<img class="scene-thumb" alt="scene {{ sa.index }}" src="{{ thumbs[sa.index] }}">{% endif %}</td>
    {% for v in d.variants %}<td class="nowrap">{% if p.scene[v.name] is defined %}S{{ p.scene[v.name].index }} · {{ fmt_time(p.scene[v.name].start_ms / 1000) }}–{{ fmt_time(p.scene[v.name].end_ms / 1000) }}{% else %}–{% endif %}</td>{% endfor %}
    <td class="num">{{ fmt_kpi("eei", p.valence[base.name]) }} / {{ fmt_kpi("eei", p.valence[p.variant]) }}</td>
    <td class="num">{{ fmt_diff("eei", p.diff) }}{% if significant(p) %} <span class="star">★</span>{% endif %}</td>
    <td class="num">{% if p.ci95 %}{{ fmt_diff("eei", p.ci95[0]) }} … {{ fmt_diff("eei", p.ci95[1]) }}{% else %}–{% endif %}</td>
    <td class="num">{{ fmt_p(p.p) }}</td><td class="num">{{ fmt_p(p.q) }}</td></tr>{% endfor %}
  </tbody></table>
  {% for name, scenes in d.scenes.unmatched.items() %}{% if scenes %}<p class="sub small">Only in {{ name }}: {% for s in scenes %}S{{ s.index }} ({{ fmt_time(s.start_ms / 1000) }}–{{ fmt_time(s.end_ms / 1000) }}){{ ", " if not loop.last }}{% endfor %}.</p>{% endif %}{% endfor %}
  {% endif %}
  {% for n in d.scenes.notes %}<p class="none">{{ n }}</p>{% endfor %}
  {% if not d.scenes.pairs and not d.scenes.notes %}<p class="none">No scenes to compare.</p>{% endif %}
</section>

<section>
  <h2>How the variants were compared</h2>
  <div class="explain">
    <p><b>Independent samples.</b> Different people watched each variant, so each respondent is one observation and the variants are compared as
    independent samples. Means (EEI, EmoNPS, attention, each second's curves, each scene's valence) are compared with <b>Welch's t</b> when both
    variants have at least {{ d.method.small_n }} respondents, and with a <b>permutation test of Welch's t statistic</b> when either has fewer:
    with few respondents, bounded and lumpy values make the mean far from normally distributed, while a permutation test only assumes that, were
    the cuts alike, the variant labels could be exchanged. It enumerates every arrangement of the respondents when there are at most
    {{ "{:,}".format(d.method.exact_limit) }}, else draws {{ "{:,}".format(d.method.permutations) }} at random (seed {{ d.method.seed }}, so the
    report is reproducible). 95% confidence intervals of differences of means are Welch's. EmoNPS is the mean of a per-respondent score
    (100 Engaged, −100 Critical, −100 × K Silent, 0 for both Engaged and Critical), so it is tested like a mean.</p>
    <p><b>Peaks</b> (peak positive, key negative moment) are the highest second of a mean curve, not means: p comes from a permutation test of the
    peak difference, the interval from a bootstrap of the respondents within each variant.</p>
    <p><b>Many tests.</b> Testing every second of three curves finds some differences by chance. Each family — the KPIs, the seconds, the scenes —
    is controlled with the Benjamini–Hochberg procedure: its q-value is the smallest false-discovery rate at which a difference would be declared,
    and a difference is called significant when q &lt; {{ alpha }}. Not significant is not the same as alike: small studies can only show large differences.</p>
    <p><b>Ad time.</b> {% if d.alignment.same_length %}The ads are equally long: all {{ d.alignment.compared_seconds }} seconds are compared.{% else %}The ads differ in length ({% for name, s in d.alignment.durations_s.items() %}{{ name }} {{ "%.1f"|format(s) }} s{{ ", " if not loop.last }}{% endfor %}): curves are compared second by second over the first {{ d.alignment.compared_seconds }} s, where every variant runs. {% for s in d.alignment.left_out %}{{ s }} {% endfor %}{% endif %}
    Where two cuts share scenes, the scenes are also compared wherever they sit in each cut.</p>
  </div>
  <p class="sub small">Exports beside this page: {% for name in d.exports %}<a href="{{ name }}">{{ name }}</a>{{ ", " if not loop.last }}{% endfor %}.</p>
</section>

<footer>Generated by emolab {{ d.emolab_version }} on {{ d.generated_at }} from {% for v in d.variants %}{{ v.folder }}{{ ", " if not loop.last }}{% endfor %}.
Every number above is recomputed from the studies' sessions and embedded below as JSON (id "emolab-data").</footer>
</div>
<script type="application/json" id="emolab-data">{{ data_json|safe }}</script>
</body></html>
"""
