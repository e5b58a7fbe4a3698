"""The comparison's statistics against scipy.stats on hand-made data: Welch's t, permutation tests, BH, peaks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from emolab.compare.stats import (
    PERMUTATION,
    SMALL_N,
    WELCH,
    bh_qvalues,
    compare_columns,
    compare_means,
    peak_difference,
)
from emolab.norms.ranking import ordinal, percentile

# Hand-made samples: unequal sizes and spreads, a tie, negative values (EEI-like points).
A = np.array([12.0, -3.5, 40.0, 7.25, 7.25, 18.0, -21.0, 3.0])
B = np.array([30.0, 41.5, 22.0, 55.0, 12.0, 38.0, 61.0, 27.5, 44.0, 19.0, 35.0])


def welch_stat(x: np.ndarray, y: np.ndarray, axis: int = 0) -> np.ndarray:
    return stats.ttest_ind(y, x, equal_var=False, axis=axis).statistic


def test_welch_t_p_and_interval_equal_scipy():
    r = compare_means(A, B, test=WELCH)
    ref = stats.ttest_ind(B, A, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert r.test == WELCH and r.n == (8, 11)
    assert r.diff == pytest.approx(B.mean() - A.mean(), rel=1e-12)
    assert r.t == pytest.approx(ref.statistic, rel=1e-10)
    assert r.df == pytest.approx(ref.df, rel=1e-10)
    assert r.p == pytest.approx(ref.pvalue, rel=1e-9)
    assert r.ci95 == pytest.approx((ci.low, ci.high), rel=1e-9)
    # Respondents without a value (NaN) are left out, as if absent.
    r2 = compare_means(np.append(A, np.nan), np.insert(B, 3, np.nan), test=WELCH)
    assert r2.p == pytest.approx(ref.pvalue, rel=1e-9) and r2.n == (8, 11)


def test_exact_permutation_test_equals_scipy():
    a, b = A[:4], B[:5]  # C(9, 4) = 126 arrangements: every one enumerated
    r = compare_means(a, b)
    assert r.test == PERMUTATION and r.exact and r.arrangements == 126
    ref = stats.permutation_test(
        (a, b), welch_stat, permutation_type="independent", n_resamples=np.inf, vectorized=True
    )
    assert r.p == pytest.approx(ref.pvalue, rel=1e-12)
    # Its interval is still Welch's (the same as scipy's for these data).
    ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert r.ci95 == pytest.approx((ci.low, ci.high), rel=1e-9)


def test_random_permutation_test_agrees_with_scipy_within_monte_carlo_error():
    rng = np.random.default_rng(7)
    a, b = rng.normal(0.0, 1.0, 14), rng.normal(0.9, 1.6, 12)  # C(26, 12) is too many to enumerate
    r = compare_means(a, b)
    assert r.test == PERMUTATION and not r.exact and r.arrangements == 10_000
    ref = stats.permutation_test(
        (a, b), welch_stat, permutation_type="independent", n_resamples=9_999, vectorized=True, random_state=1
    )
    # Two independent draws of 9,999 arrangements: their p-values differ by sampling error only.
    se = np.sqrt(ref.pvalue * (1 - ref.pvalue) / 9_999)
    assert abs(r.p - ref.pvalue) < 5 * se + 1e-3
    assert compare_means(a, b).p == r.p, "the seed makes a report reproducible"


def test_test_choice_follows_sample_size():
    rng = np.random.default_rng(0)
    small = compare_means(rng.normal(size=SMALL_N - 1), rng.normal(size=40))
    large = compare_means(rng.normal(size=SMALL_N), rng.normal(size=SMALL_N))
    assert small.test == PERMUTATION and "permutation" in small.describe()
    assert large.test == WELCH and large.describe().startswith("Welch's t (df = ")


def test_columns_are_each_tested_as_alone():
    rng = np.random.default_rng(3)
    a = rng.normal(0.3, 0.1, (6, 5))
    b = rng.normal(0.35, 0.12, (7, 5))
    b[:, 2] += 0.3
    for test in (WELCH, PERMUTATION):
        cols = compare_columns(a, b, test=test)
        for k, c in enumerate(cols):
            alone = compare_means(a[:, k], b[:, k], test=test)
            assert c.p == pytest.approx(alone.p, rel=1e-12) and c.diff == pytest.approx(alone.diff)
            assert c.ci95 == pytest.approx(alone.ci95)
    # The column with the real difference is the one that stands out.
    ps = [c.p for c in compare_columns(a, b)]
    ref = stats.permutation_test(
        (a[:, 2], b[:, 2]), welch_stat, permutation_type="independent", n_resamples=np.inf, vectorized=True
    )
    assert int(np.argmin(ps)) == 2 and ps[2] == pytest.approx(ref.pvalue, rel=1e-12) and ps[2] < 0.01


def test_what_cannot_be_tested_says_so():
    one = compare_means(np.array([5.0]), np.array([1.0, 2.0, 3.0]))
    assert one.p is None and one.ci95 is None and one.diff == pytest.approx(-3.0)
    flat = compare_means(np.full(25, 100.0), np.full(25, 100.0))  # EmoNPS of everyone engaged
    assert flat.p is None and flat.diff == 0.0 and flat.ci95 == (0.0, 0.0)
    empty = compare_means(np.array([np.nan, np.nan]), np.array([1.0, 2.0]))
    assert empty.p is None and empty.diff is None


def test_benjamini_hochberg_q_values_equal_scipy():
    p = [0.001, 0.3, 0.04, None, 0.012, 0.9, 0.049, 0.02, float("nan"), 0.5]
    q = bh_qvalues(p)
    tested = [v for v in p if v is not None and np.isfinite(v)]
    ref = stats.false_discovery_control(tested, method="bh")
    got = [v for v, src in zip(q, p) if src is not None and np.isfinite(src)]
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    assert q[3] is None and q[8] is None
    # Hand-computed: m = 8; the smallest p is 0.001 * 8 / 1.
    assert q[0] == pytest.approx(0.008)


def test_peak_difference_is_a_permutation_test_of_the_peaks():
    rng = np.random.default_rng(11)
    a = np.clip(rng.normal(0.4, 0.1, (4, 6)), 0, 1)
    b = np.clip(rng.normal(0.4, 0.1, (4, 6)), 0, 1)
    b[:, 3] += 0.3  # B peaks higher at second 3
    a[1, 2] = np.nan  # a respondent without a face in one second
    diff, ci, p, arrangements, exact = peak_difference(a, b)
    assert exact and arrangements == 70  # C(8, 4)
    assert diff == pytest.approx(np.nanmax(np.nanmean(b, axis=0)) - np.nanmax(np.nanmean(a, axis=0)))

    rows = np.concatenate([a, b])

    def peaks(x: np.ndarray, y: np.ndarray) -> float:  # scipy shuffles respondents' row numbers
        ya, yb = rows[x.astype(int)], rows[y.astype(int)]
        return float(np.nanmax(np.nanmean(yb, axis=0)) - np.nanmax(np.nanmean(ya, axis=0)))

    ref = stats.permutation_test(
        (np.arange(4.0), np.arange(4.0, 8.0)), peaks, permutation_type="independent", n_resamples=np.inf
    )
    assert p == pytest.approx(ref.pvalue, rel=1e-12)
    assert ci[0] <= diff <= ci[1] and ci[0] > 0, "every respondent of B peaks higher: the interval excludes 0"


def test_mid_rank_percentile():
    norms = [10.0, 20.0, 20.0, 30.0, 40.0]
    assert percentile(25.0, norms) == pytest.approx(60.0)  # 3 below of 5
    assert percentile(20.0, norms) == pytest.approx(40.0)  # 1 below, 2 ties count half
    assert percentile(5.0, norms) == 0.0 and percentile(50.0, norms) == 100.0


def test_percentiles_read_as_ordinals():
    assert [ordinal(x) for x in (0, 1, 2, 3, 11, 12, 13, 21, 22, 67.4, 100)] == [
        "0th",
        "1st",
        "2nd",
        "3rd",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "67th",
        "100th",
    ]
