"""Broadcast-scalar neuromodulation [TS] in the spiking W25 ring: weight scaling of a target
subpopulation, its response and EC50 [MODEL.md s6].

As in the RNN neuromodulation literature [TS] a scalar factor f multiplies the synaptic weights
of a target subpopulation, here in the spiking ring (:func:`spikemod.network.build_microcircuit`):
every E->E weight (AMPA, NMDA in proportion) onto the first ``target_fraction`` of the
pyramidal cells of each copy (a contiguous arc of the ring) is multiplied by f
(:func:`spikemod.neuromod.scale_weights`); E->E elsewhere at ``ee_scale`` of W25's amplitude.
One circuit copy per factor runs in one simulation under feed-forward drive ``drive_Hz``. The
response is the mean rate of the target cells over ``duration_s`` after ``burn_in_s``; the Hill
curve r(f) = r_min + (r_max - r_min)/(1 + (EC50/f)^slope) is fitted by least squares
(:func:`spikemod.analysis.fits.fit_hill`).
"""

from __future__ import annotations

import numpy as np
from brian2 import Hz, SpikeMonitor, second

from spikemod.analysis.fi import rates_in_window
from spikemod.analysis.fits import fit_hill, hill
from spikemod.device import simulation
from spikemod.experiments.common import CircuitRun, scaled_recurrence
from spikemod.io.monitors import spike_arrays
from spikemod.network import build_microcircuit
from spikemod.neuromod import scale_weights

__all__ = ["NAME", "COLUMNS", "DEFAULTS", "simulate", "summarize", "figure"]

NAME = "dose-response"
COLUMNS = ["factor", "response"]          # dose_response.csv

#: the design of the README's numbers
DEFAULTS = {
    "factors": (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 3.0, 4.0),   # weight factors f
    "target_fraction": 0.5,               # share of the pyramidal cells whose E->E input scales
    "drive_Hz": 1000.0,                   # feed-forward Poisson rate
    "burn_in_s": 0.5,                     # discarded transient
    "duration_s": 2.0,                    # measured window
    "ee_scale": 1.0,                      # E->E amplitude x this (1: published circuit)
}


def simulate(model, factors=DEFAULTS["factors"], *,
             target_fraction=DEFAULTS["target_fraction"], drive_Hz=DEFAULTS["drive_Hz"],
             burn_in_s=DEFAULTS["burn_in_s"], duration_s=DEFAULTS["duration_s"],
             ee_scale=DEFAULTS["ee_scale"], device="runtime", seed=None, build_dir=None,
             report=None) -> CircuitRun:
    """Run the ring with the target's E->E weights scaled by each factor, one copy per factor.

    Parameters
    ----------
    model : spikemod.params.Model
        The W25 circuit.
    factors : sequence of float
        Weight factors f > 0 (default :data:`DEFAULTS`).
    target_fraction, drive_Hz, burn_in_s, duration_s, ee_scale
        The design (defaults: :data:`DEFAULTS`).
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.

    Returns
    -------
    CircuitRun
        ``rows`` ``{factor, response}`` (response: mean rate of the target cells, Hz); the
        pyramidal spikes of every copy; ``info`` with ``n_target``, ``n_exc``, ``copies``.

    Example
    -------
    >>> run = simulate(load_model(), (0.25, 1, 1.5, 2, 3), duration_s=0.5)   # doctest: +SKIP
    >>> summarize(run.rows)["ec50"]                                         # doctest: +SKIP
    """
    fac = np.asarray(factors, float)
    copies = fac.size
    m = scaled_recurrence(model, ee_scale)
    with simulation(device, seed=seed, dt=model["sim.dt"], build_dir=build_dir) as sim:
        mc = build_microcircuit(m, copies=copies, rng_seed=seed)
        n = mc.sizes["pyr"]
        n_target = max(1, int(round(target_fraction * n)))
        for ci, f in enumerate(fac):
            scale_weights(mc.synapses["EE"], "w", float(f),
                          target=f"copy_post == {ci} and j - {ci * n} < {n_target}")
        for key, src in mc.drive.items():          # every feed-forward source at drive_Hz
            if key.startswith("ff_"):
                src.rates = drive_Hz * Hz
        spikes = SpikeMonitor(mc.pyr, name="pyr_spikes")
        net = mc.network(spikes)
        net.run((burn_in_s + duration_s) * second, report=report)
        sim.finish()
        ids, times = spike_arrays(spikes)
    t0, t1 = float(burn_in_s), float(burn_in_s + duration_s)
    r = rates_in_window(ids, times, n * copies, t0, t1)
    rows = [{"factor": float(f), "response": float(r[ci * n + np.arange(n_target)].mean())}
            for ci, f in enumerate(fac)]
    return CircuitRun(rows, {"pyr": (ids, times)}, t1,
                      {"n_target": n_target, "n_exc": n, "copies": copies})


def summarize(rows) -> dict:
    """The Hill fit of the response against the factor.

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows.

    Returns
    -------
    dict
        :func:`spikemod.analysis.fits.fit_hill`'s result (``r_min, r_max, ec50, slope, rmse``),
        or ``{"error": message}`` when no sigmoid goes through the points.

    Example
    -------
    >>> summarize([{"factor": f, "response": 2 + 8 / (1 + (1.0 / f) ** 6)}
    ...            for f in (0.25, 0.5, 1, 2, 4)])["ec50"]                    # doctest: +SKIP
    1.0
    """
    try:
        return fit_hill([x["factor"] for x in rows], [x["response"] for x in rows])
    except (RuntimeError, ValueError) as exc:   # no sigmoid through the points
        return {"error": str(exc).splitlines()[0]}


def figure(rows, fit):
    """Response of the target subpopulation against the weight factor, with the Hill fit.

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows.
    fit : dict
        :func:`summarize`'s result.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> fig = figure(run.rows, summarize(run.rows))      # doctest: +SKIP
    """
    from spikemod import plotting
    fig, axes = plotting.figure(1, 1, width=3.8)
    ax = axes[0, 0]
    f = np.array([r["factor"] for r in rows])
    ax.plot(f, [r["response"] for r in rows], "o", color=plotting.COLORS["pyr"],
            label="spiking ring")
    if "ec50" in fit:
        ff = np.geomspace(f.min(), f.max(), 200)
        ax.plot(ff, hill(ff, fit["r_min"], fit["r_max"], fit["ec50"], fit["slope"]), "-",
                color=plotting.COLORS["dend"],
                label=f"fit: EC50 {fit['ec50']:.2f}, slope {fit['slope']:.1f}")
        ax.axvline(fit["ec50"], color="0.6", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel("weight factor f")
    ax.set_ylabel("target rate (Hz)")
    ax.set_title("broadcast weight scaling")
    ax.legend()
    return fig
