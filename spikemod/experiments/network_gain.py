"""Population f-I of the W25 thalamocortical L5 ring under dendritic drive and coupling
[RG25 claims 1-2; MODEL.md s3] (protocol ``network-gain``).

The published W25 circuit (:func:`spikemod.network.build_microcircuit`) is replicated once per
(dendritic drive, coupling) pair and all copies run side by side in one simulation, so one
build serves them all and they share the drive statistics. The feed-forward Poisson rate onto
every pyramidal soma (and onto the interneurons, at W25's weak weight) steps through the drive
levels; each step's second half is measured: the mean pyramidal rate and the burst-mode
fraction (share of time steps with the calcium switch on). The gain of a condition is the
least-squares slope of rate against drive over the firing points
(:func:`spikemod.analysis.fi.fi_gain`). RG25's claims: dendritic drive (1) and coupling (2)
raise that gain.
"""

from __future__ import annotations

import numpy as np
from brian2 import Hz, StateMonitor, second

from spikemod.analysis.fi import fi_gain, rates_in_window
from spikemod.cells import grid_values
from spikemod.device import simulation
from spikemod.experiments.common import (CircuitRun, claims_reader, coupling_label,
                                         population_monitors, population_sizes)
from spikemod.io.monitors import spike_arrays
from spikemod.network import build_microcircuit

__all__ = ["NAME", "COLUMNS", "SUMMARY_COLUMNS", "DEFAULTS", "simulate", "summarize", "claim",
           "claims_from_results", "figure"]

NAME = "network-gain"
COLUMNS = ["drive_Hz", "dend_drive_Hz", "coupling", "rate_Hz", "burst_mode_fraction"]
SUMMARY_COLUMNS = ["dend_drive_Hz", "coupling", "gain_Hz_per_Hz"]

#: the design of the README's numbers (W25's background drive is 600 Hz onto the soma and
#: 50 Hz onto the dendrite)
DEFAULTS = {
    "drive_Hz": (300.0, 400.0, 500.0, 600.0, 800.0, 1000.0, 1200.0, 1400.0),
    "dend_drive_Hz": (50.0, 300.0, 600.0),
    "coupling": ("thalamic", 0.0, 1.0),
    "step_s": 0.5,
}


