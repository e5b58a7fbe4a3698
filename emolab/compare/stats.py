"""Two-sample statistics for comparing ad variants: Welch's t, a permutation test, Benjamini–Hochberg.

Respondents of two variants are independent samples (different people watched each cut), so
differences of means are tested with **Welch's t** (unequal variances, Welch–Satterthwaite
degrees of freedom) when both variants have at least :data:`SMALL_N` respondents, and with a
**permutation test of Welch's t statistic** when either has fewer: with a handful of
respondents, bounded and lumpy values (an EEI between −100 and +100, an EmoNPS score taking
three or four values) do not make the mean's sampling distribution normal, while a
permutation test assumes only that, were the cuts alike, the variant labels could be
exchanged. Studentising the permuted statistic keeps the test sound when the variants'
spreads differ (Janssen 1997, *Stat. Probab. Lett.* 36:9–21).

Everything is numpy plus ``scipy.special`` (Student's t distribution): ``scipy.stats`` is
left out of the installed app. The tests check every number against ``scipy.stats``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np

#: Below this many respondents in either variant, p comes from a permutation test.
SMALL_N = 20
#: Enumerate every arrangement of the respondents when there are at most this many;
#: otherwise draw :data:`PERMUTATIONS` random ones (seeded, so a report is reproducible).
EXACT_LIMIT = 20_000
PERMUTATIONS = 9_999
SEED = 20261204
LEVEL = 0.95

WELCH = "welch"
PERMUTATION = "permutation"


@dataclass(frozen=True)
class TestResult:
    """A difference of means (b − a) with its 95% interval and p-value.

    ``p`` is None when the difference cannot be tested (fewer than two values in a variant,
    or no spread at all); ``ci95`` is None with fewer than two values in a variant.
    """

    diff: float | None
    ci95: tuple[float, float] | None
    p: float | None
    test: str  # WELCH or PERMUTATION
    n: tuple[int, int]
    t: float | None = None
    df: float | None = None
    arrangements: int = 0  # permutations used (0 for Welch's t)
    exact: bool = False  # every arrangement enumerated

    def describe(self) -> str:
        """The test in words, e.g. ``Welch's t (df = 51.3)`` or ``permutation test (exact, 35 arrangements)``."""
        if self.test == WELCH:
            return f"Welch's t (df = {self.df:.1f})" if self.df is not None else "Welch's t"
        how = "exact" if self.exact else "random"
        return f"permutation test of Welch's t ({how}, {self.arrangements:,} arrangements)"


def _t_sf2(t: np.ndarray, df: np.ndarray) -> np.ndarray:
    """Two-sided p of Student's t: 2 × P(T > |t|)."""
    from scipy.special import stdtr

    return 2.0 * stdtr(df, -np.abs(t))


def _t_quantile(df: np.ndarray, level: float = LEVEL) -> np.ndarray:
    from scipy.special import stdtrit

    return stdtrit(df, 0.5 + level / 2.0)


def _moments(values: np.ndarray, mask: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, ...]:
    """Count, mean and unbiased variance of the finite values selected by ``weights`` (rows: groups).

    ``values`` (R, S) with NaN replaced by 0, ``mask`` (R, S) 1.0 where finite, ``weights``
    (G, R) 0/1: which respondents each of G groups holds. Returns arrays of shape (G, S).
    """
    n = weights @ mask
    s1 = weights @ values
    s2 = weights @ (values * values)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n
        var = (s2 - n * mean * mean) / (n - 1)
    return n, mean, np.maximum(var, 0.0)


