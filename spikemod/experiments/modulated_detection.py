"""W25 threshold detection under bath noradrenaline or acetylcholine (issue 17, part 3).

The detection experiment of :mod:`spikemod.experiments.detection` [W25, LVTD] is run with the
cells' second-messenger pools (:func:`spikemod.neuromod.attach`) at the steady state of a bath
concentration, one concentration per block of circuit copies, all (modulator, concentration,
amplitude, trial) copies in ONE build. Only the unlesioned circuit is simulated.

How the bath reaches the circuit (:func:`bath_setup`): every pyramidal and PV cell (and SOM
cell, if the circuit has them) gets its own pool; the matrix-thalamus cells get none
(``[receptors]`` defines no thalamic population). The pools act through every switched-on
mapping of ``[effects]``: HCN on the decay time ``tau_gc`` of W25's thalamus-driven coupling
and on the dendritic leak ``g_Ld``; PKA on the threshold ``vt`` and the NMDA decay; Gq/Ca on
``vr`` and the adaptation ``d``; nicotinic occupancy on ``vr`` of the interneurons. ACh
additionally scales the synapses from its steady-state occupancy
(:func:`spikemod.neuromod.ach_receptor_scaling`): recurrent E->E weights by the M2 factor and
the feed-forward background onto the pyramidal somata (rate of ``ff_pyr``) by the nicotinic
factor, as :func:`spikemod.experiments.ach_state.simulate` does. The injected stimulus current is
not scaled.

Read-out per (modulator, concentration), each analysed on its own with
:func:`spikemod.experiments.detection.summarize`:

* ``threshold_pA``: the half-maximum threshold of the unlesioned psychometric curve (hit rate
  vs amplitude) at that concentration (``threshold_pA`` of detection's threshold row, NaN when
  the curve never rises);
* ``auc``: the ROC area of the stimulus counts against that concentration's no-stimulus counts,
  averaged (unweighted) over all amplitudes > 0.

Criterion: set **per concentration** (the count that minimises misses + false alarms of that
concentration's own trials), i.e. an observer that knows the drug state, as W25 set it for the
unmodulated circuit. A modulator that raises the spontaneous count therefore raises the
criterion with it; the criterion-free AUC shows the change of discriminability. The criterion of
every concentration is kept in the detail rows (``criterion`` column) and in provenance.

Design with ``--modulator`` (:data:`DEFAULTS`, reduced for run time): no lesions, amplitudes
0-600 pA in 100 pA steps (W25: 50 pA steps), 8 trials per amplitude (threshold-detection's
default; W25: 50), bath 0, 100, 1000 and 10000 nM of each modulator: 448 circuit copies.

Literature (the model's numbers are predictions; the default run's numbers and the comparison
are in benchmarks/perception_literature.md):

* NE: Gelbard-Sagiv et al. 2018 (Curr Biol 28:2239, "Noradrenaline modulates visual perception
  and late visually evoked activity") raised NE signalling with the reuptake inhibitor
  reboxetine and lowered it with the alpha2 agonist clonidine in healthy volunteers: detection
  sensitivity, discrimination accuracy and visibility followed the NE level, the decision
  criterion did not change. Mizuyama et al. 2016 (PLoS One 11:e0168455): NE improves rats'
  behavioural contrast sensitivity through beta receptors. Expected direction: NE raises
  sensitivity (AUC up, threshold down).
* ACh: Boucart et al. 2015 (Behav Brain Res 292:443): donepezil (cholinesterase inhibitor)
  gave better accuracy than scopolamine when locating an animal in briefly shown scenes, mostly
  at higher contrasts. Expected direction: ACh raises sensitivity (AUC up).

The comparison is of directions only (the model has no retina, no pupil and no dose-to-brain
pharmacokinetics; a bath concentration is not a drug dose).

What the default run gives (cpp_standalone, seed 1, 448 copies; threshold pA / mean AUC):
bath-free 70 / 0.92 and 50 / 0.99 (the NE and the ACh rows are the same condition: their spread
is the noise of 8 trials per amplitude); NE 0.1, 1, 10 uM: 70 / 0.80, 100 / 0.89, 200 / 0.58;
ACh 0.1, 1, 10 uM: 420 / 0.81, 225 / 0.74, 50 / 1.00 (criterion 1007 -> 442 spikes at 10 uM).
NE at 10 uM degrades detection (also in a 4-trial run: AUC 0.54) -- the opposite of
Gelbard-Sagiv et al.; ACh at 10 uM detects every stimulus >= 100 pA (AUC 1.00, also in the
4-trial run) but the bath-free circuit is already near ceiling, and 0.1-1 uM ACh is worse than
bath-free here and better in the 4-trial run: only the 10 uM ACh and NE results are robust.
"""