def simulate(model, drive_Hz=None, dend_drive_Hz=None, coupling=None, *, step_s=None,
             device="runtime", seed=None, build_dir=None, report=None) -> CircuitRun:
    """Population f-I of the pyramidal cells on the W25 circuit, one copy per condition.

    Parameters
    ----------
    model : spikemod.params.Model
        The circuit's model.
    drive_Hz : sequence of float, optional
        Feed-forward Poisson rates, stepped through in order (default ``DEFAULTS``).
    dend_drive_Hz : sequence of float, optional
        Dendritic Poisson rate of each copy (default ``DEFAULTS``).
    coupling : sequence, optional
        Coupling conditions: ``'thalamic'`` (W25's thalamus-driven coupling) or fixed ``g_c``
        values (those copies keep ``g_c``; the thalamus still drives their dendrites).
    step_s : float, optional
        Duration of each drive step, s; its second half is measured (default 0.5).
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.

    Returns
    -------
    CircuitRun
        ``rows`` with :data:`COLUMNS` (one per drive step and copy), spikes of every
        population, ``info`` with ``copies`` and ``cells_per_copy``.

    Example
    -------
    >>> run = simulate(load_model(), [400, 800], [50], ["thalamic"], step_s=0.2)  # doctest: +SKIP
    >>> summarize(run.rows)                                                      # doctest: +SKIP
    """
    drive_Hz = DEFAULTS["drive_Hz"] if drive_Hz is None else drive_Hz
    dend_drive_Hz = DEFAULTS["dend_drive_Hz"] if dend_drive_Hz is None else dend_drive_Hz
    coupling = DEFAULTS["coupling"] if coupling is None else coupling
    step = (DEFAULTS["step_s"] if step_s is None else step_s) * second
    labels = [coupling_label(c) for c in coupling]
    dend, cidx = grid_values(dend_drive_Hz, np.arange(len(labels)))
    cidx = cidx.astype(int)
    copies = dend.size
    time_step = model["sim.dt"]
    half = step / 2
    thalamic = any(lab == "thalamic" for lab in labels) and int(model["connectivity.n_thal"]) > 0
    with simulation(device, seed=seed, dt=time_step, build_dir=build_dir) as sim:
        mc = build_microcircuit(model, copies=copies, rng_seed=seed,
                                coupling="thalamic" if thalamic else "fixed")
        n = mc.sizes["pyr"]
        copy = np.repeat(np.arange(copies), n)
        fixed = np.array([lab != "thalamic" for lab in labels])[cidx][copy]
        gc = np.array([0.0 if lab == "thalamic" else lab for lab in labels])[cidx][copy]
        if thalamic:
            mc.pyr.gc_dynamic = (~fixed).astype(float)
            mc.pyr.gc_fixed = gc
        mc.pyr.g_c = np.where(fixed, gc, 0.0)
        mc.drive["fb_pyr"].rates = dend[copy] * Hz
        mons = population_monitors(mc)
        bursts = StateMonitor(mc.pyr, "burst_steps", record=True, dt=half,
                              when="end", name="burst_steps_mon")
        net = mc.network(*mons.values(), bursts)
        for rate in drive_Hz:
            for key, src in mc.drive.items():
                if key.startswith("ff_"):
                    src.rates = rate * Hz
            net.run(step, report=report)
        sim.finish()
        spikes = {pop: spike_arrays(m) for pop, m in mons.items()}
        steps = np.array(bursts.burst_steps[:])   # (neurons, samples at half-step ends)
    ids, times = spikes["pyr"]
    step_s, n_window = float(step / second), int(round(float(half / time_step)))
    rows = []
    for k, rate in enumerate(drive_Hz):
        t0, t1 = (k + 0.5) * step_s, (k + 1) * step_s
        r = rates_in_window(ids, times, n * copies, t0, t1)
        bmf = (steps[:, 2 * k + 1] - steps[:, 2 * k]) / n_window
        for c in range(copies):
            sel = copy == c
            rows.append({"drive_Hz": float(rate), "dend_drive_Hz": float(dend[c]),
                         "coupling": labels[cidx[c]], "rate_Hz": float(r[sel].mean()),
                         "burst_mode_fraction": float(bmf[sel].mean())})
    return CircuitRun(rows, spikes, len(drive_Hz) * step_s,
                      {"copies": copies, "cells_per_copy": mc.sizes}, population_sizes(mc))


def summarize(rows) -> list[dict]:
    """Gain per condition: least-squares slope of rate against drive over the firing points.

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows (or ``network_gain.csv`` read back).

    Returns
    -------
    list of dict
        One row per (dendritic drive, coupling) with :data:`SUMMARY_COLUMNS`.

    Example
    -------
    >>> rows = [{"drive_Hz": d, "dend_drive_Hz": 50.0, "coupling": 1.0, "rate_Hz": r}
    ...         for d, r in ((400, 0.0), (600, 2.0), (800, 6.0))]
    >>> round(summarize(rows)[0]["gain_Hz_per_Hz"], 6)
    0.02
    """
    keys = ("dend_drive_Hz", "coupling")
    out = []
    for dend, c in sorted({tuple(r[k] for k in keys) for r in rows}, key=str):
        sel = [r for r in rows if (r["dend_drive_Hz"], r["coupling"]) == (dend, c)]
        out.append({"dend_drive_Hz": dend, "coupling": c,
                    "gain_Hz_per_Hz": fi_gain([r["drive_Hz"] for r in sel],
                                              [r["rate_Hz"] for r in sel])})
    return out


