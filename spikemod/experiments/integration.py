"""Integration vs segregation of coupled W25 rings under bath neuromodulation (issue 17.2).

Shine et al. (2016 Neuron 92:544; 2021 Nat Neurosci 24:765) and RG25 propose that gain
neuromodulation moves cortex between a segregated state (activity correlated within modules)
and an integrated one (correlated across modules), possibly as an inverted U of noradrenaline.
Here the question is asked of the spiking model with no fitting:

* a **set** is ``integration.n_modules`` W25 rings (circuit copies of
  :func:`spikemod.network.build_microcircuit`, each with its own matrix thalamus,
  thalamus-driven coupling and independent W25 detection background: 600 Hz per soma, 50 Hz
  per apical dendrite), joined by ONE extra Brian2 ``Synapses`` object: sparse random
  pyramidal -> pyramidal (soma) connections between different modules of the same set, each
  ordered pair with probability ``integration.p_inter``, AMPA ``w_inter`` + NMDA ``r w_inter``
  (``r`` = W25's E->E NMDA/AMPA ratio 0.2);
* every set sits in its own bath (modulator, concentration) and is one **seed** (an
  independent draw of the inter-module connections and of all Poisson drive; drive is not
  shared between baths because ACh scales each copy's somatic background by its nicotinic
  factor); all sets of all (modulator, concentration, seed) run as copies in ONE build. The
  bath acts through :func:`spikemod.experiments.modulated_detection.bath_setup` (GPCR pools
  on pyramidal and PV cells at steady state, all switched-on ``[effects]``; for ACh also M2
  scaling of the E->E weights, within and between modules, and nicotinic scaling of the
  somatic background);
* measures (:mod:`spikemod.analysis.integration`) on the nodes of a set's functional network,
  ``groups_per_module`` contiguous arcs of each ring: population rates in ``integration.bin``
  bins over ``duration`` after ``burn_in``; ``within_corr`` / ``between_corr`` = mean Pearson
  correlation of node pairs in the same / different modules; ``participation`` = mean over
  nodes of the Guimera-Amaral participation coefficient of the positive-correlation network
  with the rings as modules; ``synchrony`` = Golomb's chi over all nodes of the set.

Outputs per (modulator, concentration): the means over seeds with standard errors
(``<measure>_sem``), and the per-seed rows.

What the default run gives (cpp_standalone, seed 1, 3 seeds, mean +- s.e.m.; not tuned):

* the rings are never "segregated" in the within > between sense: arcs of one ring are LESS
  correlated (0.35 +- 0.01 bath-free) than arcs of different rings (0.51 +- 0.01), likely
  because W25's broad PV inhibition makes the arcs of a ring compete (not analysed further);
  the participation coefficient is near its maximum (0.729 of 0.75);
* NE 0 / 0.1 / 1 / 10 uM: between-ring correlation 0.508 / 0.519 / 0.594 / 0.605 (s.e.m.
  0.011 / 0.004 / 0.001 / 0.002), within 0.35 / 0.36 / 0.42 / 0.43, synchrony chi 0.72 / 0.72
  / 0.76 / 0.77, participation 0.729 -> 0.731, mean rate 13.7 -> 11.6 Hz: NE integrates and
  synchronises monotonically and saturates; NO inverted U in this range;
* ACh 0 / 0.1 / 1 / 10 uM: between 0.516 / 0.523 / 0.516 / 0.110 (s.e.m. 0.010 / 0.006 /
  0.001 / 0.020), within 0.35 / 0.35 / 0.31 / -0.04, synchrony 0.72 / 0.73 / 0.71 / 0.40,
  participation 0.729 -> 0.685, rate 13.6 -> 5.4 Hz: ACh leaves the rings unchanged up to
  1 uM and decorrelates and desynchronises them at 10 uM (all ACh effects together: pools,
  M2 scaling of E->E, nicotinic scaling of the drive; their shares are not separated here):
  the opposite of integration; no inverted U.
"""

from __future__ import annotations

import numpy as np
from brian2 import SpikeMonitor, Synapses, second

from spikemod.analysis.integration import (binned_rates, correlation_matrix,
                                           participation_coefficient, synchrony_chi,
                                           within_between)
from spikemod.device import simulation
from spikemod.experiments.modulated_detection import MODULATORS, bath_setup, baths
from spikemod.experiments.common import CircuitRun, claims_reader, read_modulator_table
from spikemod.network import build_microcircuit

