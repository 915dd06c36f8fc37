"""W25 binocular rivalry under bath noradrenaline or acetylcholine (issue 17, part 3).

The rivalry experiment of :mod:`spikemod.experiments.rivalry` [W25, LVBR] at equal drive of
both eyes, with every pyramidal and PV cell's second-messenger pool at the steady state of a
bath (:func:`spikemod.experiments.modulated_detection.bath_setup`: all switched-on
``[effects]``, HCN acting on the decay time of W25's thalamus-driven coupling; for ACh also the
M2 scaling of E->E weights and the nicotinic scaling of the feed-forward input, here the two eye
trains). One circuit copy per (modulator, concentration, trial), all in ONE build. Dominance
periods per bath with :func:`spikemod.experiments.rivalry.summarize` (W25's analysis).

Read-out per (modulator, concentration): ``alternations_per_min`` (mean over trials) and
``mean_duration_s`` (mean of all kept dominance periods of both eyes; NaN without one).

Design with ``--modulator`` (:data:`DEFAULTS`, reduced for run time): equal drive only, both
eyes at 1400 Hz (the middle of W25's Levelt-IV range 1300-1500 Hz), trials of 15 s (W25: 30 s),
3 trials per bath (rivalry's default; W25: 30-40), bath 0, 100, 1000 and 10000 nM of each
modulator: 24 circuit copies.

Literature (the model's numbers are predictions; the default run's numbers and the comparison
are in benchmarks/perception_literature.md). No placebo-controlled study of a noradrenaline
reuptake inhibitor or a cholinesterase inhibitor on binocular-rivalry alternation rates was
found in the pages searched for this module (search corpus of stored public pages, 2026-12);
what was found:

* Einhauser et al. 2008 (PNAS 105:1704): the pupil dilates around perceptual switches and the
  dilation before a switch weakly predicts the next dominance duration; they propose LC-NE
  release as part of the switching machinery (hypothesis: more NE, more switches). Hupe et
  al. (PNAS letter, PMC2474482) replicated the dilation but argued that the prediction is an
  artefact and that the dilation is largely motor; Brascamp et al. 2021 (eLife 10:e66161) separated a
  task-related dilation from a perception-related constriction and conclude that
  arousal-linked neuromodulator release "shapes action but not perception" in multistability.
* ACh: donepezil (5 mg) REDUCED the shift of sensory eye dominance after 2 h of monocular
  patching (Front Neurosci 2019 13:22, doi 10.3389/fnins.2019.00022, binocular phase
  combination, not rivalry dynamics); a 5-HT1A agonist (tandospirone, 60 mg) lowered the
  rivalry alternation rate (serotonin, not NE/ACh).

So the claims of :func:`claim` are tested against the hypothesis (NE raises the switch rate,
Einhauser et al.) and against the model's own Levelt IV logic for ACh (ACh boosts the eyes'
feed-forward input through nicotinic receptors and suppresses E->E recurrence through M2, so the
eyes drive the ring more strongly: W25's Levelt IV then predicts more alternations).

What the default run gives (cpp_standalone, seed 1, 24 copies; alternations per min / mean
dominance s): bath-free 14.7 / 2.6 and 12.0 / 3.1 (NE and ACh rows, the same condition); NE
0.1, 1, 10 uM: 44 / 1.15, 163 / 0.34, 149 / 0.37; ACh 0.1, 1, 10 uM: 29 / 1.52, 391 / 0.13,
480 / 0.085 (a 2-trial run gave the same picture). Both modulators speed rivalry monotonically
up to 1 uM; from 1 uM the dominance periods are far shorter than human ones (seconds): the ring
loses a stable winner. The NE direction matches the LC-NE switching hypothesis; the size is a
prediction.
"""

from __future__ import annotations

import numpy as np

from spikemod.experiments import rivalry
from spikemod.experiments.modulated_detection import (MODULATORS, bath_setup, baths,
                                                      default_concentrations,
                                                      parse_concentrations, parse_modulators)
