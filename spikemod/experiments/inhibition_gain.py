"""Dendrite-targeted (SOM) versus soma-targeted (PV) inhibition of the L5 pyramidal f-I curve
[RG25 claims 3-4; MODEL.md s3] (protocol ``inhibition-gain``).

Isolated synaptic pyramidal cells (circuit copies of one cell without recurrent synapses, one
per somatic current and condition, all in one simulation) receive constant somatic current and
a constant dendritic current at a fixed coupling. ``som``: GABA_A Poisson input onto the
apical dendrite (raised SOM activity); ``pv``: the same input onto the soma (raised PV
activity); ``control``: none. Each inhibitory event has the peak I->E ring weight
``IE_A / (IE_sigma sqrt(2 pi))`` of W25's kernel. Rheobase = smallest current that fires, gain
= least-squares slope over the firing points (:mod:`spikemod.analysis.fi`). RG25's claims: SOM
inhibition divides the gain with little change of rheobase (3); PV inhibition raises the
rheobase (4).
"""

from __future__ import annotations

import numpy as np
from brian2 import Hz, PoissonGroup, SpikeMonitor, Synapses, nS, pA, second

from spikemod.analysis.fi import fi_gain, rates_in_window, rheobase
from spikemod.cells import grid_values
from spikemod.device import simulation
from spikemod.experiments.common import CircuitRun, claims_reader
from spikemod.io.monitors import spike_arrays
from spikemod.network import build_microcircuit, ring_kernel

__all__ = ["NAME", "CONDITIONS", "COLUMNS", "SUMMARY_COLUMNS", "DEFAULTS", "simulate",
           "summarize", "claim", "claims_from_results", "figure"]

NAME = "inhibition-gain"
CONDITIONS = ("control", "som", "pv")
COLUMNS = ["condition", "I_soma_pA", "rate_Hz"]
SUMMARY_COLUMNS = ["condition", "gain_Hz_per_pA", "rheobase_pA"]

#: the design of the README's numbers; 600 pA of dendritic current lets BAPs trigger plateaus
DEFAULTS = {
    "I_soma_pA": np.arange(500.0, 1501.0, 50.0),
    "I_dend_pA": 600.0,
    "coupling": 1.0,
    "inh_rate_Hz": 3000.0,
    "conditions": CONDITIONS,
    "burn_in_s": 0.3,
    "duration_s": 2.0,
}

#: claim 3 allows this much rheobase change (pA) for "little change" under SOM inhibition
SOM_RHEOBASE_TOLERANCE_PA = 100.0


def simulate(model, I_soma_pA=None, *, I_dend_pA=None, coupling=None, inh_rate_Hz=None,
             conditions=None, burn_in_s=None, duration_s=None, device="runtime", seed=None,
             build_dir=None, report=None) -> CircuitRun:
    """Pyramidal f-I with dendrite- or soma-targeted inhibition, one cell per current and
    condition.

    Parameters
    ----------
    model : spikemod.params.Model
        The model (its ``connectivity.IE_A`` / ``IE_sigma`` give the inhibitory weight).
    I_soma_pA : array_like, optional
        Somatic currents, pA.
    I_dend_pA, coupling, inh_rate_Hz : float, optional
        Dendritic current (pA), ``g_c`` and the total inhibitory Poisson rate (Hz) of the
        ``som`` and ``pv`` cells.
    conditions : sequence of str, optional
        Among :data:`CONDITIONS`.
    burn_in_s, duration_s : float, optional
        Discarded transient and measured window, s.
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.

    Every keyword left ``None`` takes its value from :data:`DEFAULTS`.

    Returns
    -------
    CircuitRun
        ``rows`` with :data:`COLUMNS`, sorted by condition then current; pyramidal spikes.

    Raises
    ------
    ValueError
        For a condition not in :data:`CONDITIONS`.

    Example
    -------
    >>> run = simulate(load_model(), [800, 1200], duration_s=0.5)   # doctest: +SKIP
    >>> summarize(run.rows)                                           # doctest: +SKIP
    """
    d = {k: (DEFAULTS[k] if v is None else v) for k, v in dict(
        I_soma_pA=I_soma_pA, I_dend_pA=I_dend_pA, coupling=coupling, inh_rate_Hz=inh_rate_Hz,
        conditions=conditions, burn_in_s=burn_in_s, duration_s=duration_s).items()}
    bad = [c for c in d["conditions"] if c not in CONDITIONS]
    if bad:
        raise ValueError(f"condition {bad[0]!r} is not allowed (allowed: {', '.join(CONDITIONS)})")
    I, cond_idx = grid_values(d["I_soma_pA"], np.arange(len(d["conditions"])))
    cond_idx = cond_idx.astype(int)
    n = I.size
    w_inh = ring_kernel(0.0, float(model["connectivity.IE_A"] / nS),
                        float(model["connectivity.IE_sigma"])) * nS
    with simulation(device, seed=seed, dt=model["sim.dt"], build_dir=build_dir) as sim:
        mc = build_microcircuit(model, n_exc=1, n_pv=0, n_som=0, n_thal=0, copies=n,
                                rng_seed=seed, stdp=False, coupling="fixed")
        for src in mc.drive.values():
            src.rates = 0 * Hz
        mc.pyr.I_soma = I * pA
        mc.pyr.I_dend = d["I_dend_pA"] * pA
        mc.pyr.g_c = d["coupling"]
        names = np.asarray(d["conditions"])[cond_idx]
        inh = PoissonGroup(n, rates=np.where(names == "control", 0.0, d["inh_rate_Hz"]) * Hz,
                           name="inhibition")
        on_dend = Synapses(inh, mc.pyr, on_pre="g_gaba_d_post += w_inh",
                           namespace={"w_inh": w_inh}, name="inh_dend")
        on_dend.connect(i=np.flatnonzero(names == "som"), j=np.flatnonzero(names == "som"))
        on_soma = Synapses(inh, mc.pyr, on_pre="g_gaba_s_post += w_inh",
                           namespace={"w_inh": w_inh}, name="inh_soma")
        on_soma.connect(i=np.flatnonzero(names == "pv"), j=np.flatnonzero(names == "pv"))
        mon = SpikeMonitor(mc.pyr, name="pyr_spikes")
        net = mc.network(inh, on_dend, on_soma, mon)
        net.run((d["burn_in_s"] + d["duration_s"]) * second, report=report)
        sim.finish()
        ids, times = spike_arrays(mon)
    t0 = float(d["burn_in_s"])
    t1 = t0 + float(d["duration_s"])
    rate = rates_in_window(ids, times, n, t0, t1)
    rows = [{"condition": str(names[k]), "I_soma_pA": float(I[k]), "rate_Hz": float(rate[k])}
            for k in np.lexsort((I, cond_idx))]
    return CircuitRun(rows, {"pyr": (ids, times)}, t1,
                      {"inhibitory_weight_nS": float(w_inh / nS),
                       "inh_rate_Hz": float(d["inh_rate_Hz"]),
                       "I_dend_pA": float(d["I_dend_pA"]), "coupling": float(d["coupling"])},
                      {"pyr": n})


