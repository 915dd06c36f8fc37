"""Binocular rivalry in W25's thalamocortical circuit (``LVBR/LVBR_LevTwo.m``,
``LVBR_LevFour.m``) [W25].

Every trial is one copy of the W25 ring with thalamus-driven coupling. As in W25's rivalry
simulator (LVBR/ThalamoCorticalNetSimulator.m, BR_Stimulus.m) the only external input is one
Poisson train per eye, shared by the pyramidal cells it drives (each spike adds 1 nS AMPA + 1 nS
NMDA weighted by the cell's selectivity ``exp(-((n - n0)/18)^2)``, ``n0`` = 23 (left) and 68
(right), 1-based cell index, no wrap-around); the trains' rates rise linearly over the first
500 ms; PV cells, thalamus and apical dendrites get no external drive; gated somatic NMDA
conductances are capped at 85 nS (``synapses.nmda_cap``, as in that simulator).

Dominance (:func:`spikemod.analysis.dominance.dominance_periods`, W25's
CalculateDominanceDurations.m): the two half-rings' (cells 1-45, 46-90) rates in 1 ms bins,
smoothed by a 250-point Gaussian window; a half dominates while its rate exceeds the other's by
5 Hz; the last period of each eye is dropped. Levelt's second law: weakening one eye (left fixed
at 1350 Hz, right 1200-1350 Hz) mainly lengthens the dominance of the stronger eye. Levelt's
fourth law: raising both eyes together (1300-1500 Hz) raises the alternation rate.
"""

from __future__ import annotations

import numpy as np
from brian2 import Hz, SpikeMonitor, second

from spikemod.analysis.dominance import dominance_periods, gamma_fit
from spikemod.device import simulation
from spikemod.experiments.common import CircuitRun, claims_reader
from spikemod.network import build_microcircuit, w25_selectivity

__all__ = ["NAME", "COLUMNS", "SUMMARY_COLUMNS", "DEFAULTS", "drive_pairs", "simulate",
           "summarize", "claim", "figure"]

NAME = "rivalry"
COLUMNS = ["left_Hz", "right_Hz", "trial", "eye", "start_s", "duration_s"]
SUMMARY_COLUMNS = ["left_Hz", "right_Hz", "alternations_per_min", "mean_left_s",
                   "mean_right_s", "cv"]

#: W25 values (LVBR_LevTwo.m, LVBR_LevFour.m, BR_Stimulus.m); trials reduced for run time
DEFAULTS = {
    "levelt2_left_Hz": 1350.0,
    "levelt2_right_Hz": (1200.0, 1250.0, 1300.0, 1350.0),   # W25 1200:50:1350
    "levelt4_Hz": (1300.0, 1350.0, 1400.0, 1450.0, 1500.0),  # W25 1300:50:1500
    "trials": 3,                                            # W25: 30 (II), 40 (IV)
    "duration_s": 30.0,                                     # W25 T = 30000 ms
    "centre_left": 23.0, "width": 18.0, "ramp_s": 0.5, "margin_Hz": 5.0,
    "nmda_cap": "85 nS",
}


def drive_pairs(left_Hz, right_Hz, both_Hz):
    """The (left, right) rates of Levelt's second (left fixed, right varied) and fourth (both
    equal) laws, without repeats."""
    pairs = [(float(left_Hz), float(r)) for r in right_Hz] + [(float(b), float(b)) for b in both_Hz]
    return list(dict.fromkeys(pairs))


