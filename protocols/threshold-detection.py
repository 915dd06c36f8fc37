"""threshold-detection: W25's threshold-detection experiment on the thalamocortical L5 ring.

Methods. Whyte et al. (2025) [W25, LVTD_MainSim.m]. Each trial is one copy of the W25 circuit
(90 two-compartment pyramidal cells, 90 PV cells and 10 matrix-thalamus cells whose spikes set
the pyramidal cells' dendro-somatic coupling, which decays with 800 ms) under W25's background:
independent Poisson drive at 600 Hz onto every soma (x0.02 onto PV) and 50 Hz onto every apical
dendrite. A trial lasts 2 s; at 1 s a 200 ms somatic current pulse with Gaussian selectivity
around cell 45 (width 20) is injected with amplitude --amplitudes. Lesions (--lesions,
magnitudes --magnitudes): baclofen hyperpolarises every apical dendrite, opto depolarises it,
thalamus inhibits every thalamic cell. The response is the pyramidal spike count in the second
after stimulus onset; the criterion minimises misses + false alarms of the unlesioned circuit;
hit rates and ROC areas (AUC, against the unlesioned no-stimulus counts) per condition; the
threshold is where the hit rate reaches half its range. All trials run as circuit copies of
one build.

Outputs: detection.csv (lesion, lesion_pA, amplitude_pA, trial, spike_count, detected),
detection_summary.csv (lesion, lesion_pA, amplitude_pA, hit_rate, auc),
detection_thresholds.csv, spikes.h5 (pyramidal and thalamic cells), detection.png,
provenance.json.
"""

from spikemod.experiments import detection as exp
from spikemod.experiments import modulated_detection as md
from spikemod.protocol import UsageError, parse_values, protocol_main, format_values

NAME = exp.NAME


def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--amplitudes", default="0:600:50",
                   help="stimulus amplitudes, pA (default %(default)s, W25)")
    p.add_argument("--lesions", default=",".join(d["lesions"]),
                   help=f"lesions among {', '.join(exp.LESIONS)} (default %(default)s)")
    p.add_argument("--magnitudes", default=format_values(d["magnitudes_pA"]),
                   help="lesion magnitudes, pA (default %(default)s; W25 100,200,300,400)")
    p.add_argument("--trials", default=str(d["trials"]),
                   help="trials per condition (default %(default)s; W25 50)")
    p.add_argument("--modulator", default="none",
                   help="issue 17: bath modulators NE,ACh (comma-separated) for the modulated "
                        "run (unlesioned only; --lesions/--magnitudes do not apply; the "
                        "--amplitudes default becomes 0:600:100); "
                        "default none = the W25 experiment above")
    p.add_argument("--concentrations", default=md.default_concentrations(),
                   help="bath concentrations, nM, with --modulator (default %(default)s)")


def validate(args, model):
    args.amplitudes_pA = parse_values(args.amplitudes, "pA", "--amplitudes", minimum=0)
    if 0.0 not in set(args.amplitudes_pA.tolist()):
        raise UsageError(f"--amplitudes: {args.amplitudes!r} has no 0 (the no-stimulus trials "
                         "set the criterion)")
    args.lesion_list = [s.strip() for s in args.lesions.split(",") if s.strip()]
    bad = [s for s in args.lesion_list if s not in exp.LESIONS]
    if bad or "none" not in args.lesion_list:
        raise UsageError(f"--lesions: {bad[0] if bad else args.lesions!r} is not allowed "
                         f"(a list of {', '.join(exp.LESIONS)} including none)")
    args.magnitudes_pA = parse_values(args.magnitudes, "pA", "--magnitudes", minimum=0)
    trials = parse_values(args.trials, "1", "--trials", minimum=1, maximum=1000)[0]
    if trials != int(trials):
        raise UsageError(f"--trials: {args.trials!r} is not a whole number")
    args.n_trials = int(trials)
    args.modulators = (None if args.modulator.strip().lower() == "none"
                       else md.parse_modulators(args.modulator))
    if args.modulators:
        args.conc_nM = md.parse_concentrations(args.concentrations, model, args.modulators)
        if args.amplitudes == "0:600:50":
            args.amplitudes_pA = md.DEFAULTS["amplitudes_pA"]


def run(ctx, args):
    if args.modulators:
        res = md.simulate(ctx.model, args.modulators, args.conc_nM,
                          amplitudes_pA=args.amplitudes_pA, trials=args.n_trials,
                          report=ctx.report(), **ctx.sim_kwargs)
        summary, detail = md.summarize(res.rows)
        ctx.write_csv("modulated_detection.csv", summary, md.COLUMNS)
        ctx.write_csv("modulated_detection_detail.csv", detail, md.DETAIL_COLUMNS)
        ctx.save_spikes(res.spikes, t_stop=res.t_stop, sizes=res.sizes)
        ctx.extra_provenance.update(res.info, claims=md.claim(summary))
        ctx.save_figure(md.figure(summary, detail), "modulated_detection.png")
        return
    result = exp.simulate(ctx.model, amplitudes_pA=args.amplitudes_pA, lesions=args.lesion_list,
                          magnitudes_pA=args.magnitudes_pA, trials=args.n_trials,
                          report=ctx.report(), **ctx.sim_kwargs)
    trials, summary, thresholds, criterion = exp.summarize(result.rows)
    ctx.write_csv("detection.csv", trials, exp.COLUMNS)
    ctx.write_csv("detection_summary.csv", summary, exp.SUMMARY_COLUMNS)
    ctx.write_csv("detection_thresholds.csv", thresholds, exp.THRESHOLD_COLUMNS)
    ctx.save_spikes(result.spikes, t_stop=result.t_stop, sizes=result.sizes)
    ctx.extra_provenance.update(result.info, criterion_spikes=criterion)
    ctx.save_figure(exp.figure(trials, summary, thresholds, result.spikes,
                               n_exc=result.sizes["pyr"] // result.info["copies"]),
                    "detection.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
