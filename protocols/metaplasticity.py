"""metaplasticity: a Gs-acting modulator lowers the LTD -> LTP crossover of the frequency response.

Methods. The classic frequency-dependence experiment (Dudek & Bear 1992 [DB92]: a fixed number
of pulses at 1-100 Hz, weight change per frequency) under bath noradrenaline (beta1, Gs) and
dopamine (D1, Gs). Every (modulator, concentration, frequency) is its own synaptic L5 pyramidal
cell [W25] with its own presynaptic source, all in one simulation: --pulses regular pulses
(default 100; DB92 used 900) onto the apical dendrite (AMPA 8 nS, NMDA 4 nS per pulse) through a
synapse with the calcium-control rule of Shouval, Bear & Cooper 2002 [SBC02]: NMDA calcium
(gated by the dendrite's own Mg block and voltage) between theta_d and theta_p depresses,
above theta_p (the BCM threshold theta_M) potentiates. Each cell's second-messenger pool
(spikemod.gpcr) starts at the steady state of its bath and acts through all switched-on
[effects] (coupling, dendritic leak, threshold, NMDA decay ...); its PKA lowers both
thresholds by exp(-theta_PKA (PKA - PKA_basal)) (switch metaplasticity.pka_theta). The pool
expresses the cell's full receptor set ([receptors]): NE also binds alpha2A (Gi) and DA D2
(Gi), which lower cAMP at low concentrations; to model a selective agonist set the other
subtypes to 0 (e.g. --set receptors.alpha2A_pyr=0 --set receptors.alpha1_pyr=0). All trains
end together and the weights are read 1 s later. dw_percent = 100 (w - w0)/w0 with w0 the
resting weight; crossover_Hz = the first LTD -> LTP sign change in ascending frequency,
interpolated linearly in log frequency (NaN, with a note in provenance.json, if there is none).
Expected from the source: the crossover falls as PKA rises.

Outputs: metaplasticity.csv (modulator, concentration_nM, frequency_Hz, dw_percent),
metaplasticity_summary.csv (modulator, concentration_nM, crossover_Hz),
metaplasticity_detail.csv (plus PKA, cAMP_uM, theta_M_uM, somatic post_rate_Hz during the
train), spikes.h5 (presynaptic trains and
postsynaptic spikes), metaplasticity.png, provenance.json.
"""

import numpy as np

from spikemod.experiments import metaplasticity as exp
from spikemod.experiments.modulated_detection import parse_modulators
from spikemod.protocol import UsageError, format_values, parse_count, parse_values, protocol_main

NAME = exp.NAME


def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--modulator", default=",".join(d["modulators"]),
                   help="Gs-acting bath modulators, comma-separated: NE (beta1), DA (D1) "
                        "(default %(default)s)")
    p.add_argument("--concentrations", default=format_values(d["concentrations_nM"]),
                   help="bath concentrations, nM, the same for each modulator (default "
                        "%(default)s)")
    p.add_argument("--frequencies", default=format_values(d["frequencies_Hz"]),
                   help="train frequencies, Hz (default %(default)s)")
    p.add_argument("--pulses", default=str(d["pulses"]),
                   help="pulses per train (default %(default)s; Dudek & Bear 1992: 900)")
    p.add_argument("--settle", default=format_values(d["settle_s"]),
                   help="time from the last pulse to the weight read-out, s (default %(default)s)")


def validate(args, model):
    args.modulators = parse_modulators(args.modulator, allowed=exp.GS_MODULATORS)
    args.conc_nM = np.unique(parse_values(args.concentrations, "nM", "--concentrations",
                                          minimum=0, maximum=1e6))
    args.freqs = np.unique(parse_values(args.frequencies, "Hz", "--frequencies",
                                        minimum=0.01, maximum=500))
    if args.freqs.size < 2:
        raise UsageError(f"--frequencies: {args.frequencies!r} has one frequency; a crossover "
                         "needs at least two")
    args.n_pulses = parse_count(args.pulses, "--pulses", 1, 10000)
    args.settle_s = parse_values(args.settle, "second", "--settle", minimum=0.2, maximum=100)[0]
    # a bath whose cyclase drive exceeds the PDE has no steady state: refuse before building
    from spikemod.gpcr import receptor_densities, steady_state
    for m in args.modulators:
        steady_state(model, {m: args.conc_nM / 1e3}, receptor_densities(model, "pyr"))


def run(ctx, args):
    from brian2 import second
    n = len(args.modulators) * args.conc_nM.size * args.freqs.size
    ctx.log(f"{n} cells (modulator x concentration x frequency), {args.n_pulses} pulses each, "
            f"on {ctx.device}")
    res = exp.simulate(ctx.model, args.modulators, args.conc_nM, args.freqs,
                     n_pulses=args.n_pulses, settle=args.settle_s * second,
                     report=ctx.report(), **ctx.sim_kwargs)
    ctx.write_csv("metaplasticity.csv", res.rows, exp.COLUMNS)
    summary, notes = exp.summarize(res.rows)
    ctx.write_csv("metaplasticity_summary.csv", summary, exp.SUMMARY_COLUMNS)
    ctx.write_csv("metaplasticity_detail.csv", res.rows, exp.DETAIL_COLUMNS)
    for note in notes:
        ctx.log(note)
    pka = {f"{r['modulator']} {r['concentration_nM']:g} nM": r["PKA"] for r in res.rows
           if r["frequency_Hz"] == args.freqs[0]}
    claim = exp.claim(summary)
    ctx.extra_provenance.update({
        "n_pulses": res.n_pulses, "simulated_s": res.duration_s,
        "receptors": {m: exp.GS_MODULATORS[m] + " (Gs) among the cell's receptor set"
                      for m in args.modulators},
        "pka_theta": bool(ctx.model["metaplasticity.pka_theta"]),
        "PKA": pka, "crossover_notes": notes,
        "claim": {k: v for k, v in claim.items() if k != "numbers"}})
    n_cells = len(res.rows)
    ctx.save_spikes({"pyr": (res.spike_ids, res.spike_times_s),
                     "trains": (res.train_ids, res.train_times_s)},
                    t_stop=res.duration_s, sizes={"pyr": n_cells, "trains": n_cells})
    ctx.save_figure(exp.figure(res.rows, summary), "metaplasticity.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