def summarize(rows) -> list[dict]:
    """Gain (Hz/pA) and rheobase (pA) per condition, in the rows' order of conditions.

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows (``condition, I_soma_pA, rate_Hz``).

    Returns
    -------
    list of dict
        One row per condition with :data:`SUMMARY_COLUMNS`.

    Example
    -------
    >>> rows = [{"condition": "control", "I_soma_pA": i, "rate_Hz": r}
    ...         for i, r in ((500, 0.0), (600, 5.0), (700, 10.0))]
    >>> s = summarize(rows)[0]
    >>> s["condition"], round(s["gain_Hz_per_pA"], 6), s["rheobase_pA"]
    ('control', 0.05, 600.0)
    """
    out = []
    for cond in dict.fromkeys(r["condition"] for r in rows):
        sel = [r for r in rows if r["condition"] == cond]
        current = [r["I_soma_pA"] for r in sel]
        rate = [r["rate_Hz"] for r in sel]
        out.append({"condition": cond, "gain_Hz_per_pA": fi_gain(current, rate),
                    "rheobase_pA": rheobase(current, rate)})
    return out


def claim(summary) -> list[dict]:
    """RG25 claims 3-4 on this run: SOM inhibition lowers the gain with little rheobase change
    (within :data:`SOM_RHEOBASE_TOLERANCE_PA`); PV inhibition raises the rheobase.

    Parameters
    ----------
    summary : list of dict
        :func:`summarize`'s rows, with the conditions ``control``, ``som`` and ``pv``.

    Returns
    -------
    list of dict
        ``claim, measure, value, reference, reproduced`` per claim.

    Raises
    ------
    KeyError
        When a condition is missing.
    """
    s = {r["condition"]: r for r in summary}
    gc, gs = (float(s[c]["gain_Hz_per_pA"]) for c in ("control", "som"))
    rc, rs, rp = (float(s[c]["rheobase_pA"]) for c in ("control", "som", "pv"))
    return [{"claim": "3 SOM inhibition divides gain", "measure": "gain som vs control (Hz/pA)",
             "value": gs, "reference": gc,
             "reproduced": bool(gs < gc and abs(rs - rc) <= SOM_RHEOBASE_TOLERANCE_PA)},
            {"claim": "4 PV inhibition raises threshold",
             "measure": "rheobase pv vs control (pA)", "value": rp, "reference": rc,
             "reproduced": bool(rp > rc)}]


claims_from_results = claims_reader(claim, "inhibition_gain_summary.csv")


def figure(rows, summary):
    """f-I per condition (left), gain and rheobase per condition (right).

    Parameters
    ----------
    rows, summary : list of dict
        :func:`simulate`'s rows and :func:`summarize`'s rows.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from spikemod import plotting
    fig, axes = plotting.figure(1, 3, width=9.0, height=2.9)
    for s in summary:
        sel = [r for r in rows if r["condition"] == s["condition"]]
        axes[0, 0].plot([r["I_soma_pA"] for r in sel], [r["rate_Hz"] for r in sel], "o-",
                        ms=2.5, color=plotting.COLORS.get(s["condition"]), label=s["condition"])
    axes[0, 0].set_xlabel("I_soma (pA)")
    axes[0, 0].set_ylabel("rate (Hz)")
    axes[0, 0].legend()
    names = [s["condition"] for s in summary]
    colors = [plotting.COLORS.get(n, "0.5") for n in names]
    axes[0, 1].bar(names, [s["gain_Hz_per_pA"] for s in summary], color=colors)
    axes[0, 1].set_ylabel("gain (Hz/pA)")
    axes[0, 2].bar(names, [s["rheobase_pA"] for s in summary], color=colors)
    axes[0, 2].set_ylabel("rheobase (pA)")
    fig.suptitle("SOM (dendrite) inhibition divides gain; PV (soma) inhibition shifts threshold")
    return fig