from __future__ import annotations

import numpy as np

from spikemod.experiments.common import claims_reader, read_modulator_table
from spikemod.experiments import detection

__all__ = ["NAME", "MODULATORS", "COLUMNS", "DETAIL_COLUMNS", "DEFAULTS", "baths",
           "bath_setup", "copy_condition", "simulate", "summarize", "claim",
           "claims_from_results", "figure", "parse_modulators", "parse_concentrations",
           "default_concentrations"]

NAME = "modulated-detection"
#: bath modulators of the perception protocols (their receptors: [receptors] of the model)
MODULATORS = ("NE", "ACh")
COLUMNS = ["modulator", "concentration_nM", "threshold_pA", "auc"]
DETAIL_COLUMNS = ["modulator", "concentration_nM", "amplitude_pA", "hit_rate", "auc",
                  "criterion"]

#: the reduced design of ``threshold-detection --modulator`` (run time: minutes)
DEFAULTS = {
    "concentrations_nM": (0.0, 100.0, 1000.0, 10000.0),
    "amplitudes_pA": np.arange(0.0, 601.0, 100.0),     # W25 0:50:600
    "trials": detection.DEFAULTS["trials"],            # 8, as threshold-detection (W25 50)
}


def baths(modulators, concentrations_nM):
    """The (modulator, concentration_nM) of every bath, modulator-major.

    Parameters
    ----------
    modulators : sequence of str
        Names among :data:`MODULATORS`.
    concentrations_nM : sequence of float
        Bath concentrations, nM (the same for every modulator).

    Returns
    -------
    list of (str, float)

    Raises
    ------
    ValueError
        For a modulator not in :data:`MODULATORS`.

    Example
    -------
    >>> baths(["NE", "ACh"], [0, 100])
    [('NE', 0.0), ('NE', 100.0), ('ACh', 0.0), ('ACh', 100.0)]
    """
    bad = [m for m in modulators if m not in MODULATORS]
    if bad:
        raise ValueError(f"modulator {bad[0]!r} is not allowed (allowed: {', '.join(MODULATORS)})")
    return [(m, float(c)) for m in modulators for c in concentrations_nM]


def copy_condition(synapse_copy: str, copies) -> str:
    """A Brian2 condition selecting the synapses whose ``synapse_copy`` variable (e.g.
    ``'copy_post'``) is one of ``copies``, as ranges of consecutive copies.

    Parameters
    ----------
    synapse_copy : str
        Name of the integer copy variable in the synapses' namespace.
    copies : iterable of int

    Returns
    -------
    str

    Example
    -------
    >>> copy_condition("copy_post", [0, 1, 2, 5])
    '(copy_post >= 0 and copy_post <= 2) or (copy_post >= 5 and copy_post <= 5)'
    """
    c = np.unique(np.asarray(list(copies), dtype=np.int64))
    if c.size == 0:
        return "False"
    breaks = np.flatnonzero(np.diff(c) > 1)
    starts = np.r_[c[0], c[breaks + 1]]
    ends = np.r_[c[breaks], c[-1]]
    return " or ".join(f"({synapse_copy} >= {a} and {synapse_copy} <= {b})"
                       for a, b in zip(starts, ends))