def _welch(na: np.ndarray, ma: np.ndarray, va: np.ndarray, nb: np.ndarray, mb: np.ndarray, vb: np.ndarray):  # noqa: ANN202
    """Welch's t, its degrees of freedom and standard error (NaN where undefined)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ea, eb = va / na, vb / nb
        se = np.sqrt(ea + eb)
        t = (mb - ma) / se
        df = (ea + eb) ** 2 / (ea**2 / (na - 1) + eb**2 / (nb - 1))
    ok = (na >= 2) & (nb >= 2) & (se > 0)
    return np.where(ok, t, np.nan), np.where(ok, df, np.nan), np.where((na >= 2) & (nb >= 2), se, np.nan)


def _arrangements(n_a: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """0/1 rows marking which of ``n`` respondents form variant a in each arrangement.

    The first row is always the observed arrangement (the first ``n_a`` respondents).
    """
    total = math.comb(n, n_a)
    if total <= EXACT_LIMIT:
        rows = np.zeros((total, n))
        for i, chosen in enumerate(combinations(range(n), n_a)):
            rows[i, list(chosen)] = 1.0
        observed = np.zeros(n)
        observed[:n_a] = 1.0
        first = int(np.flatnonzero((rows == observed).all(axis=1))[0])
        rows[[0, first]] = rows[[first, 0]]
        return rows, True
    rows = np.zeros((PERMUTATIONS + 1, n))
    rows[0, :n_a] = 1.0
    # The n_a smallest of n independent uniform keys are a uniformly random choice of n_a respondents.
    chosen = np.argpartition(rng.random((PERMUTATIONS, n)), n_a - 1, axis=1)[:, :n_a]
    rows[np.arange(1, PERMUTATIONS + 1)[:, None], chosen] = 1.0
    return rows, False


def compare_columns(a: np.ndarray, b: np.ndarray, test: str | None = None, seed: int = SEED) -> list[TestResult]:
    """Test b − a column by column: ``a`` (Ra, S) and ``b`` (Rb, S) hold one row per respondent.

    NaN marks a respondent without a value in that column (no face in that second); they are
    left out of that column's means. ``test`` forces Welch's t or the permutation test;
    by default the permutation test is used when either variant has fewer than
    :data:`SMALL_N` respondents. The permutation test shuffles the variant labels of all
    respondents at once (every column sees the same arrangements) and compares Welch's t of
    each arrangement with the observed one; its two-sided p is twice the smaller one-sided p
    (as ``scipy.stats.permutation_test`` computes it), with the observed arrangement counted
    when arrangements are drawn at random.
    """
    a = np.atleast_2d(np.asarray(a, dtype=np.float64))
    b = np.atleast_2d(np.asarray(b, dtype=np.float64))
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"columns differ: {a.shape[1]} and {b.shape[1]}")
    ra, rb = len(a), len(b)
    if test is None:
        test = PERMUTATION if min(ra, rb) < SMALL_N else WELCH
    both = np.concatenate([a, b])
    mask = np.isfinite(both).astype(np.float64)
    values = np.where(mask > 0, both, 0.0)
    groups = np.zeros((2, ra + rb))
    groups[0, :ra] = 1.0
    groups[1, ra:] = 1.0
    n, mean, var = _moments(values, mask, groups)
    t, df, se = _welch(n[0], mean[0], var[0], n[1], mean[1], var[1])
    diff = mean[1] - mean[0]
    half = _t_quantile(np.where(np.isfinite(df), df, 1.0)) * se
    # With no spread in either variant se is 0: the interval is the difference itself.
    lo = np.where(np.isfinite(se), diff - np.where(se > 0, half, 0.0), np.nan)
    hi = np.where(np.isfinite(se), diff + np.where(se > 0, half, 0.0), np.nan)
    arrangements, exact = 0, False
    if test == WELCH:
        p = _t_sf2(t, df)
    else:
        rows, exact = _arrangements(ra, ra + rb, np.random.default_rng(seed))
        arrangements = len(rows)
        pn, pm, pv = _moments(values, mask, rows)
        qn, qm, qv = _moments(values, mask, 1.0 - rows)
        null, _, _ = _welch(pn, pm, pv, qn, qm, qv)  # (P, S); row 0 is the observed arrangement
        observed = null[0]
        gamma = np.abs(observed) * 1e-12 + 1e-12  # ties within rounding count as ties
        adjust = 0 if exact else 1
        finite = np.isfinite(null)
        less = ((null <= observed + gamma) & finite).sum(axis=0) - adjust
        greater = ((null >= observed - gamma) & finite).sum(axis=0) - adjust
        counted = finite.sum(axis=0) - adjust
        with np.errstate(invalid="ignore", divide="ignore"):
            p_less = (less + adjust) / (counted + adjust)
            p_greater = (greater + adjust) / (counted + adjust)
        p = np.where(np.isfinite(observed), np.minimum(1.0, 2.0 * np.minimum(p_less, p_greater)), np.nan)
    out = []
    for k in range(a.shape[1]):
        na, nb = int(n[0, k]), int(n[1, k])
        has_ci = na >= 2 and nb >= 2
        out.append(
            TestResult(
                diff=float(diff[k]) if na and nb else None,
                ci95=(float(lo[k]), float(hi[k])) if has_ci else None,
                p=float(p[k]) if np.isfinite(p[k]) else None,
                test=test,
                n=(na, nb),
                t=float(t[k]) if np.isfinite(t[k]) else None,
                df=float(df[k]) if np.isfinite(df[k]) else None,
                arrangements=arrangements,
                exact=exact,
            )
        )
    return out


def compare_means(a: np.ndarray, b: np.ndarray, test: str | None = None, seed: int = SEED) -> TestResult:
    """Test b − a for one value per respondent (NaN values are left out first).

    See :func:`compare_columns`; here the choice of test looks at the finite values only.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if test is None:
        test = PERMUTATION if min(len(a), len(b)) < SMALL_N else WELCH
    if len(a) == 0 or len(b) == 0:
        return TestResult(None, None, None, test, (len(a), len(b)))
    return compare_columns(a[:, None], b[:, None], test, seed)[0]