def claim(summary) -> list[dict]:
    """RG25 claims 1-2 on this run: dendritic drive raises the population gain (thalamic
    coupling and the largest fixed ``g_c``), and coupling raises it (largest vs smallest fixed
    ``g_c``, at the largest dendritic drive).

    Parameters
    ----------
    summary : list of dict
        :func:`summarize`'s rows (``coupling`` ``'thalamic'`` or a float).

    Returns
    -------
    list of dict
        ``claim, measure, value, reference, reproduced`` per claim.
    """
    g = {(float(r["dend_drive_Hz"]), coupling_label(r["coupling"])): float(r["gain_Hz_per_Hz"])
         for r in summary}
    dends = sorted({k[0] for k in g})
    dmax, dmin = dends[-1], dends[0]
    fixed = sorted(k[1] for k in g if k[1] != "thalamic")
    thalamic = ["thalamic"] if "thalamic" in {k[1] for k in g} else []
    out = []
    for c in thalamic + fixed[-1:]:
        out.append({"claim": "1 dendritic drive raises gain ("
                             f"{'thalamic coupling' if c == 'thalamic' else f'g_c {c:g}'})",
                    "measure": "gain_Hz_per_Hz at max vs min dendritic drive",
                    "value": g[(dmax, c)], "reference": g[(dmin, c)],
                    "reproduced": bool(g[(dmax, c)] > g[(dmin, c)])})
    if len(fixed) >= 2:
        cmax, cmin = fixed[-1], fixed[0]
        out.append({"claim": "2 coupling raises gain",
                    "measure": "gain_Hz_per_Hz at max vs min fixed g_c, max dendritic drive",
                    "value": g[(dmax, cmax)], "reference": g[(dmax, cmin)],
                    "reproduced": bool(g[(dmax, cmax)] > g[(dmax, cmin)])})
    return out


claims_from_results = claims_reader(claim, "network_gain_summary.csv")


def figure(rows, summary):
    """Population rate (top) and burst-mode fraction (bottom) against feed-forward drive, one
    column per coupling, one curve per dendritic drive; right: gain per condition.

    Parameters
    ----------
    rows, summary : list of dict
        :func:`simulate`'s rows and :func:`summarize`'s rows.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from spikemod import plotting
    gains = {(s["dend_drive_Hz"], s["coupling"]): s["gain_Hz_per_Hz"] for s in summary}
    couplings = sorted({r["coupling"] for r in rows}, key=str)
    dends = sorted({r["dend_drive_Hz"] for r in rows})
    ncol = len(couplings) + 1

    def name(gc):
        return "thalamic coupling" if gc == "thalamic" else f"g_c = {gc:g}"
    fig, axes = plotting.figure(2, ncol, width=2.6 * ncol, height=4.8)
    top = max(r["rate_Hz"] for r in rows)
    for col, gc in enumerate(couplings):
        rates, modes = {}, {}
        for dd in dends:
            sel = sorted((r for r in rows if r["coupling"] == gc and r["dend_drive_Hz"] == dd),
                         key=lambda r: r["drive_Hz"])
            x = [r["drive_Hz"] for r in sel]
            rates[f"{dd:g} Hz"] = [r["rate_Hz"] for r in sel]
            modes[f"{dd:g} Hz"] = [r["burst_mode_fraction"] for r in sel]
        plotting.family(axes[0, col], x, rates,
                        ylabel="pyramidal rate (Hz)" if col == 0 else "", title=name(gc),
                        legend_title="dendritic drive", cmap="plasma", legend=(col == 0))
        plotting.family(axes[1, col], x, modes, xlabel="feed-forward drive (Hz)",
                        ylabel="burst-mode fraction" if col == 0 else "", cmap="plasma",
                        legend=False)
        axes[0, col].set_ylim(0, 1.05 * top + 1e-9)
        axes[1, col].set_ylim(-0.05, 1.05)
    plotting.family(axes[0, -1], dends, {name(gc): [gains[(dd, gc)] for dd in dends]
                                         for gc in couplings},
                    xlabel="dendritic drive (Hz)", ylabel="gain (Hz per Hz of drive)",
                    title="gain over firing points", cmap="viridis")
    axes[1, -1].axis("off")
    fig.suptitle("Microcircuit population gain: dendritic drive and coupling")
    return fig