__all__ = ["NAME", "COLUMNS", "SEED_COLUMNS", "MEASURES", "DEFAULTS", "inter_module_pairs",
           "simulate", "set_measures", "summarize", "claim", "claims_from_results", "figure"]

NAME = "integration"
MEASURES = ["within_corr", "between_corr", "participation", "synchrony"]
COLUMNS = ["modulator", "concentration_nM"] + MEASURES + [f"{m}_sem" for m in MEASURES]
SEED_COLUMNS = ["modulator", "concentration_nM", "seed"] + MEASURES + ["rate_Hz"]

#: design of the default run (the circuit's values are in [integration] of the model file)
DEFAULTS = {"concentrations_nM": (0.0, 100.0, 1000.0, 10000.0), "seeds": 3}


def inter_module_pairs(n_exc, n_modules, sets, p, rng):
    """Sparse random pyramidal -> pyramidal pairs between different modules of each set.

    Copy ``s * n_modules + m`` is module ``m`` of set ``s``; cell ``k`` of copy ``c`` has the
    global index ``c * n_exc + k``.

    Parameters
    ----------
    n_exc, n_modules, sets : int
    p : float
        Connection probability of each ordered pair of cells in different modules.
    rng : numpy.random.Generator

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Presynaptic and postsynaptic global indices.

    Example
    -------
    >>> i, j = inter_module_pairs(3, 2, 1, 1.0, np.random.default_rng(0))
    >>> len(i), bool(np.all(i // 3 != j // 3))
    (18, True)
    """
    pre, post = [], []
    for s in range(sets):
        for a in range(n_modules):
            for b in range(n_modules):
                if a == b:
                    continue
                hit = rng.random((n_exc, n_exc)) < p
                i, j = np.nonzero(hit)
                pre.append(i + (s * n_modules + a) * n_exc)
                post.append(j + (s * n_modules + b) * n_exc)
    if not pre:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(pre).astype(np.int64), np.concatenate(post).astype(np.int64)


def _design(model):
    g = lambda k: model[f"integration.{k}"]  # noqa: E731
    return {"n_modules": int(round(float(g("n_modules")))), "p_inter": float(g("p_inter")),
            "w_inter": g("w_inter"), "groups": int(round(float(g("groups_per_module")))),
            "bin_s": float(g("bin") / second), "burn_in_s": float(g("burn_in") / second),
            "duration_s": float(g("duration") / second)}