def simulate(model, pairs=None, *, trials=None, duration_s=None, device="runtime", seed=None,
             build_dir=None, report=None, setup=None) -> CircuitRun:
    """Run rivalry trials: one circuit copy per (left, right, trial), all in one build.

    Parameters
    ----------
    model : spikemod.params.Model
    pairs : list of (float, float), optional
        (left, right) eye rates in Hz (default: Levelt II and IV of :data:`DEFAULTS`).
    trials : int, optional
        Trials per pair.
    duration_s : float, optional
        Trial length (W25 30 s).
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.
    setup : callable, optional
        ``setup(mc, conds)`` after the circuit is built; returns extra Brian2 objects.

    Returns
    -------
    CircuitRun
        ``rows``: one dict per copy ``{left_Hz, right_Hz, trial}``; spikes of the pyramidal
        cells (``info['n_exc']`` per copy).
    """
    d = DEFAULTS
    pairs = pairs if pairs is not None else drive_pairs(
        d["levelt2_left_Hz"], d["levelt2_right_Hz"], d["levelt4_Hz"])
    trials = int(trials if trials is not None else d["trials"])
    duration_s = float(duration_s if duration_s is not None else d["duration_s"])
    conds = [(left, right, k) for left, right in pairs for k in range(trials)]
    copies = len(conds)
    m = model.copy()
    m.set("synapses.nmda_cap", d["nmda_cap"], source="W25 rivalry simulator: NMDA cap 85 nS")
    with simulation(device, seed=seed, dt=m["sim.dt"], build_dir=build_dir) as sim:
        mc = build_microcircuit(m, copies=copies, eyes=True, rng_seed=seed)
        n = mc.sizes["pyr"]
        for key in ("ff_pyr", "fb_pyr", "ff_pv", "ff_som"):     # no background in LVBR
            if key in mc.drive:
                mc.drive[key].rates = 0 * Hz
        mc.pyr.sel_left = np.tile(w25_selectivity(n, d["centre_left"], d["width"]), copies)
        mc.pyr.sel_right = np.tile(w25_selectivity(n, d["centre_left"] + 0.5 * n, d["width"]),
                                   copies)
        mc.drive["eyes"].rates = np.ravel([[left, right] for left, right, _ in conds]) * Hz
        extra = list(setup(mc, conds)) if setup is not None else []
        mon = SpikeMonitor(mc.pyr, name="pyr_spikes")
        mc.network(mon, *extra).run(duration_s * second, report=report)
        sim.finish()
        spikes = {"pyr": (np.asarray(mon.i[:], dtype=np.int64), np.asarray(mon.t[:] / second))}
    rows = [{"left_Hz": left, "right_Hz": right, "trial": k} for left, right, k in conds]
    return CircuitRun(rows=rows, spikes=spikes, t_stop=duration_s,
                      info={"copies": copies, "n_exc": n, "trials": trials,
                            "nmda_cap": d["nmda_cap"]},
                      sizes={"pyr": n * copies})


def summarize(run: CircuitRun, margin_Hz=None):
    """Dominance periods per trial and their statistics per (left, right) pair.

    Returns
    -------
    (period_rows, summary_rows, gamma)
        ``period_rows`` have :data:`COLUMNS`; ``summary_rows`` :data:`SUMMARY_COLUMNS`
        (alternations per minute averaged over trials, mean durations over all kept periods,
        cv of all durations of both eyes); ``gamma``: W25's gamma fit of the durations per pair
        and pooled over the equal-drive pairs (Levelt IV, as W25's LevFour figure).
    """
    margin = DEFAULTS["margin_Hz"] if margin_Hz is None else margin_Hz
    ids, times = run.spikes["pyr"]
    n = run.info["n_exc"]
    half = n // 2
    periods, per_pair = [], {}
    for c, row in enumerate(run.rows):
        sel = ids // n == c
        local, t = ids[sel] % n, times[sel]
        dom = dominance_periods(t[local < half], t[local >= half], half, n - half, run.t_stop,
                                margin_Hz=margin)
        for eye in ("left", "right"):
            for start, dur in dom[eye]:
                periods.append({"left_Hz": row["left_Hz"], "right_Hz": row["right_Hz"],
                                "trial": row["trial"], "eye": eye, "start_s": start,
                                "duration_s": dur})
        acc = per_pair.setdefault((row["left_Hz"], row["right_Hz"]),
                                  {"alt": [], "left": [], "right": []})
        acc["alt"].append(dom["alternations"] / (run.t_stop / 60))
        acc["left"] += [x for _, x in dom["left"]]
        acc["right"] += [x for _, x in dom["right"]]
    summary, gamma = [], {}
    nan = float("nan")
    for (left, right), acc in per_pair.items():
        both = np.array(acc["left"] + acc["right"])
        summary.append({"left_Hz": left, "right_Hz": right,
                        "alternations_per_min": float(np.mean(acc["alt"])),
                        "mean_left_s": float(np.mean(acc["left"])) if acc["left"] else nan,
                        "mean_right_s": float(np.mean(acc["right"])) if acc["right"] else nan,
                        "cv": float(np.std(both) / np.mean(both)) if both.size > 1 else nan})
        gamma[f"{left:g}/{right:g}"] = gamma_fit(both)
    equal = [p["duration_s"] for p in periods if p["left_Hz"] == p["right_Hz"]]
    gamma["pooled_equal_drive"] = gamma_fit(equal)
    return periods, summary, gamma