def bath_setup(model, bath_of_copy, ff_rates=None, extra_ee=()):
    """A ``setup(mc, conds)`` hook (for :func:`detection.simulate`, :func:`rivalry.simulate`
    and :func:`spikemod.experiments.integration.simulate`) that puts copy ``c`` of the circuit
    in the bath ``bath_of_copy[c]``.

    Parameters
    ----------
    model : spikemod.params.Model
        The model the circuit was built from (effects, receptors, gpcr).
    bath_of_copy : sequence of (str, float)
        ``(modulator, concentration_nM)`` per circuit copy.
    ff_rates : dict, optional
        ``{drive key: rates in Hz per source}`` to multiply by each copy's nicotinic
        feed-forward factor (ACh receptor scaling); default ``{'ff_pyr': drive.rate_soma}``
        per pyramidal cell. For the rivalry eyes pass ``{'eyes': [left, right, ...]}``.
    extra_ee : sequence of Synapses
        Further pyramidal -> pyramidal synapses with a per-synapse ``w`` whose weights the M2
        factor also scales (e.g. the inter-module connections of the integration protocol).

    Returns
    -------
    callable
        ``setup(mc, conds) -> list`` of the pools and effect synapses to add to the network.

    Raises
    ------
    ValueError
        When ``bath_of_copy`` does not have one entry per circuit copy.

    Example
    -------
    >>> from spikemod import load_model
    >>> hook = bath_setup(load_model(), [("NE", 100.0), ("ACh", 0.0)])
    >>> callable(hook)
    True
    """
    from brian2 import Hz

    from spikemod.neuromod import ach_receptor_scaling, attach, scale_weights

    def setup(mc, conds):
        if len(bath_of_copy) != mc.copies:
            raise ValueError(f"{len(bath_of_copy)} baths for {mc.copies} circuit copies")
        mods = [m for m, _ in bath_of_copy]
        conc_uM = np.array([c for _, c in bath_of_copy], float) / 1e3
        objects = []
        for pop in ("pyr", "pv", "som"):
            group = mc.populations.get(pop)
            if group is None:
                continue
            nm = attach(group, model, pop, name=f"{pop}_gpcr")
            k = mc.sizes[pop]
            bath = {m: np.repeat(np.where(np.array(mods) == m, conc_uM, 0.0), k)
                    for m in dict.fromkeys(mods)}
            nm.set_steady_state(model, bath)
            objects += nm.objects
        # ACh receptor scaling (weights are constants: applied once, per bath)
        factors = [ach_receptor_scaling(model, float(c)) if m == "ACh"
                   else {"EE": 1.0, "ff": 1.0} for m, c in zip(mods, conc_uM)]
        ee = np.array([f["EE"] for f in factors])
        for value in np.unique(ee[ee != 1.0]):
            cond = copy_condition("copy_post", np.flatnonzero(ee == value))
            for syn in [mc.synapses["EE"], *extra_ee]:
                scale_weights(syn, "w", float(value), target=cond)
        ff = np.array([f["ff"] for f in factors])
        rates = ff_rates
        if rates is None:
            rates = {"ff_pyr": np.full(mc.sizes["pyr"] * mc.copies,
                                       float(model["drive.rate_soma"] / Hz))}
        for key, r in rates.items():
            r = np.asarray(r, float)
            per_copy = r.size // mc.copies
            mc.drive[key].rates = r * np.repeat(ff, per_copy) * Hz
        return objects

    return setup