def simulate(model, modulators=MODULATORS, concentrations_nM=None, *, seeds=None,
             device="runtime", seed=None, build_dir=None, report=None) -> CircuitRun:
    """One set of coupled W25 rings per (modulator, concentration, seed), all in one build.

    Parameters
    ----------
    model : spikemod.params.Model
        The W25 circuit and its ``[integration]`` section.
    modulators : sequence of str
        Among :data:`spikemod.experiments.modulated_detection.MODULATORS`.
    concentrations_nM : sequence of float, optional
        Bath concentrations, nM (default :data:`DEFAULTS`).
    seeds : int, optional
        Independent sets per bath (default :data:`DEFAULTS`).
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`; ``seed`` also seeds the inter-module draw.

    Returns
    -------
    CircuitRun
        ``rows``: one per set, :data:`SEED_COLUMNS`; spikes of the pyramidal cells.

    Raises
    ------
    ValueError
        For an unknown modulator or fewer than one seed.

    Example
    -------
    >>> from spikemod import load_model
    >>> run = simulate(load_model(), ["NE"], [0, 1000], seeds=1)      # doctest: +SKIP
    """
    conc = DEFAULTS["concentrations_nM"] if concentrations_nM is None else concentrations_nM
    n_seeds = int(DEFAULTS["seeds"] if seeds is None else seeds)
    if n_seeds < 1:
        raise ValueError(f"seeds = {n_seeds} is not allowed (at least 1)")
    d = _design(model)
    M = d["n_modules"]
    sets = [(m, c, k) for m, c in baths(modulators, conc) for k in range(n_seeds)]
    copies = len(sets) * M
    t_stop = d["burn_in_s"] + d["duration_s"]
    rng = np.random.default_rng(seed)
    with simulation(device, seed=seed, dt=model["sim.dt"], build_dir=build_dir) as sim:
        mc = build_microcircuit(model, copies=copies, rng_seed=seed)
        n = mc.sizes["pyr"]
        i, j = inter_module_pairs(n, M, len(sets), d["p_inter"], rng)
        inter = Synapses(mc.pyr, mc.pyr, "w : siemens\nr_nmda : 1 (shared, constant)",
                         on_pre="g_ampa_s_post += w\ng_nmda_s_post += r_nmda*w",
                         name="inter_module_EE")
        inter.connect(i=i, j=j)
        inter.w = d["w_inter"]
        ampa = float(model["connectivity.EE_ampa_scale"])
        inter.r_nmda = float(model["connectivity.EE_nmda_scale"]) / ampa if ampa > 0 else 0.0
        bath_of_copy = [(m, c) for m, c, _ in sets for _ in range(M)]
        extra = bath_setup(model, bath_of_copy, extra_ee=[inter])(mc, sets)
        mon = SpikeMonitor(mc.pyr, name="pyr_spikes")
        mc.network(inter, mon, *extra).run(t_stop * second, report=report)
        sim.finish()
        ids = np.asarray(mon.i[:], dtype=np.int64)
        times = np.asarray(mon.t[:] / second)
    rows = []
    for s, (m, c, k) in enumerate(sets):
        lo, hi = s * M * n, (s + 1) * M * n
        sel = (ids >= lo) & (ids < hi)
        meas = set_measures(ids[sel] - lo, times[sel], n, M, d["groups"], d["burn_in_s"],
                            t_stop, d["bin_s"])
        rows.append({"modulator": m, "concentration_nM": c, "seed": k, **meas})
    info = {"copies": copies, "sets": len(sets), "n_exc": n, "inter_synapses": int(len(i)),
            "design": {k: (str(v) if k == "w_inter" else v) for k, v in d.items()},
            "seeds": n_seeds}
    return CircuitRun(rows=rows, spikes={"pyr": (ids, times)}, t_stop=t_stop, info=info,
                      sizes={"pyr": n * copies})