from spikemod.experiments.common import CircuitRun, claims_reader, read_modulator_table

__all__ = ["NAME", "COLUMNS", "DEFAULTS", "simulate", "summarize", "claim",
           "claims_from_results", "figure",
           "default_concentrations", "parse_concentrations", "parse_modulators"]

NAME = "modulated-rivalry"
COLUMNS = ["modulator", "concentration_nM", "alternations_per_min", "mean_duration_s"]

#: the reduced design of ``rivalry --modulator`` (run time: minutes)
DEFAULTS = {
    "concentrations_nM": (0.0, 100.0, 1000.0, 10000.0),
    "drive_Hz": 1400.0,       # both eyes; W25 Levelt IV 1300:50:1500
    "trials": rivalry.DEFAULTS["trials"],   # 3, as rivalry (W25 30-40)
    "duration_s": 15.0,       # W25 30 s
}


def simulate(model, modulators=MODULATORS, concentrations_nM=None, *, drive_Hz=None,
             trials=None, duration_s=None, device="runtime", seed=None, build_dir=None,
             report=None) -> CircuitRun:
    """Equal-drive rivalry trials in every (modulator, concentration) bath, one build.

    Parameters
    ----------
    model : spikemod.params.Model
        The W25 circuit.
    modulators : sequence of str
        Among :data:`spikemod.experiments.modulated_detection.MODULATORS`.
    concentrations_nM, drive_Hz, trials, duration_s
        The design (default :data:`DEFAULTS`).
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.

    Returns
    -------
    CircuitRun
        rivalry's run; ``rows`` gain ``modulator`` and ``concentration_nM`` (``trial`` counts
        within the bath).

    Raises
    ------
    ValueError
        For an unknown modulator.

    Example
    -------
    >>> from spikemod import load_model
    >>> run = simulate(load_model(), ["ACh"], [0, 10000], trials=1,
    ...                duration_s=4)                                 # doctest: +SKIP
    """
    d = DEFAULTS
    conc = d["concentrations_nM"] if concentrations_nM is None else concentrations_nM
    drive = float(d["drive_Hz"] if drive_Hz is None else drive_Hz)
    trials = int(d["trials"] if trials is None else trials)
    bl = baths(modulators, conc)

    def setup(mc, conds):
        eyes = np.ravel([[left, right] for left, right, _ in conds])
        return bath_setup(model, [bl[k // trials] for _, _, k in conds],
                          ff_rates={"eyes": eyes})(mc, conds)

    run = rivalry.simulate(model, [(drive, drive)], trials=trials * len(bl),
                           duration_s=duration_s if duration_s is not None else d["duration_s"],
                           device=device, seed=seed, build_dir=build_dir, report=report,
                           setup=setup)
    for r in run.rows:
        m, c = bl[r["trial"] // trials]
        r.update(modulator=m, concentration_nM=c, trial=r["trial"] % trials)
    run.info.update(baths=[list(b) for b in bl], trials_per_bath=trials, drive_Hz=drive)
    return run


def summarize(run: CircuitRun):
    """Alternation rate and mean dominance duration per (modulator, concentration), each bath
    analysed on its own with :func:`spikemod.experiments.rivalry.summarize`.

    Parameters
    ----------
    run : CircuitRun
        :func:`simulate`'s run.

    Returns
    -------
    (summary_rows, period_rows)
        ``summary_rows`` have :data:`COLUMNS` (plus ``cv``); ``period_rows`` rivalry's
        dominance periods with ``modulator`` and ``concentration_nM``.
    """
    ids, times = run.spikes["pyr"]
    n = run.info["n_exc"]
    out, periods = [], []
    for m, c in dict.fromkeys((r["modulator"], r["concentration_nM"]) for r in run.rows):
        copies = [k for k, r in enumerate(run.rows)
                  if r["modulator"] == m and r["concentration_nM"] == c]
        new = np.full(len(run.rows), -1)
        new[copies] = np.arange(len(copies))
        sel = np.isin(ids // n, copies)
        sub = CircuitRun(rows=[run.rows[k] for k in copies],
                         spikes={"pyr": (new[ids[sel] // n] * n + ids[sel] % n, times[sel])},
                         t_stop=run.t_stop, info={"n_exc": n}, sizes={"pyr": n * len(copies)})
        per, summ, _ = rivalry.summarize(sub)
        durations = [p["duration_s"] for p in per]
        out.append({"modulator": m, "concentration_nM": c,
                    "alternations_per_min": float(np.mean([s["alternations_per_min"]
                                                           for s in summ])),
                    "mean_duration_s": float(np.mean(durations)) if durations else float("nan"),
                    "cv": summ[0]["cv"]})
        periods += [dict(p, modulator=m, concentration_nM=c) for p in per]
    return out, periods


def claim(summary) -> list[dict]:
    """Predictions of the modulated rivalry run, highest vs lowest concentration: NE raises
    the alternation rate (the LC-NE switching hypothesis of Einhauser et al. 2008, no verified
    drug study); ACh raises it too (stronger effective feed-forward drive, W25's Levelt IV).

    Parameters
    ----------
    summary : list of dict
        :func:`summarize`'s summary rows.

    Returns
    -------
    list of dict
        ``claim, measure, value, reference, reproduced`` per modulator.

    Example
    -------
    >>> rows = [{"modulator": "NE", "concentration_nM": c, "alternations_per_min": a,
    ...          "mean_duration_s": 1.0} for c, a in ((0.0, 10.0), (1000.0, 12.0))]
    >>> claim(rows)[0]["reproduced"]
    True
    """
    source = {"NE": "LC-NE switching hypothesis, Einhauser et al. 2008",
              "ACh": "feed-forward boost + W25 Levelt IV (model logic, no drug study found)"}
    out = []
    for m in dict.fromkeys(s["modulator"] for s in summary):
        pts = sorted((s for s in summary if s["modulator"] == m),
                     key=lambda s: s["concentration_nM"])
        lo, hi = pts[0], pts[-1]
        out.append({"claim": f"modulated rivalry: {m} raises the alternation rate "
                             f"({source.get(m, 'prediction')})",
                    "measure": f"alternations per min, {m} {hi['concentration_nM']:g} vs "
                               f"{lo['concentration_nM']:g} nM",
                    "value": hi["alternations_per_min"], "reference": lo["alternations_per_min"],
                    "reproduced": bool(hi["alternations_per_min"] > lo["alternations_per_min"])})
    return out


claims_from_results = claims_reader(claim, "modulated_rivalry.csv", read=read_modulator_table)


def figure(summary, spikes=None, n_exc=90):
    """Alternation rate and mean dominance duration against concentration per modulator, and
    the raster of the first trial."""
    from spikemod import plotting
    from spikemod.experiments.modulated_detection import COLORS
    fig, axes = plotting.figure(1, 3, width=9.0, height=3.0)
    axes = axes.ravel()
    for key, ax, label in (("alternations_per_min", axes[0], "alternations per min"),
                           ("mean_duration_s", axes[1], "mean dominance (s)")):
        for m in dict.fromkeys(s["modulator"] for s in summary):
            pts = sorted((s for s in summary if s["modulator"] == m),
                         key=lambda s: s["concentration_nM"])
            x = np.array([s["concentration_nM"] for s in pts])
            ax.plot(np.where(x > 0, x, 1.0), [s[key] for s in pts], "o-",
                    color=COLORS.get(m, "k"), label=m)
        ax.set(xscale="log", xlabel="bath (nM; 0 drawn at 1)", ylabel=label)
    axes[0].legend()
    if spikes is not None:
        ids, t = spikes["pyr"]
        sel = ids // n_exc == 0
        plotting.raster(axes[2], t[sel], ids[sel] % n_exc, title="trial 1 (first bath)")
    fig.suptitle("W25 rivalry under bath NE / ACh (prediction)")
    return fig