def _bath_hook(model, bath_list, trials, **kwds):
    """Hook for detection.simulate: the bath of a copy is ``bath_list[trial // trials]``."""
    def setup(mc, conds):
        return bath_setup(model, [bath_list[c[3] // trials] for c in conds], **kwds)(mc, conds)
    return setup


def simulate(model, modulators=MODULATORS, concentrations_nM=None, *, amplitudes_pA=None,
             trials=None, device="runtime", seed=None, build_dir=None, report=None):
    """Unlesioned detection trials in every (modulator, concentration) bath, one build.

    Parameters
    ----------
    model : spikemod.params.Model
        The W25 circuit (``coupling.mode = 'thalamic'``).
    modulators : sequence of str
        Among :data:`MODULATORS`.
    concentrations_nM, amplitudes_pA, trials
        The design (default :data:`DEFAULTS`); amplitudes must include 0.
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.

    Returns
    -------
    spikemod.experiments.common.CircuitRun
        ``rows``: detection's rows plus ``modulator`` and ``concentration_nM`` (``trial`` counts
        within the bath); spikes of the pyramidal and thalamic cells; ``info['baths']``.

    Raises
    ------
    ValueError
        For an unknown modulator, or no amplitude 0.

    Example
    -------
    >>> from spikemod import load_model
    >>> run = simulate(load_model(), ["NE"], [0, 1000], amplitudes_pA=[0, 400],
    ...                trials=2)                                    # doctest: +SKIP
    """
    conc = DEFAULTS["concentrations_nM"] if concentrations_nM is None else concentrations_nM
    amps = DEFAULTS["amplitudes_pA"] if amplitudes_pA is None else amplitudes_pA
    trials = int(DEFAULTS["trials"] if trials is None else trials)
    if 0.0 not in {float(a) for a in amps}:
        raise ValueError("amplitudes_pA must include 0 (the no-stimulus trials set the criterion)")
    bl = baths(modulators, conc)
    run = detection.simulate(model, amplitudes_pA=np.asarray(amps, float), lesions=("none",),
                             magnitudes_pA=(0.0,), trials=trials * len(bl), device=device,
                             seed=seed, build_dir=build_dir, report=report,
                             setup=_bath_hook(model, bl, trials))
    for r in run.rows:
        m, c = bl[r["trial"] // trials]
        r.update(modulator=m, concentration_nM=c, trial=r["trial"] % trials)
    run.info.update(baths=[list(b) for b in bl], trials_per_bath=trials,
                    bath_of_copy="bath = trial // trials_per_bath within each amplitude block")
    return run


def summarize(rows):
    """Threshold and mean AUC per (modulator, concentration), each bath analysed on its own by
    :func:`detection.summarize` (criterion per concentration).

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows.

    Returns
    -------
    (summary_rows, detail_rows)
        ``summary_rows`` have :data:`COLUMNS` (``auc``: mean over the amplitudes > 0);
        ``detail_rows`` :data:`DETAIL_COLUMNS` (hit rate and AUC per amplitude).

    Example
    -------
    >>> rows = [dict(lesion="none", lesion_pA=0.0, amplitude_pA=a, trial=k, spike_count=c,
    ...              modulator="NE", concentration_nM=0.0)
    ...         for a, cs in ((0.0, (1, 2)), (100.0, (5, 6))) for k, c in enumerate(cs)]
    >>> summarize(rows)[0]
    [{'modulator': 'NE', 'concentration_nM': 0.0, 'threshold_pA': 50.0, 'auc': 1.0}]
    """
    out, detail = [], []
    for m, c in dict.fromkeys((r["modulator"], r["concentration_nM"]) for r in rows):
        sub = [r for r in rows if r["modulator"] == m and r["concentration_nM"] == c]
        _, summary, thresholds, criterion = detection.summarize(sub)
        stim = [s["auc"] for s in summary if s["amplitude_pA"] > 0]
        out.append({"modulator": m, "concentration_nM": c,
                    "threshold_pA": float(thresholds[0]["threshold_pA"]),
                    "auc": float(np.mean(stim)) if stim else float("nan")})
        detail += [{"modulator": m, "concentration_nM": c, "amplitude_pA": s["amplitude_pA"],
                    "hit_rate": s["hit_rate"], "auc": s["auc"], "criterion": criterion}
                   for s in sorted(summary, key=lambda s: s["amplitude_pA"])]
    return out, detail


def _by_modulator(summary, key):
    out = {}
    for s in summary:
        out.setdefault(s["modulator"], []).append((s["concentration_nM"], s[key]))
    return {m: sorted(v) for m, v in out.items()}


def claim(summary) -> list[dict]:
    """Predictions of the modulated detection run against the direction the pharmacology
    reports (benchmarks/perception_literature.md): raising NE (reboxetine, Gelbard-Sagiv et al.
    2018) or ACh (donepezil, Boucart et al. 2015) improves detection sensitivity. Per
    modulator: the mean AUC (amplitudes > 0) at the highest vs the lowest concentration
    (``reproduced`` when it rises), and the half-maximum threshold (``reproduced`` when it
    falls).

    Parameters
    ----------
    summary : list of dict
        :func:`summarize`'s summary rows.

    Returns
    -------
    list of dict
        ``claim, measure, value, reference, reproduced``, two per modulator.

    Example
    -------
    >>> rows = [{"modulator": "NE", "concentration_nM": c, "threshold_pA": t, "auc": a}
    ...         for c, t, a in ((0.0, 200.0, 0.8), (1000.0, 150.0, 0.9))]
    >>> [c["reproduced"] for c in claim(rows)]
    [True, True]
    """
    source = {"NE": "reboxetine, Gelbard-Sagiv et al. 2018",
              "ACh": "donepezil, Boucart et al. 2015"}
    out = []
    auc, thr = _by_modulator(summary, "auc"), _by_modulator(summary, "threshold_pA")
    for m in auc:
        (c0, a0), (c1, a1) = auc[m][0], auc[m][-1]
        (_, t0), (_, t1) = thr[m][0], thr[m][-1]
        ref = source.get(m, "prediction")
        out.append({"claim": f"modulated detection: {m} improves detection sensitivity ({ref})",
                    "measure": f"mean AUC (amplitudes > 0), {m} {c1:g} nM vs {c0:g} nM",
                    "value": a1, "reference": a0, "reproduced": bool(a1 > a0)})
        out.append({"claim": f"modulated detection: {m} lowers the detection threshold ({ref})",
                    "measure": f"half-maximum threshold (pA), {m} {c1:g} nM vs {c0:g} nM",
                    "value": t1, "reference": t0,
                    "reproduced": bool(np.isfinite(t0) and np.isfinite(t1) and t1 < t0)})
    return out


claims_from_results = claims_reader(claim, "modulated_detection.csv", read=read_modulator_table)


COLORS = {"NE": "#2a7ab0", "ACh": "#c77c1e"}


def figure(summary, detail):
    """Threshold and mean AUC against concentration per modulator, and the psychometric curves
    of each bath."""
    from spikemod import plotting
    fig, axes = plotting.figure(1, 3, width=9.0, height=3.0)
    axes = axes.ravel()
    for key, ax, label in (("threshold_pA", axes[0], "threshold (pA)"),
                           ("auc", axes[1], "mean AUC (amplitudes > 0)")):
        for m, pts in _by_modulator(summary, key).items():
            x = np.array([c for c, _ in pts])
            axes_x = np.where(x > 0, x, 1.0)
            ax.plot(axes_x, [v for _, v in pts], "o-", color=COLORS.get(m, "k"), label=m)
        ax.set(xscale="log", xlabel="bath (nM; 0 drawn at 1)", ylabel=label)
    axes[0].legend()
    concs = sorted({d["concentration_nM"] for d in detail})
    for d_m in dict.fromkeys(d["modulator"] for d in detail):
        for k, c in enumerate(concs):
            pts = [d for d in detail if d["modulator"] == d_m and d["concentration_nM"] == c]
            axes[2].plot([d["amplitude_pA"] for d in pts], [d["hit_rate"] for d in pts],
                         color=COLORS.get(d_m, "k"), alpha=0.3 + 0.7 * k / max(1, len(concs) - 1),
                         lw=1)
    axes[2].set(xlabel="stimulus amplitude (pA)", ylabel="P(detected)",
                title="darker = higher bath")
    fig.suptitle("W25 detection under bath NE / ACh (prediction)")
    return fig


# -- command-line helpers shared by the protocols (threshold-detection, rivalry, integration) --
def parse_modulators(text, option="--modulator", allowed=None):
    """The modulator list of a ``--modulator`` option.

    Parameters
    ----------
    text : str
        Comma-separated names among ``allowed`` (default :data:`MODULATORS`).
    option : str
        Option name for the error message.
    allowed : iterable of str, optional
        The names allowed (e.g. the Gs-acting modulators of ``metaplasticity``).

    Returns
    -------
    list of str

    Raises
    ------
    spikemod.protocol.UsageError
        One line naming the bad value and what is allowed.

    Example
    -------
    >>> parse_modulators("NE, ACh")
    ['NE', 'ACh']
    """
    from spikemod.protocol import UsageError
    allowed = list(MODULATORS if allowed is None else allowed)
    mods = [m.strip() for m in str(text).split(",") if m.strip()]
    bad = [m for m in mods if m not in allowed]
    if not mods or bad:
        raise UsageError(f"{option}: {text!r} is not allowed (allowed: a list of "
                         f"{', '.join(allowed)})")
    if len(set(mods)) != len(mods):
        raise UsageError(f"{option}: {text!r} names a modulator twice")
    return mods


def parse_concentrations(text, model, modulators, option="--concentrations"):
    """Sorted unique bath concentrations (nM) of a ``--concentrations`` option; refuses a bath
    whose second-messenger pools have no steady state.

    Parameters
    ----------
    text : str
        Comma-separated values or ranges in nM (:func:`spikemod.protocol.parse_values`).
    model : spikemod.params.Model
    modulators : list of str
    option : str

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    spikemod.protocol.UsageError
        For values outside 0-1e6 nM or a bath without a steady state.

    Example
    -------
    >>> from spikemod import load_model
    >>> parse_concentrations("1000,0,100", load_model(), ["NE"])
    array([   0.,  100., 1000.])
    """
    from spikemod.gpcr import receptor_densities, steady_state
    from spikemod.params import ModelError
    from spikemod.protocol import UsageError, parse_values
    conc = np.unique(parse_values(text, "nM", option, minimum=0, maximum=1e6))
    for m in modulators:
        for pop in ("pyr", "pv"):
            try:
                steady_state(model, {m: conc / 1e3}, receptor_densities(model, pop))
            except ModelError as exc:
                raise UsageError(f"{option}: {text!r}: {exc}") from None
    return conc


def default_concentrations():
    """The default ``--concentrations`` text of the perception and integration protocols."""
    return ",".join(f"{c:g}" for c in DEFAULTS["concentrations_nM"])