def set_measures(ids, times, n_exc, n_modules, groups, t0, t1, bin_s) -> dict:
    """Segregation / integration measures of one set from its pyramidal spikes.

    Parameters
    ----------
    ids, times : array_like
        Spikes of the set's pyramidal cells (cell ``m * n_exc + k`` = cell k of module m).
    n_exc, n_modules, groups : int
        Cells per module, modules, nodes (contiguous arcs) per module.
    t0, t1, bin_s : float
        Analysis window and bin, s.

    Returns
    -------
    dict
        ``within_corr, between_corr, participation, synchrony, rate_Hz``.

    Example
    -------
    >>> t = np.arange(0.005, 1, 0.01)
    >>> ids = np.repeat([0, 2], t.size); times = np.tile(t, 2)
    >>> r = set_measures(ids, times, 2, 2, 2, 0, 1, 0.01)
    >>> r["rate_Hz"]
    50.0
    """
    node = (np.arange(n_modules * n_exc) % n_exc) * groups // n_exc \
        + (np.arange(n_modules * n_exc) // n_exc) * groups
    module = np.repeat(np.arange(n_modules), groups)
    rates = binned_rates(ids, times, node, n_modules * groups, t0, t1, bin_s)
    corr = correlation_matrix(rates)
    within, between = within_between(corr, module)
    pc = participation_coefficient(corr, module)
    return {"within_corr": within, "between_corr": between,
            "participation": float(np.nanmean(pc)) if np.any(np.isfinite(pc)) else float("nan"),
            "synchrony": synchrony_chi(rates),
            "rate_Hz": float(rates.mean())}


def summarize(rows):
    """Mean and standard error over seeds of every measure per (modulator, concentration).

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows.

    Returns
    -------
    list of dict
        :data:`COLUMNS` (s.e.m. NaN with one seed).

    Example
    -------
    >>> rows = [dict(modulator="NE", concentration_nM=0.0, seed=k, within_corr=w,
    ...              between_corr=0.1, participation=0.2, synchrony=0.3)
    ...         for k, w in enumerate((0.4, 0.6))]
    >>> out = summarize(rows)[0]
    >>> round(out["within_corr"], 3), round(out["within_corr_sem"], 3)
    (0.5, 0.1)
    """
    out = []
    for m, c in dict.fromkeys((r["modulator"], r["concentration_nM"]) for r in rows):
        sub = [r for r in rows if r["modulator"] == m and r["concentration_nM"] == c]
        row = {"modulator": m, "concentration_nM": c}
        for key in MEASURES:
            v = np.array([r[key] for r in sub], float)
            v = v[np.isfinite(v)]
            row[key] = float(v.mean()) if v.size else float("nan")
            row[f"{key}_sem"] = (float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1
                                 else float("nan"))
        out.append(row)
    return out


def claim(summary, measure="between_corr") -> list[dict]:
    """Shine et al.'s proposal tested per modulator on ``measure`` (default the between-module
    correlation): (1) gain modulation integrates -- some concentration raises the measure
    above the bath-free value by more than twice the combined s.e.m.; (2) inverted U -- the
    largest mean lies at an interior concentration and exceeds both ends by more than twice
    the combined s.e.m.

    Parameters
    ----------
    summary : list of dict
        :func:`summarize`'s rows.
    measure : str
        One of :data:`MEASURES`.

    Returns
    -------
    list of dict
        ``claim, measure, value, reference, reproduced`` (two per modulator).
    """
    out = []
    for m in dict.fromkeys(s["modulator"] for s in summary):
        pts = sorted((s for s in summary if s["modulator"] == m),
                     key=lambda s: s["concentration_nM"])
        v = np.array([p[measure] for p in pts])
        e = np.nan_to_num(np.array([p[f"{measure}_sem"] for p in pts]))
        c = [p["concentration_nM"] for p in pts]
        k = int(np.nanargmax(v))
        gap = lambda a, b: 2 * np.hypot(e[a], e[b])  # noqa: E731
        out.append({"claim": f"integration: {m} moves the rings from segregated to integrated "
                             "(Shine et al. 2016/2021)",
                    "measure": f"{measure}, {m} {c[k]:g} nM (largest) vs 0 nM, mean over seeds",
                    "value": float(v[k]), "reference": float(v[0]),
                    "reproduced": bool(k > 0 and v[k] - v[0] > gap(k, 0))})
        interior = 0 < k < len(v) - 1
        out.append({"claim": f"integration: {m} acts as an inverted U",
                    "measure": f"{measure} peak at {c[k]:g} nM vs the ends "
                               f"({c[0]:g}, {c[-1]:g} nM)",
                    "value": float(v[k]), "reference": float(max(v[0], v[-1])),
                    "reproduced": bool(interior and v[k] - v[0] > gap(k, 0)
                                       and v[k] - v[-1] > gap(k, len(v) - 1))})
    return out


claims_from_results = claims_reader(claim, "integration.csv", read=read_modulator_table)


def figure(summary, seed_rows=None):
    """Within/between correlation, participation and synchrony against concentration (mean
    +- s.e.m. over seeds) per modulator."""
    from spikemod import plotting
    from spikemod.experiments.modulated_detection import COLORS
    fig, axes = plotting.figure(1, 3, width=9.5, height=3.0)
    axes = axes.ravel()
    for m in dict.fromkeys(s["modulator"] for s in summary):
        pts = sorted((s for s in summary if s["modulator"] == m),
                     key=lambda s: s["concentration_nM"])
        x = np.array([p["concentration_nM"] for p in pts])
        x = np.where(x > 0, x, 1.0)
        col = COLORS.get(m, "k")
        for key, ax, style in (("within_corr", axes[0], "--"), ("between_corr", axes[0], "-"),
                               ("participation", axes[1], "-"), ("synchrony", axes[2], "-")):
            ax.errorbar(x, [p[key] for p in pts], yerr=[p[f"{key}_sem"] for p in pts],
                        fmt="o" + style, color=col, ms=3, capsize=2,
                        label=f"{m} {key.split('_')[0]}" if ax is axes[0] else m)
    axes[0].set(xscale="log", xlabel="bath (nM; 0 drawn at 1)", ylabel="correlation",
                title="within (--) / between (-)")
    axes[1].set(xscale="log", xlabel="bath (nM; 0 drawn at 1)", ylabel="participation",
                title="participation coefficient")
    axes[2].set(xscale="log", xlabel="bath (nM; 0 drawn at 1)", ylabel="chi",
                title="synchrony (Golomb)")
    axes[0].legend(fontsize=6)
    axes[2].legend(fontsize=6)
    fig.suptitle("Coupled W25 rings: segregation vs integration under bath NE / ACh")
    return fig
