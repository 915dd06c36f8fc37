"""neural-mass: E / PV / SOM Wilson-Cowan model with fitted transfer functions against the spiking microcircuit.

Methods. (1) Transfer functions: unconnected pyramidal, PV and SOM populations under Poisson
AMPA + NMDA drive (spikemod.rates.transfer; nominal-current axis; pyramidal 0-2500 pA, PV 0-800
pA, SOM 0-500 pA); the pyramidal cells at constant dendritic currents 0, 200, 400, 600 pA and,
for the modulator, with the resting-potential shift of model ``transfer.vr_shift``; sigmoids
fitted with curve_fit. (2) The spiking W25 ring microcircuit (spikemod.network; 90 E, 90 PV and
``neural_mass.n_som`` SOM cells and W25's thalamus) with the E->E amplitude scaled by
``--ee-scale`` (default 1, the published circuit) runs through
``--segment``-long steps: baseline; feed-forward drive onto the pyramidal soma x ``--ff-step``;
feedback drive onto the apical dendrites at ``--dend-rate``; the modulator (pyramidal vr shifted,
Ca-release mechanism of S21). (3) The neural mass (spikemod.rates.neural_mass) runs through the
same steps with couplings computed from the microcircuit's synaptic weights (inhibition at the
pyramidal cells' mean potential measured in the baseline step); the modulator acts on E's
sigmoid parameters as it did on the unconnected population. (4) Calibration: a factor on the PV->E coupling, an additive shift of PV's input (pA) and a factor
on the E->SOM coupling are fitted (scipy least_squares) so that the mass's time-averaged E, PV and
SOM rates match the spiking circuit's in the BASELINE step only; the drive, dendritic and
modulator steps are held out (validation). The error of a condition is the relative difference
of the time-averaged E rates over the second half of its step (also given for PV and SOM).
Measured (defaults, seeds 1 / 3): held-out E errors 21 / 19 % (drive step), 18 / 25 % (dendritic
step), 0.4 / 5 % (modulator); the mass over-predicts E's response to both input steps (its PV
response is somewhat too small; PV's sigmoid fits its f-I curve with 15 Hz rmse). Scaling E->PV
instead of shifting PV's input gave 24-30 %; without calibration the errors were 76-90 %.

Outputs: neural_mass_vs_spiking.csv (condition, t_s, rate_spiking_Hz, rate_mass_Hz; pyramidal
population, 10 ms bins), neural_mass_summary.json (errors per condition and population with its
role calibration/held_out, max_rel_error_E_held_out, calibration: parameters, step and factors,
couplings before and after calibration, fitted transfer functions, timings), neural_mass.png, provenance.json.
"""

import numpy as np

from spikemod import plotting
from spikemod.experiments.common import scaled_recurrence
from spikemod.protocol import parse_values, add_ee_scale, ee_scale, protocol_main
from spikemod.rates.neural_mass import (NeuralMass, Segment, calibrate,
                                        couplings_from_synapses, dendritic_transfer, run_microcircuit)
from spikemod.rates.transfer import transfer_sweep

NAME = "neural-mass"
COLUMNS = ["condition", "t_s", "rate_spiking_Hz", "rate_mass_Hz"]
DEND_LEVELS = (0.0, 200.0, 400.0, 600.0)
DT_MS = 0.25     # Euler step of the neural mass


def add_arguments(p):
    add_ee_scale(p)
    p.add_argument("--segment", default="0.5", help="duration of each step, s (default %(default)s)")
    p.add_argument("--ff-step", default="1.3",
                   help="feed-forward drive factor of the drive step (default %(default)s)")
    p.add_argument("--dend-rate", default="600",
                   help="feedback Poisson rate onto the dendrites in the dendritic step, Hz (default %(default)s)")
    p.add_argument("--levels", default="11", help="input levels of the transfer sweeps (default %(default)s)")
    p.add_argument("--per-point", default="8", help="neurons per transfer grid point (default %(default)s)")


def validate(args, model):
    args.ee = ee_scale(args)
    args.segment_ms = 1000 * parse_values(args.segment, "second", "--segment", minimum=0.05)[0]
    args.ff = parse_values(args.ff_step, "1", "--ff-step", minimum=0)[0]
    args.dend = parse_values(args.dend_rate, "Hz", "--dend-rate", minimum=0)[0]
    args.n_levels = int(parse_values(args.levels, "1", "--levels", minimum=4)[0])
    args.n_per_point = int(parse_values(args.per_point, "1", "--per-point", minimum=1)[0])