def bh_qvalues(p: list[float | None] | np.ndarray) -> list[float | None]:
    """Benjamini–Hochberg adjusted p-values (q-values); None stays None and is not counted.

    ``q_(i) = min over j ≥ i of m·p_(j)/j`` for the m tested p-values sorted ascending, capped
    at 1 (``scipy.stats.false_discovery_control(p, method="bh")``). Declaring every test with
    q below 0.05 significant keeps the expected share of false discoveries among them at
    most 5% (for independent or positively dependent tests, as neighbouring seconds are).
    """
    values = [None if v is None or not np.isfinite(v) else float(v) for v in p]
    idx = [i for i, v in enumerate(values) if v is not None]
    out: list[float | None] = [None] * len(values)
    if not idx:
        return out
    ps = np.array([values[i] for i in idx])
    m = len(ps)
    order = np.argsort(ps, kind="stable")
    scaled = ps[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    q = np.empty(m)
    q[order] = q_sorted
    for i, v in zip(idx, q):
        out[i] = float(v)
    return out


def peak_difference(
    a: np.ndarray, b: np.ndarray, seed: int = SEED, resamples: int = 1999
) -> tuple[float | None, tuple[float, float] | None, float | None, int, bool]:
    """The difference of two curves' peaks (the highest second of the mean over respondents).

    ``a`` (Ra, S) and ``b`` (Rb, S): each respondent's value per second (NaN without a face).
    The peak is not a mean, so Welch's t does not apply: p comes from a permutation test of
    the peak difference itself (labels shuffled, peaks recomputed), the 95% interval from a
    percentile bootstrap (respondents resampled within each variant).

    Returns:
        (difference b − a, 95% interval, p, arrangements, exact).
    """
    a = np.atleast_2d(np.asarray(a, dtype=np.float64))
    b = np.atleast_2d(np.asarray(b, dtype=np.float64))
    ra, rb = len(a), len(b)
    both = np.concatenate([a, b])
    mask = np.isfinite(both).astype(np.float64)
    values = np.where(mask > 0, both, 0.0)

    def peaks(rows: np.ndarray, data: np.ndarray, m: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            curves = (rows @ data) / (rows @ m)
        curves = np.where(np.isfinite(curves), curves, -np.inf)
        top = curves.max(axis=1)
        return np.where(np.isfinite(top), top, np.nan)

    rng = np.random.default_rng(seed)
    rows, exact = _arrangements(ra, ra + rb, rng)
    null = peaks(1.0 - rows, values, mask) - peaks(rows, values, mask)
    observed = float(null[0])
    if not np.isfinite(observed):
        return None, None, None, len(rows), exact
    gamma = abs(observed) * 1e-12 + 1e-12
    adjust = 0 if exact else 1
    finite = np.isfinite(null)
    counted = int(finite.sum()) - adjust
    less = int(((null <= observed + gamma) & finite).sum()) - adjust
    greater = int(((null >= observed - gamma) & finite).sum()) - adjust
    p = min(1.0, 2.0 * min((less + adjust) / (counted + adjust), (greater + adjust) / (counted + adjust)))
    # Bootstrap: resample respondents with replacement within each variant.
    pick_a = rng.integers(0, ra, size=(resamples, ra))
    pick_b = rng.integers(0, rb, size=(resamples, rb))
    wa = np.zeros((resamples, ra))
    wb = np.zeros((resamples, rb))
    np.add.at(wa, (np.arange(resamples)[:, None], pick_a), 1.0)
    np.add.at(wb, (np.arange(resamples)[:, None], pick_b), 1.0)
    boot = peaks(wb, values[ra:], mask[ra:]) - peaks(wa, values[:ra], mask[:ra])
    boot = boot[np.isfinite(boot)]
    ci = (float(np.quantile(boot, 0.025)), float(np.quantile(boot, 0.975))) if len(boot) else None
    return observed, ci, p, len(rows), exact
