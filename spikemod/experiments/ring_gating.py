"""A localised stimulus on the W25 ring with PV->E inhibition on and off [RG25 claim 4;
MODEL.md s3] (protocol ``ring-gating``).

Two copies of the W25 ring (:func:`spikemod.network.build_microcircuit`) run side by side in
one simulation: ``pv_on`` (the model's PV->E kernel) and ``pv_off`` (PV->E weights zero). Both
receive the same stimulus: feed-forward Poisson drive with W25's selectivity
``exp(-((n - n0)/width)^2)`` around a ring position, onto pyramidal and PV cells. The rate of
every pyramidal cell is measured after a burn-in. RG25's claim 4: soma-targeted inhibition
raises the threshold of the stimulated cells' neighbours through the Gaussian PV->E kernel,
gating the spread of activity: cells far from the stimulus (more than :data:`FAR_RAD`) fire
less with PV->E than without.
"""

from __future__ import annotations

import numpy as np
from brian2 import Hz, nS, second

from spikemod.analysis.fi import rates_in_window
from spikemod.device import simulation
from spikemod.experiments.common import (CircuitRun, claims_reader, population_monitors,
                                         population_sizes)
from spikemod.io.monitors import spike_arrays
from spikemod.network import build_microcircuit

__all__ = ["NAME", "CONDITIONS", "COLUMNS", "DEFAULTS", "FAR_RAD", "simulate", "claim",
           "claims_from_results", "figure"]

NAME = "ring-gating"
CONDITIONS = ("pv_on", "pv_off")
COLUMNS = ["neuron", "distance_rad", "condition", "rate_Hz"]

#: ``stim_rate_Hz`` None = the model's ``drive.rate_soma``
DEFAULTS = {"stim_rate_Hz": None, "center_rad": float(np.pi), "burn_in_s": 0.3,
            "duration_s": 1.0}

#: the stimulus' neighbours of claim 4: cells more than a quarter ring away from its centre
FAR_RAD = np.pi / 2


def simulate(model, *, stim_rate_Hz=None, center_rad=None, burn_in_s=None, duration_s=None,
             device="runtime", seed=None, build_dir=None, report=None) -> CircuitRun:
    """Localised stimulus on two copies of the ring, PV->E on (copy 0) and off (copy 1).

    Parameters
    ----------
    model : spikemod.params.Model
        The ring's model (needs PV cells).
    stim_rate_Hz : float, optional
        Peak stimulus Poisson rate, Hz (default the model's ``drive.rate_soma``).
    center_rad : float, optional
        Stimulus centre on the ring, rad (default pi).
    burn_in_s, duration_s : float, optional
        Discarded transient and measured window, s (defaults :data:`DEFAULTS`).
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.

    Returns
    -------
    CircuitRun
        ``rows`` with :data:`COLUMNS` (every pyramidal cell of both copies); spikes of every
        population.

    Raises
    ------
    ValueError
        Without PV cells (``connectivity.n_pv = 0``).

    Example
    -------
    >>> run = simulate(load_model(), duration_s=0.5)    # doctest: +SKIP
    >>> claim(run.rows)[0]["reproduced"]                 # doctest: +SKIP
    True
    """
    rate = model["drive.rate_soma"] if stim_rate_Hz is None else stim_rate_Hz * Hz
    center_rad = DEFAULTS["center_rad"] if center_rad is None else center_rad
    burn_in_s = DEFAULTS["burn_in_s"] if burn_in_s is None else burn_in_s
    duration_s = DEFAULTS["duration_s"] if duration_s is None else duration_s
    with simulation(device, seed=seed, dt=model["sim.dt"], build_dir=build_dir) as sim:
        mc = build_microcircuit(model, geometry="ring", copies=2, rng_seed=seed)
        if mc.pv is None:
            raise ValueError("ring-gating needs PV cells (connectivity.n_pv > 0)")
        for pop in ("pyr", "pv", "som"):
            key = f"ff_{pop}"
            if key in mc.drive:
                mc.drive[key].rates = np.tile(mc.selective_rates(pop, rate, center_rad), 2)
        mc.synapses["PVE"].w["copy_pre == 1"] = 0 * nS
        mons = population_monitors(mc)
        net = mc.network(*mons.values())
        net.run((burn_in_s + duration_s) * second, report=report)
        sim.finish()
        spikes = {pop: spike_arrays(m) for pop, m in mons.items()}
    n = mc.sizes["pyr"]
    t0 = float(burn_in_s)
    t1 = t0 + float(duration_s)
    r = rates_in_window(*spikes["pyr"], 2 * n, t0, t1)
    dist = mc.distance("pyr", center_rad)
    rows = [{"neuron": j, "distance_rad": float(dist[j]), "condition": cond,
             "rate_Hz": float(r[c * n + j])}
            for c, cond in enumerate(CONDITIONS) for j in range(n)]
    return CircuitRun(rows, spikes, t1, {"stimulus_rate_Hz": float(rate / Hz),
                                         "center_rad": float(center_rad)}, population_sizes(mc))


def claim(rows) -> list[dict]:
    """RG25 claim 4 on this run: PV->E gates the stimulus' neighbours (mean rate of the cells
    more than :data:`FAR_RAD` from the stimulus lower with PV->E than without).

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows (or ``ring_gating.csv`` read back).

    Returns
    -------
    list of dict
        ``claim, measure, value, reference, reproduced``.

    Example
    -------
    >>> rows = [{"neuron": 0, "distance_rad": 3.0, "condition": c, "rate_Hz": r}
    ...         for c, r in (("pv_on", 0.0), ("pv_off", 50.0))]
    >>> claim(rows)[0]["reproduced"]
    True
    """
    far = {c: float(np.mean([float(r["rate_Hz"]) for r in rows if r["condition"] == c
                             and float(r["distance_rad"]) > FAR_RAD]))
           for c in CONDITIONS}
    return [{"claim": "4 PV gates the stimulus' neighbours",
             "measure": "mean rate > pi/2 from the stimulus, pv_on vs pv_off (Hz)",
             "value": far["pv_on"], "reference": far["pv_off"],
             "reproduced": bool(far["pv_on"] < far["pv_off"])}]


claims_from_results = claims_reader(claim, "ring_gating.csv")


def figure(rows):
    """Rate of every pyramidal cell along the ring (left) and against its distance from the
    stimulus (right), PV->E on and off.

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from spikemod import plotting
    fig, axes = plotting.figure(1, 2, width=7.0, height=2.9)
    for cond, color in (("pv_off", plotting.COLORS["control"]), ("pv_on", plotting.COLORS["pv"])):
        sel = sorted((r for r in rows if r["condition"] == cond), key=lambda r: r["neuron"])
        axes[0, 0].plot([r["neuron"] for r in sel], [r["rate_Hz"] for r in sel], "-",
                        color=color, label=cond)
        sel = sorted(sel, key=lambda r: r["distance_rad"])
        axes[0, 1].plot([r["distance_rad"] for r in sel], [r["rate_Hz"] for r in sel], ".",
                        ms=3, color=color, label=cond)
    axes[0, 0].set_xlabel("pyramidal cell (ring position)")
    axes[0, 0].set_ylabel("rate (Hz)")
    axes[0, 0].legend()
    axes[0, 1].set_xlabel("distance from stimulus (rad)")
    fig.suptitle("PV->E inhibition gates the neighbours of a localised stimulus")
    return fig