def claim(summary) -> list[dict]:
    """W25's rivalry claims on this run: alternation at equal drive; Levelt's second law
    (weakening the right eye lengthens left dominance more than it shortens right dominance);
    Levelt's fourth law (alternations rise with equal drive)."""
    eq = sorted((s for s in summary if s["left_Hz"] == s["right_Hz"]), key=lambda s: s["left_Hz"])
    out = []
    if eq:
        out.append({"claim": "W25 rivalry: perception alternates at equal drive",
                    "measure": f"alternations per min at {eq[0]['left_Hz']:g} Hz both eyes",
                    "value": eq[0]["alternations_per_min"], "reference": 0.0,
                    "reproduced": eq[0]["alternations_per_min"] > 0})
    if len(eq) >= 2:
        out.append({"claim": "W25 rivalry: Levelt IV, alternation rate rises with drive",
                    "measure": f"alternations per min, {eq[-1]['left_Hz']:g} vs "
                               f"{eq[0]['left_Hz']:g} Hz both eyes",
                    "value": eq[-1]["alternations_per_min"],
                    "reference": eq[0]["alternations_per_min"],
                    "reproduced": eq[-1]["alternations_per_min"] > eq[0]["alternations_per_min"]})
    lefts = [s["left_Hz"] for s in summary if s["left_Hz"] != s["right_Hz"]]
    if lefts:
        left = lefts[0]
        two = sorted((s for s in summary if s["left_Hz"] == left), key=lambda s: s["right_Hz"])
        weak, equal = two[0], two[-1]
        d_left = weak["mean_left_s"] - equal["mean_left_s"]
        d_right = weak["mean_right_s"] - equal["mean_right_s"]
        out.append({"claim": "W25 rivalry: Levelt II, weakening one eye mainly lengthens the "
                             "other eye's dominance",
                    "measure": f"change of mean left / right dominance (s), right "
                               f"{weak['right_Hz']:g} vs {equal['right_Hz']:g} Hz",
                    "value": d_left, "reference": d_right,
                    "reproduced": bool(d_left > 0 and abs(d_left) > abs(d_right))})
    return out


claims_from_results = claims_reader(claim, "rivalry_summary.csv")


def figure(periods, summary, gamma, spikes=None, n_exc=90, t_stop=None):
    """Levelt II (mean durations vs right-eye rate), Levelt IV (alternations vs drive), the
    duration histogram with its gamma fit, and the first trial's raster."""
    from scipy import stats

    from spikemod import plotting
    fig, axes = plotting.figure(2, 2, width=7.0, height=5.4)
    lefts = [s["left_Hz"] for s in summary if s["left_Hz"] != s["right_Hz"]]
    if lefts:
        two = sorted((s for s in summary if s["left_Hz"] == lefts[0]), key=lambda s: s["right_Hz"])
        x = [s["right_Hz"] for s in two]
        axes[0, 0].plot(x, [s["mean_left_s"] for s in two], "o-", color="#4c6dac",
                        label=f"left ({lefts[0]:g} Hz)")
        axes[0, 0].plot(x, [s["mean_right_s"] for s in two], "o-", color="#c0504d", label="right")
        axes[0, 0].legend()
    axes[0, 0].set(xlabel="right-eye rate (Hz)", ylabel="mean dominance (s)",
                   title="Levelt's second law")
    eq = sorted((s for s in summary if s["left_Hz"] == s["right_Hz"]), key=lambda s: s["left_Hz"])
    axes[0, 1].plot([s["left_Hz"] for s in eq], [s["alternations_per_min"] for s in eq], "ko-")
    axes[0, 1].set(xlabel="rate of both eyes (Hz)", ylabel="alternations per min",
                   title="Levelt's fourth law")
    dur = np.array([p["duration_s"] for p in periods if p["left_Hz"] == p["right_Hz"]])
    if dur.size:
        axes[1, 0].hist(dur, bins=20, density=True, color="0.7")
        g = gamma["pooled_equal_drive"]
        if np.isfinite(g["shape"]):
            x = np.linspace(0, dur.max(), 200)
            axes[1, 0].plot(x, stats.gamma.pdf(x, g["shape"], scale=g["scale_s"]), "k-",
                            label=f"gamma k={g['shape']:.2f}")
            axes[1, 0].legend()
    axes[1, 0].set(xlabel="dominance duration (s)", ylabel="density",
                   title="durations at equal drive")
    if spikes is not None:
        ids, t = spikes["pyr"]
        sel = ids // n_exc == 0
        plotting.raster(axes[1, 1], t[sel], ids[sel] % n_exc, title="trial 1")
    fig.suptitle("W25 binocular rivalry: thalamocortical L5 ring")
    return fig