def run(ctx, args):
    model = scaled_recurrence(ctx.model, args.ee)
    ctx.extra_provenance["ee_scale"] = float(args.ee)
    vr_shift_mV = float(model["transfer.vr_shift"]) * 1e3
    conditions = {"pyr": {**{f"dend_{lv:g}": {"I_dend_pA": lv} for lv in DEND_LEVELS},
                          "modulated": {"dvr_mV": vr_shift_mV}},
                  "pv": {"control": {}}, "som": {"control": {}}}
    I = {"pyr": np.linspace(0, 2500, args.n_levels), "pv": np.linspace(0, 800, args.n_levels),
         "som": np.linspace(0, 500, args.n_levels)}
    kw = dict(ctx.sim_kwargs)
    kw["build_dir"] = ctx.build_dir / "transfer"
    tf = transfer_sweep(model, I, n_per_point=args.n_per_point, burn_in_s=0.3, duration_s=0.5,
                        conditions=conditions, **kw)
    fit = {(f["population"], f["condition"]): f for f in tf.fits}
    ctrl, mod = fit[("pyr", "dend_0")], fit[("pyr", "modulated")]
    modulation = {"r_max": mod["r_max_Hz"] / ctrl["r_max_Hz"],
                  "gain": mod["gain_per_pA"] / ctrl["gain_per_pA"],
                  "threshold_shift": mod["threshold_pA"] - ctrl["threshold_pA"]}
    segs = [Segment("baseline", args.segment_ms),
            Segment("ff_step", args.segment_ms, ff_scale=args.ff),
            Segment("dend_step", args.segment_ms, rate_dend_Hz=args.dend),
            Segment("modulator", args.segment_ms, modulated=True)]
    kw["build_dir"] = ctx.build_dir / "circuit"
    spk = run_microcircuit(model, segs, n_som=int(model["neural_mass.n_som"]), report=ctx.report(), **kw)
    W = couplings_from_synapses(model, spk["weights"], spk["sizes"], v_mean=spk["v_mean"])
    mass = NeuralMass({"tau_ms": {"pyr": float(model["neural_mass.tau_E"]) * 1e3,
                                  "pv": float(model["neural_mass.tau_P"]) * 1e3,
                                  "som": float(model["neural_mass.tau_S"]) * 1e3},
                       "W": W, "F": {"pv": fit[("pv", "control")], "som": fit[("som", "control")]},
                       "F_E": dendritic_transfer({lv: fit[("pyr", f"dend_{lv:g}")] for lv in DEND_LEVELS}),
                       "modulation": modulation})
    # calibration on the baseline step only; the other steps are held out
    late0 = (spk["t_ms"] >= args.segment_ms / 2) & (spk["t_ms"] < args.segment_ms)
    cal = calibrate(mass, segs[0], model, {pop: float(r[late0].mean()) for pop, r in spk["r_Hz"].items()},
                    dt_ms=DT_MS)
    out = mass.run(segs, model, dt_ms=DT_MS)
    t = spk["t_ms"]
    r_mass = {pop: np.interp(t, out["t_ms"], out["r_Hz"][k]) for k, pop in enumerate(("pyr", "pv", "som"))}
    rows, errors = [], []
    for k, seg in enumerate(segs):
        t0 = k * args.segment_ms
        in_seg = (t >= t0) & (t < t0 + args.segment_ms)
        rows += [{"condition": seg.name, "t_s": ti / 1000, "rate_spiking_Hz": a, "rate_mass_Hz": b}
                 for ti, a, b in zip(t[in_seg], spk["r_Hz"]["pyr"][in_seg], r_mass["pyr"][in_seg])]
        late = (t >= t0 + args.segment_ms / 2) & (t < t0 + args.segment_ms)
        entry = {"condition": seg.name, "role": "calibration" if k == 0 else "held_out"}
        for pop in spk["r_Hz"]:
            a, b = float(spk["r_Hz"][pop][late].mean()), float(r_mass[pop][late].mean())
            entry[pop] = {"rate_spiking_Hz": a, "rate_mass_Hz": b,
                          "rel_error": abs(b - a) / a if a > 0 else None}
        errors.append(entry)
    sim_s = spk["timers"].get("run_binary") or spk["wall_s"]
    held = [e["pyr"]["rel_error"] for e in errors[1:] if e["pyr"]["rel_error"] is not None]
    summary = {"errors": errors, "max_rel_error_E": max(e["pyr"]["rel_error"] for e in errors),
               "max_rel_error_E_held_out": max(held) if held else None, "ee_scale": float(args.ee),
               "calibration": {"condition": segs[0].name, "target": "time-averaged E, PV, SOM rates, "
                               "second half of the step", "parameters": {"PVE": "factor on W_PVE", "shift_pv": "PV input shift, pA", "ESOM": "factor on W_ESOM"},
                               "scale": cal["scale"], "cost": cal["cost"], "nfev": cal["nfev"],
                               "held_out": [s_.name for s_ in segs[1:]]},
               "couplings_from_synapses_pA_per_Hz": W, "couplings_pA_per_Hz": cal["W"],
               "input_shift_pA": cal["shift_pA"], "v_mean_mV": {k: 1e3 * v for k, v in spk["v_mean"].items()},
               "modulation": modulation, "fits": tf.fits,
               "spiking_sim_s": sim_s, "mass_s": out["wall_s"], "speedup": sim_s / out["wall_s"]}
    ctx.write_csv("neural_mass_vs_spiking.csv", rows, COLUMNS)
    ctx.write_json("neural_mass_summary.json", summary)
    ctx.save_figure(plotting.neural_mass_figure(t, spk["r_Hz"], r_mass, segs, errors,
                                                args.segment_ms), "neural_mass.png")
    for e in errors:
        ctx.log(f"{e['condition']:<10} ({e['role']}) E {e['pyr']['rate_spiking_Hz']:.1f} Hz spiking vs "
                f"{e['pyr']['rate_mass_Hz']:.1f} Hz mass")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
