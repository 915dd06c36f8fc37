"""The E / PV / SOM neural mass with fitted transfer functions against the spiking W25 ring
[MODEL.md s6; S21 Fig. 4; W25].

(1) Transfer functions: unconnected pyramidal, PV and SOM populations under Poisson AMPA + NMDA
drive (:func:`spikemod.experiments.transfer_fit.simulate`; nominal-current axis 0 ..
:data:`TRANSFER_RANGES_PA`); the pyramidal cells at the constant dendritic currents
:data:`DEND_LEVELS` and, for the modulator, with the resting-potential shift of model
``transfer.vr_shift``; sigmoids fitted with curve_fit. (2) The spiking W25 ring
(:func:`run_microcircuit`; 90 E, 90 PV, ``neural_mass.n_som`` SOM cells and W25's thalamus),
E->E at ``ee_scale`` of W25's amplitude, runs through ``segment_s``-long steps: baseline;
feed-forward drive onto the pyramidal somata x ``ff_step``; feedback drive onto the apical
dendrites at ``dend_rate_Hz``; the modulator (pyramidal vr shifted, the Ca-release mechanism of
S21). (3) The neural mass (:class:`spikemod.rates.neural_mass.NeuralMass`) runs through the same
steps with couplings computed from the circuit's synaptic weights (inhibition at the pyramidal
cells' mean potential measured in the baseline step); the modulator acts on E's sigmoid
parameters as it did on the unconnected population. (4) Calibration
(:func:`spikemod.rates.neural_mass.calibrate`): a factor on the PV->E coupling, an additive
shift of PV's input (pA) and a factor on the E->SOM coupling are fitted so that the mass's
time-averaged E, PV and SOM rates match the spiking circuit's in the BASELINE step only; the
drive, dendritic and modulator steps are held out. The error of a step is the relative
difference of the time-averaged rates over its second half.

Results (README): on the published circuit (``ee_scale`` 1) every held-out step sends the mass
to its upper branch; with ``ee_scale`` 0.15 (a weakly recurrent ring) it stays on the ring's
branch (held-out E errors 9-46 %).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spikemod.experiments import transfer_fit
from spikemod.experiments.common import scaled_recurrence
from spikemod.rates.meanfield import bin_rate
from spikemod.rates.neural_mass import (NeuralMass, Segment, calibrate, couplings_from_synapses,
                                        dendritic_transfer)

__all__ = ["NAME", "COLUMNS", "DEND_LEVELS", "DT_MS", "TRANSFER_RANGES_PA", "DEFAULTS",
           "run_microcircuit", "NeuralMassRun", "simulate", "figure"]

NAME = "neural-mass"
COLUMNS = ["condition", "t_s", "rate_spiking_Hz", "rate_mass_Hz"]   # neural_mass_vs_spiking.csv
#: constant dendritic currents (pA) at which the pyramidal transfer function is fitted
DEND_LEVELS = (0.0, 200.0, 400.0, 600.0)
DT_MS = 0.25     # Euler step of the neural mass
#: largest nominal drive current (pA) of each transfer sweep, and its window (s)
TRANSFER_RANGES_PA = {"pyr": 2500.0, "pv": 800.0, "som": 500.0}
TRANSFER_BURN_IN_S, TRANSFER_DURATION_S = 0.3, 0.5

DEFAULTS = {
    "segment_s": 0.5,                     # duration of each step
    "ff_step": 1.3,                       # feed-forward drive factor of the drive step
    "dend_rate_Hz": 600.0,                # feedback rate onto the dendrites, dendritic step
    "levels": 11,                         # input levels of the transfer sweeps
    "per_point": 8,                       # neurons per transfer grid point
    "ee_scale": 1.0,                      # E->E amplitude x this (1: published circuit)
}


def run_microcircuit(model, segments, n_som: int, bin_ms: float = 10.0, device="runtime",
                     seed=None, build_dir=None, report=None) -> dict:
    """The spiking microcircuit (:func:`spikemod.network.build_microcircuit`) through the
    neural mass's segments.

    Parameters
    ----------
    model : spikemod.params.Model
        The circuit.
    segments : sequence of spikemod.rates.neural_mass.Segment
        The steps (drive factor, dendritic rate, modulator).
    n_som : int
        SOM cells.
    bin_ms : float
        Bin of the population rates, ms.
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.

    Returns
    -------
    dict
        ``t_ms`` (bin centres), ``r_Hz`` {pyr, pv, som: binned population rate}, ``weights``
        {pathway: (summed AMPA, summed NMDA weight, S)}, ``sizes``, ``v_mean`` (mean somatic
        and dendritic potential of 20 pyramidal cells over the first segment, V), ``wall_s``,
        ``timers``.

    Example
    -------
    >>> spk = run_microcircuit(load_model(), [Segment("baseline", 500.0)], n_som=30)  # doctest: +SKIP
    """
    from brian2 import Hz, Network, PopulationRateMonitor, StateMonitor, mV, ms, volt
    from spikemod.device import simulation
    from spikemod.network import build_microcircuit

    vr_shift = model["transfer.vr_shift"]
    rate_ff = model["drive.rate_soma"]
    start = time.perf_counter()
    with simulation(device, seed=seed, dt=model["sim.dt"], build_dir=build_dir) as sim:
        mc = build_microcircuit(model, n_som=n_som, name="nm", rng_seed=seed)
        mons = {pop: PopulationRateMonitor(g, name=f"nm_rate_{pop}")
                for pop, g in (("pyr", mc.pyr), ("pv", mc.pv), ("som", mc.som)) if g is not None}
        vmon = StateMonitor(mc.pyr, ["v", "v_d"], record=np.arange(min(20, len(mc.pyr))),
                            dt=1 * ms, name="nm_v")
        net = Network(*mc.objects, *mons.values(), vmon)
        vr0 = model["soma.vr"]
        for seg in segments:
            mc.drive["ff_pyr"].rates = rate_ff * seg.ff_scale
            mc.drive["fb_pyr"].rates = seg.rate_dend_Hz * Hz
            mc.pyr.vr = vr0 + (vr_shift if seg.modulated else 0 * mV)
            net.run(seg.duration_ms * ms, report=report)
        sim.finish()
        rates = {pop: np.array(m.rate[:], copy=True) for pop, m in mons.items()}
        base = np.array(vmon.t[:] / ms) < segments[0].duration_ms
        v_mean = {"pyr": float(np.mean(np.array(vmon.v[:] / volt)[:, base])),
                  "dend": float(np.mean(np.array(vmon.v_d[:] / volt)[:, base]))}
        weights = {}
        for key, syn in mc.synapses.items():
            if key == "EE":
                w = float(np.sum(syn.w[:]))
                r_n = float(np.asarray(syn.r_nmda[:]).ravel()[0]) if "r_nmda" in syn.variables else \
                    float(model["connectivity.EE_nmda_scale"]) / float(model["connectivity.EE_ampa_scale"])
                weights[key] = (w, w * r_n)
            elif key in ("EPV", "ESOM"):
                weights[key] = (float(np.sum(syn.w_ampa[:])), float(np.sum(syn.w_nmda[:])))
            else:
                weights[key] = (float(np.sum(syn.w[:])), 0.0)
        sizes = {"pyr": len(mc.pyr), "pv": len(mc.pv) if mc.pv is not None else 1,
                 "som": len(mc.som) if mc.som is not None else 1}
        timers = dict(sim.timers)
    step_ms = float(model["sim.dt"] / ms)
    pops = list(rates)
    t, binned = bin_rate(np.array([rates[p] for p in pops]), step_ms, bin_ms)
    return {"t_ms": t, "r_Hz": dict(zip(pops, binned)), "weights": weights, "sizes": sizes,
            "v_mean": v_mean, "wall_s": time.perf_counter() - start, "timers": timers}


@dataclass
class NeuralMassRun:
    """What :func:`simulate` returns: the CSV rows, the summary (neural_mass_summary.json) and
    the traces of the figure (per population, on the circuit's 10 ms bins)."""

    rows: list            # COLUMNS, pyramidal population
    summary: dict
    t_ms: np.ndarray
    r_spiking: dict       # {population: rate (Hz)}
    r_mass: dict          # {population: rate (Hz)}
    segments: list        # the Segment steps
    errors: list          # per step: role and {population: rates, rel_error}


def simulate(model, *, segment_s=DEFAULTS["segment_s"], ff_step=DEFAULTS["ff_step"],
             dend_rate_Hz=DEFAULTS["dend_rate_Hz"], levels=DEFAULTS["levels"],
             per_point=DEFAULTS["per_point"], ee_scale=DEFAULTS["ee_scale"], device="runtime",
             seed=None, build_dir=None, report=None) -> NeuralMassRun:
    """Fit the transfer functions, run the spiking circuit through the steps, calibrate the mass
    on the baseline step and compare every step (see the module docstring).

    Parameters
    ----------
    model : spikemod.params.Model
        The circuit and the ``neural_mass`` / ``transfer`` sections.
    segment_s, ff_step, dend_rate_Hz, levels, per_point, ee_scale
        The design (defaults: :data:`DEFAULTS`).
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`; the transfer sweep and the circuit build in
        ``build_dir/transfer`` and ``build_dir/circuit``.

    Returns
    -------
    NeuralMassRun
        ``rows`` (:data:`COLUMNS`, pyramidal population, 10 ms bins), ``summary`` (errors per
        step and population with its role calibration / held_out,
        ``max_rel_error_E_held_out``, the calibration, couplings, fits, timings) and the
        traces for :func:`figure`.

    Example
    -------
    >>> run = simulate(load_model(), ee_scale=0.15, seed=1)        # doctest: +SKIP
    >>> run.summary["max_rel_error_E_held_out"]                    # doctest: +SKIP
    """
    model = scaled_recurrence(model, ee_scale)
    segment_ms = 1000.0 * segment_s

    def sub(name):
        return None if build_dir is None else Path(build_dir) / name

    vr_shift_mV = float(model["transfer.vr_shift"]) * 1e3
    conditions = {"pyr": {**{f"dend_{lv:g}": {"I_dend_pA": lv} for lv in DEND_LEVELS},
                          "modulated": {"dvr_mV": vr_shift_mV}},
                  "pv": {"control": {}}, "som": {"control": {}}}
    I = {p: np.linspace(0, top, levels) for p, top in TRANSFER_RANGES_PA.items()}
    tf = transfer_fit.simulate(model, list(I), I_nom_pA=I, per_point=per_point,
                               burn_in_s=TRANSFER_BURN_IN_S, duration_s=TRANSFER_DURATION_S,
                               conditions=conditions, device=device, seed=seed,
                               build_dir=sub("transfer"))
    fit = {(f["population"], f["condition"]): f for f in tf.fits}
    ctrl, mod = fit[("pyr", "dend_0")], fit[("pyr", "modulated")]
    modulation = {"r_max": mod["r_max_Hz"] / ctrl["r_max_Hz"],
                  "gain": mod["gain_per_pA"] / ctrl["gain_per_pA"],
                  "threshold_shift": mod["threshold_pA"] - ctrl["threshold_pA"]}
    segs = [Segment("baseline", segment_ms),
            Segment("ff_step", segment_ms, ff_scale=ff_step),
            Segment("dend_step", segment_ms, rate_dend_Hz=dend_rate_Hz),
            Segment("modulator", segment_ms, modulated=True)]
    spk = run_microcircuit(model, segs, n_som=int(model["neural_mass.n_som"]), device=device,
                           seed=seed, build_dir=sub("circuit"), report=report)
    W = couplings_from_synapses(model, spk["weights"], spk["sizes"], v_mean=spk["v_mean"])
    mass = NeuralMass({"tau_ms": {"pyr": float(model["neural_mass.tau_E"]) * 1e3,
                                  "pv": float(model["neural_mass.tau_P"]) * 1e3,
                                  "som": float(model["neural_mass.tau_S"]) * 1e3},
                       "W": W, "F": {"pv": fit[("pv", "control")], "som": fit[("som", "control")]},
                       "F_E": dendritic_transfer({lv: fit[("pyr", f"dend_{lv:g}")]
                                                  for lv in DEND_LEVELS}),
                       "modulation": modulation})
    # calibration on the baseline step only; the other steps are held out
    t = spk["t_ms"]
    late0 = (t >= segment_ms / 2) & (t < segment_ms)
    cal = calibrate(mass, segs[0], model,
                    {pop: float(r[late0].mean()) for pop, r in spk["r_Hz"].items()}, dt_ms=DT_MS)
    out = mass.run(segs, model, dt_ms=DT_MS)
    r_mass = {pop: np.interp(t, out["t_ms"], out["r_Hz"][k])
              for k, pop in enumerate(("pyr", "pv", "som"))}
    rows, errors = [], []
    for k, seg in enumerate(segs):
        t0 = k * segment_ms
        in_seg = (t >= t0) & (t < t0 + segment_ms)
        rows += [{"condition": seg.name, "t_s": ti / 1000, "rate_spiking_Hz": a, "rate_mass_Hz": b}
                 for ti, a, b in zip(t[in_seg], spk["r_Hz"]["pyr"][in_seg], r_mass["pyr"][in_seg])]
        late = (t >= t0 + segment_ms / 2) & (t < t0 + segment_ms)
        entry = {"condition": seg.name, "role": "calibration" if k == 0 else "held_out"}
        for pop in spk["r_Hz"]:
            a, b = float(spk["r_Hz"][pop][late].mean()), float(r_mass[pop][late].mean())
            entry[pop] = {"rate_spiking_Hz": a, "rate_mass_Hz": b,
                          "rel_error": abs(b - a) / a if a > 0 else None}
        errors.append(entry)
    sim_s = spk["timers"].get("run_binary") or spk["wall_s"]
    held = [e["pyr"]["rel_error"] for e in errors[1:] if e["pyr"]["rel_error"] is not None]
    summary = {"errors": errors, "max_rel_error_E": max(e["pyr"]["rel_error"] for e in errors),
               "max_rel_error_E_held_out": max(held) if held else None, "ee_scale": float(ee_scale),
               "calibration": {"condition": segs[0].name, "target": "time-averaged E, PV, SOM rates, "
                               "second half of the step",
                               "parameters": {"PVE": "factor on W_PVE", "shift_pv": "PV input shift, pA",
                                              "ESOM": "factor on W_ESOM"},
                               "scale": cal["scale"], "cost": cal["cost"], "nfev": cal["nfev"],
                               "held_out": [s_.name for s_ in segs[1:]]},
               "couplings_from_synapses_pA_per_Hz": W, "couplings_pA_per_Hz": cal["W"],
               "input_shift_pA": cal["shift_pA"],
               "v_mean_mV": {k: 1e3 * v for k, v in spk["v_mean"].items()},
               "modulation": modulation, "fits": tf.fits,
               "spiking_sim_s": sim_s, "mass_s": out["wall_s"], "speedup": sim_s / out["wall_s"]}
    return NeuralMassRun(rows, summary, t, spk["r_Hz"], r_mass, segs, errors)


def figure(run: NeuralMassRun):
    """Spiking microcircuit against the E / PV / SOM neural mass through the steps, one panel
    per population, each step's relative error of the mean rate written on it.

    Parameters
    ----------
    run : NeuralMassRun
        :func:`simulate`'s result.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> fig = figure(simulate(load_model(), ee_scale=0.15))        # doctest: +SKIP
    """
    from spikemod import plotting
    t_ms, r_spk, r_mass = run.t_ms, run.r_spiking, run.r_mass
    pops = list(r_spk)
    fig, axes = plotting.figure(len(pops), 1, width=8, height=2.2 * len(pops))
    for row, pop in enumerate(pops):
        ax = axes[row, 0]
        ax.plot(t_ms / 1000, r_spk[pop], color=plotting.COLORS.get(pop, "k"), lw=1,
                label="spiking")
        ax.plot(t_ms / 1000, r_mass[pop], color="k", lw=1.4, ls="--", label="neural mass")
        t0 = 0.0
        for seg, err in zip(run.segments, run.errors):
            ax.axvline(t0, color="0.8", lw=0.8)
            e = err[pop]["rel_error"]
            role = {"calibration": " (fit)", "held_out": " (held out)"}.get(err.get("role"), "")
            ax.text(t0 + 0.02 * seg.duration_ms / 1000, 0.97, f"{seg.name}{role}\nerror "
                    + (f"{100 * e:.0f} %" if e is not None else "n/a"),
                    transform=ax.get_xaxis_transform(), va="top", fontsize=6.5)
            t0 += seg.duration_ms / 1000
        ax.set_ylabel(f"{pop} rate (Hz)")
        ax.set_xlabel("time (s)")
        if row == 0:
            ax.legend(loc="lower right", fontsize=6.5)
    axes[0, 0].set_title("neural mass vs spiking microcircuit")
    return fig
