"""The statistics of an A/B campaign, one 2x2 table per row: responders and
non-responders in the treated and the control arm.

Everything is vectorised over rows (segments) with NumPy; only Fisher's exact
test loops, over scipy's function, once per row. Rows where a quantity is not
defined (an empty arm) get NaN, never a NumPy warning.

- :func:`wilson_interval`: the Wilson score interval of one proportion.
- :func:`newcombe_interval`: the interval of a difference of two proportions
  by Newcombe's hybrid score method.
- :func:`pooled_z_p_values`: the pooled two-proportion z-test.
- :func:`z_test_is_valid`: where every expected count is at least 5.
- :func:`fisher_p_values`: Fisher's exact test (scipy, an optional dependency).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

__all__ = [
    "MIN_EXPECTED",
    "Z95",
    "fisher_p_values",
    "newcombe_interval",
    "pooled_z_p_values",
    "wilson_interval",
    "z_test_is_valid",
]

# The two-sided 95% quantile of the standard normal distribution (1.959963984540054).
Z95 = NormalDist().inv_cdf(0.975)
# The usual rule for the z-test (and the chi-squared test) of a 2x2 table: every expected count
# at least 5 (Cochran 1954); below that the normal approximation is poor and the exact test is used.
MIN_EXPECTED = 5


def _floats(*arrays: np.ndarray) -> list[np.ndarray]:
    return [np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in arrays]


def wilson_interval(x: np.ndarray, n: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of the proportions ``x / n`` (NaN where ``n`` is 0).

    With ``p = x / n``: ``(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``
    (Wilson 1927; Newcombe 1998, method 3 of "Two-sided confidence intervals
    for the single proportion", Statistics in Medicine 17, 857-872). Unlike
    the Wald interval it stays inside [0, 1] and is not empty at 0 or n.

    Parameters
    ----------
    x, n : array_like
        Successes and trials, ``0 <= x <= n``.
    z : float
        The normal quantile (1.96 for 95%).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The lower and upper limits.

    Examples
    --------
    >>> from rfmkit.analysis.stats import wilson_interval
    >>> low, high = wilson_interval([81], [263])
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.2553, 0.3662)
    """
    xf, nf = _floats(x, n)
    low = np.full(np.broadcast(xf, nf).shape, np.nan)
    high = low.copy()
    ok = nf > 0
    xs, ns = np.broadcast_to(xf, low.shape)[ok], np.broadcast_to(nf, low.shape)[ok]
    z2 = z * z
    centre = (xs + z2 / 2) / (ns + z2)
    half = z * np.sqrt(xs * (ns - xs) / ns + z2 / 4) / (ns + z2)
    low[ok] = np.clip(centre - half, 0.0, 1.0)
    high[ok] = np.clip(centre + half, 0.0, 1.0)
    return low, high


def newcombe_interval(
    x1: np.ndarray, n1: np.ndarray, x0: np.ndarray, n0: np.ndarray, z: float = Z95
) -> tuple[np.ndarray, np.ndarray]:
    """The confidence interval of ``x1/n1 - x0/n0`` by Newcombe's hybrid score method.

    Method 10 of Newcombe (1998), "Interval estimation for the difference
    between independent proportions: comparison of eleven methods",
    Statistics in Medicine 17, 873-890. With ``p1 = x1/n1``, ``p0 = x0/n0``,
    ``d = p1 - p0`` and ``(l1, u1)``, ``(l0, u0)`` the Wilson score intervals
    of ``p1`` and ``p0`` (:func:`wilson_interval`)::

        low  = d - sqrt((p1 - l1)² + (u0 - p0)²)
        high = d + sqrt((u1 - p1)² + (p0 - l0)²)

    It stays inside [-1, 1], is never of zero width, and keeps close to the
    nominal coverage for small arms and for rates near 0 or 1, where the
    Wald interval ``d ± z·se`` fails. NaN where an arm is empty.

    Parameters
    ----------
    x1, n1 : array_like
        Responders and customers of the treated arm.
    x0, n0 : array_like
        Responders and customers of the control arm.
    z : float
        The normal quantile (1.96 for 95%).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The lower and upper limits of the difference.

    Examples
    --------
    Newcombe's example (a) of table II, 56/70 - 48/80 = 0.2:

    >>> from rfmkit.analysis.stats import newcombe_interval
    >>> low, high = newcombe_interval([56], [70], [48], [80])
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.0524, 0.3339)
    """
    x1f, n1f, x0f, n0f = _floats(x1, n1, x0, n0)
    l1, u1 = wilson_interval(x1f, n1f, z)
    l0, u0 = wilson_interval(x0f, n0f, z)
    shape = l1.shape
    p1 = np.full(shape, np.nan)
    p0 = np.full(shape, np.nan)
    np.divide(x1f, n1f, out=p1, where=n1f > 0)
    np.divide(x0f, n0f, out=p0, where=n0f > 0)
    d = p1 - p0  # NaN (quietly) where an arm is empty
    low = d - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return low, high


