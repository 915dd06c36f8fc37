"""Sigmoid curves and their least-squares fits, shared by every experiment.

One implementation per curve and per fit (issue 16: no logic written twice):

* :func:`logistic` - the standard logistic ``1/(1 + e^-x)`` (rate RNN units [TS]);
* :func:`sigmoid` - a population transfer function ``r_max * logistic(gain (I - threshold))``
  [S21 Fig. 4; MODEL.md s4] and :func:`fit_sigmoid`;
* :func:`hill` - a Hill-type dose-response to a scale factor (the logistic in ``log f``) and
  :func:`fit_hill` (its EC50 and slope, spiking dose-response [TS]);
* :func:`fit_ec50` - the EC50 of a response in [0, 1] that is logistic in ``f``
  (``1 - 1/(1 + exp(a f + b))``, rate RNN [TS]).

The three curves are the same logistic family in the parametrisation each experiment reports;
each keeps the floating-point form it was calibrated with (``tanh`` form, clipped ``exp``,
power form), so the fitted numbers do not depend on which module calls them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["logistic", "sigmoid", "fit_sigmoid", "hill", "fit_hill", "fit_ec50",
           "R_MAX_FACTOR"]

#: bound of the fitted maximum rate relative to the largest measured rate (:func:`fit_sigmoid`)
R_MAX_FACTOR = 2.0


def logistic(x):
    """Standard logistic function, written as ``0.5 (1 + tanh(x / 2))`` (no overflow).

    Parameters
    ----------
    x : array_like
        Argument (dimensionless).

    Returns
    -------
    numpy.ndarray or float
        ``1 / (1 + exp(-x))``, in (0, 1).

    Example
    -------
    >>> float(logistic(0.0))
    0.5
    """
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def sigmoid(I, r_max, gain, threshold):
    """Population transfer function ``r_max / (1 + exp(-gain (I - threshold)))`` [S21 Fig. 4].

    The exponent is clipped to [-60, 60] so that no overflow warning occurs far from threshold.

    Parameters
    ----------
    I : array_like
        Input (pA in the transfer-function fits).
    r_max : float
        Saturation rate (Hz).
    gain : float
        Slope factor (1/pA).
    threshold : float
        Input at half-maximal rate (pA).

    Returns
    -------
    numpy.ndarray or float
        Rate (Hz).

    Example
    -------
    >>> float(sigmoid(300.0, 200.0, 0.01, 300.0))
    100.0
    """
    return r_max / (1.0 + np.exp(np.clip(-gain * (I - threshold), -60, 60)))


def fit_sigmoid(I_pA, rate_Hz) -> dict:
    """Least-squares fit of :func:`sigmoid` (scipy ``curve_fit``, bounded, a few starts).

    Spiking f-I curves need not saturate inside the swept range: ``r_max`` is bounded to at most
    :data:`R_MAX_FACTOR` x the largest measured rate, so gain and threshold stay interpretable.

    Parameters
    ----------
    I_pA : array_like
        Inputs (pA).
    rate_Hz : array_like
        Rates (Hz), one per input.

    Returns
    -------
    dict
        ``r_max_Hz``, ``gain_per_pA``, ``threshold_pA``, ``rmse_Hz``; all NaN when no start
        converged.

    Example
    -------
    >>> I = np.linspace(0, 600, 13)
    >>> round(fit_sigmoid(I, sigmoid(I, 200.0, 0.01, 300.0))["threshold_pA"], 3)
    300.0
    """
    from scipy.optimize import curve_fit
    I = np.asarray(I_pA, dtype=float)
    r = np.asarray(rate_Hz, dtype=float)
    span = float(I.max() - I.min())
    top = max(float(r.max()), 1e-3)
    half = I[np.argmin(np.abs(r - top / 2))]
    p0 = (top * 1.2, 4.0 / span, min(half, I.max()))
    bounds = ([1e-6, 1e-6 / span, I.min() - span],
              [R_MAX_FACTOR * top, 1e3 / span, I.max() + 2 * span])
    best = None
    for th in (p0[2], I.min() + 0.5 * span, I.max()):        # a few starts; keep the best
        for gain in (p0[1], 10.0 / span):
            try:
                popt, _ = curve_fit(sigmoid, I, r, p0=(p0[0], gain, th), bounds=bounds,
                                    maxfev=20000)
            except (RuntimeError, ValueError):
                continue
            sse = float(np.sum((sigmoid(I, *popt) - r) ** 2))
            if best is None or sse < best[0]:
                best = (sse, popt)
    if best is None:
        return {"r_max_Hz": np.nan, "gain_per_pA": np.nan, "threshold_pA": np.nan, "rmse_Hz": np.nan}
    popt = best[1]
    rmse = float(np.sqrt(np.mean((sigmoid(I, *popt) - r) ** 2)))
    return {"r_max_Hz": float(popt[0]), "gain_per_pA": float(popt[1]),
            "threshold_pA": float(popt[2]), "rmse_Hz": rmse}


def hill(f, r_min, r_max, ec50, slope):
    """Hill-type response to a scale factor: ``r_min + (r_max - r_min)/(1 + (ec50/f)^slope)``.

    Parameters
    ----------
    f : array_like
        Scale factor (> 0).
    r_min, r_max : float
        Responses for ``f -> 0`` and ``f -> inf``.
    ec50 : float
        Factor at the half-way response.
    slope : float
        Hill coefficient.

    Returns
    -------
    numpy.ndarray
        Response, in the units of ``r_min`` / ``r_max``.

    Example
    -------
    >>> float(hill(2.0, 0.0, 10.0, 2.0, 4.0))
    5.0
    """
    return r_min + (r_max - r_min) / (1 + (ec50 / np.asarray(f, float)) ** slope)


def fit_hill(factors, responses) -> dict:
    """Least-squares fit of :func:`hill` (scipy ``curve_fit``, bounded).

    Parameters
    ----------
    factors : array_like
        Scale factors (> 0), at least four.
    responses : array_like
        Responses, one per factor.

    Returns
    -------
    dict
        ``r_min``, ``r_max``, ``ec50``, ``slope``, ``rmse``.

    Raises
    ------
    RuntimeError, ValueError
        From ``curve_fit`` when no Hill curve fits the points (or too few points).

    Example
    -------
    >>> f = np.array([0.25, 0.5, 1.0, 2.0, 4.0, 8.0])
    >>> round(fit_hill(f, hill(f, 1.0, 9.0, 1.5, 3.0))["ec50"], 4)
    1.5
    """
    from scipy.optimize import curve_fit
    f, r = np.asarray(factors, float), np.asarray(responses, float)
    p0 = [r.min(), r.max(), float(np.exp(np.mean(np.log(f)))), 2.0]
    bounds = ([-np.inf, -np.inf, f.min() * 1e-3, 0.05], [np.inf, np.inf, f.max() * 1e3, 50.0])
    popt, _ = curve_fit(hill, f, r, p0=p0, bounds=bounds, maxfev=20000)
    rmse = float(np.sqrt(np.mean((hill(f, *popt) - r) ** 2)))
    return {"r_min": float(popt[0]), "r_max": float(popt[1]), "ec50": float(popt[2]),
            "slope": float(popt[3]), "rmse": rmse}


def fit_ec50(f_values, output) -> tuple[float, float, float]:
    """Fit ``1 - 1/(1 + exp(a f + b))`` to a response in [0, 1] [TS]; EC50 = ``-b/a``.

    Parameters
    ----------
    f_values : array_like
        Modulation factors.
    output : array_like
        Response at each factor, in [0, 1].

    Returns
    -------
    tuple of float
        ``(ec50, a, b)``.

    Raises
    ------
    RuntimeError
        From ``curve_fit`` when the fit does not converge.

    Example
    -------
    >>> f = np.linspace(0, 2, 21)
    >>> round(fit_ec50(f, 1 - 1 / (1 + np.exp(-4 * f + 3)))[0], 4)
    0.75
    """
    from scipy.optimize import curve_fit

    def curve(fv, a, b):
        return 1.0 - 1.0 / (1.0 + np.exp(np.clip(a * fv + b, -50, 50)))

    f_values = np.asarray(f_values, dtype=float)
    y = np.asarray(output, dtype=float)
    mid = f_values[np.argmin(np.abs(y - 0.5))]
    (a, b), _ = curve_fit(curve, f_values, y, p0=(-1.0, mid), maxfev=20000)
    return float(-b / a), float(a), float(b)