def pooled_z_p_values(x1: np.ndarray, n1: np.ndarray, x0: np.ndarray, n0: np.ndarray) -> np.ndarray:
    """Two-sided p-values of the pooled two-proportion z-test, per row.

    ``z = (p1 - p0) / sqrt(p(1-p)(1/n1 + 1/n0))`` with ``p`` the pooled rate,
    ``p = 2·(1 - Φ(|z|))``; the same as the chi-squared test of the 2x2 table
    without continuity correction. NaN where an arm is empty or nobody (or
    everybody) responded.

    Parameters
    ----------
    x1, n1, x0, n0 : array_like
        Responders and customers of the treated and the control arm.

    Returns
    -------
    numpy.ndarray
        The p-values.

    Examples
    --------
    >>> from rfmkit.analysis.stats import pooled_z_p_values
    >>> [round(float(p), 4) for p in pooled_z_p_values([30, 0], [100, 5], [20, 0], [100, 5])]
    [0.1025, nan]
    """
    x1f, n1f, x0f, n0f = _floats(x1, n1, x0, n0)
    out = np.full(np.broadcast(x1f, n1f, x0f, n0f).shape, np.nan)
    ok = (n1f > 0) & (n0f > 0) & (x1f + x0f > 0) & (x1f + x0f < n1f + n0f)
    a, m, b, k = (np.broadcast_to(v, out.shape)[ok] for v in (x1f, n1f, x0f, n0f))
    pooled = (a + b) / (m + k)
    z = (a / m - b / k) / np.sqrt(pooled * (1 - pooled) * (1 / m + 1 / k))
    out[ok] = [math.erfc(abs(v) / math.sqrt(2)) for v in z]
    return out


def z_test_is_valid(x1: np.ndarray, n1: np.ndarray, x0: np.ndarray, n0: np.ndarray) -> np.ndarray:
    """Where every expected count of the 2x2 table is at least :data:`MIN_EXPECTED` (5).

    The expected count of a cell is ``row total x column total / N``; the
    smallest is ``min(n1, n0) x min(responders, non-responders) / N``,
    compared in exact integer arithmetic.

    Parameters
    ----------
    x1, n1, x0, n0 : array_like of int
        Responders and customers of the treated and the control arm.

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> from rfmkit.analysis.stats import z_test_is_valid
    >>> z_test_is_valid([1, 12], [16, 334], [0, 0], [3, 102]).tolist()
    [False, False]
    >>> z_test_is_valid([30], [100], [20], [100]).tolist()
    [True]
    """
    a, m, b, k = (np.atleast_1d(np.asarray(v, dtype=np.int64)) for v in (x1, n1, x0, n0))
    total = m + k
    responders = a + b
    smallest = np.minimum(m, k) * np.minimum(responders, total - responders)
    return (total > 0) & (smallest >= MIN_EXPECTED * total)


def fisher_p_values(x1: np.ndarray, n1: np.ndarray, x0: np.ndarray, n0: np.ndarray) -> np.ndarray:
    """Two-sided p-values of Fisher's exact test of each 2x2 table (NaN where an arm is empty).

    ``scipy.stats.fisher_exact`` on ``[[x1, n1 - x1], [x0, n0 - x0]]``: the
    probability, given the margins, of a table at most as likely as the one
    seen. It needs scipy, an optional dependency (``pip install
    'rfmkit[stats]'``), imported on first use.

    Parameters
    ----------
    x1, n1, x0, n0 : array_like of int
        Responders and customers of the treated and the control arm.

    Returns
    -------
    numpy.ndarray
        The p-values.

    Raises
    ------
    ImportError
        scipy is not installed.

    Examples
    --------
    >>> from rfmkit.analysis.stats import fisher_p_values
    >>> [round(float(p), 4) for p in fisher_p_values([1, 3], [4, 3], [0, 0], [0, 3])]
    [nan, 0.1]
    """
    try:
        from scipy.stats import fisher_exact
    except ImportError as exc:
        raise ImportError(
            "the exact test of campaign_report needs scipy: pip install 'rfmkit[stats]'"
        ) from exc
    rows = zip(
        *(np.atleast_1d(np.asarray(v, dtype=np.int64)).tolist() for v in (x1, n1, x0, n0)), strict=True
    )
    return np.array(
        [
            float(fisher_exact([[a, m - a], [b, k - b]]).pvalue) if m > 0 and k > 0 else math.nan
            for a, m, b, k in rows
        ],
        dtype=np.float64,
    )
