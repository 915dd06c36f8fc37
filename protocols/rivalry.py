"""rivalry: W25's binocular rivalry on the thalamocortical L5 ring (Levelt's second and fourth laws).

Methods. Whyte et al. (2025) [W25, LVBR_LevTwo.m, LVBR_LevFour.m]. Each trial is one copy of
the W25 circuit (90 pyramidal, 90 PV, 10 matrix-thalamus cells, thalamus-driven coupling). The
only input is one Poisson train per eye, shared by the pyramidal cells it drives with selectivity
exp(-((n - n0)/18)^2) around cell 23 (left) or 68 (right), 1 nS AMPA + 1 nS NMDA per spike, its
rate rising linearly over the first 500 ms; gated somatic NMDA is capped at 85 nS as in W25's
rivalry code. Levelt II: left eye fixed (--left), right eye --right; Levelt IV: both eyes at
--both. Trials of --duration s, --trials per pair, all as circuit copies of one build.
Dominance follows W25's CalculateDominanceDurations.m: half-ring rates in 1 ms bins smoothed by
a 250-point Gaussian window, a 5 Hz margin, the last period of each eye dropped. Durations are
fitted with a gamma distribution.

Outputs: dominance.csv (left_Hz, right_Hz, trial, eye, start_s, duration_s),
rivalry_summary.csv (left_Hz, right_Hz, alternations_per_min, mean_left_s, mean_right_s, cv),
rivalry_gamma.json, spikes.h5 (pyramidal cells), rivalry.png, provenance.json.
"""

from spikemod.experiments import modulated_rivalry as mr
from spikemod.experiments import rivalry as exp
from spikemod.protocol import UsageError, parse_values, protocol_main, format_values

NAME = exp.NAME
FIXES = {"synapses.nmda_cap": "85 nS, the NMDA cap of W25's rivalry simulator"}


def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--left", default=f"{d['levelt2_left_Hz']:g}",
                   help="Levelt II: the fixed left-eye rate, Hz (default %(default)s, W25)")
    p.add_argument("--right", default=format_values(d["levelt2_right_Hz"]),
                   help="Levelt II: right-eye rates, Hz (default %(default)s, W25); 'none' skips")
    p.add_argument("--both", default=format_values(d["levelt4_Hz"]),
                   help="Levelt IV: rates of both eyes, Hz (default %(default)s, W25); 'none' skips")
    p.add_argument("--trials", default=str(d["trials"]),
                   help="trials per pair (default %(default)s; W25 30-40)")
    p.add_argument("--duration", default=f"{d['duration_s']:g}",
                   help="trial length, s (default %(default)s, W25)")
    p.add_argument("--modulator", default="none",
                   help="issue 17: bath modulators NE,ACh (comma-separated) for the modulated "
                        "run (equal drive of both eyes at 1400 Hz only; --left/--right/--both "
                        "do not apply; the --duration default becomes 15 s); "
                        "default none = the W25 experiment above")
    p.add_argument("--concentrations", default=mr.default_concentrations(),
                   help="bath concentrations, nM, with --modulator (default %(default)s)")


def _rates(text, what):
    if text.strip().lower() == "none":
        return []
    return parse_values(text, "Hz", what, minimum=0, maximum=1e5).tolist()


def validate(args, model):
    left = parse_values(args.left, "Hz", "--left", minimum=0, maximum=1e5)
    if left.size != 1:
        raise UsageError(f"--left: {args.left!r} is not one rate")
    args.pairs = exp.drive_pairs(left[0], _rates(args.right, "--right"),
                                 _rates(args.both, "--both"))
    if not args.pairs:
        raise UsageError("--right none and --both none leave no eye rates to simulate")
    trials = parse_values(args.trials, "1", "--trials", minimum=1, maximum=1000)[0]
    if trials != int(trials):
        raise UsageError(f"--trials: {args.trials!r} is not a whole number")
    args.n_trials = int(trials)
    args.duration_s = parse_values(args.duration, "second", "--duration", minimum=2,
                                   maximum=3600)[0]
    args.modulators = (None if args.modulator.strip().lower() == "none"
                       else mr.parse_modulators(args.modulator))
    if args.modulators:
        args.conc_nM = mr.parse_concentrations(args.concentrations, model, args.modulators)
        if args.duration == f"{exp.DEFAULTS['duration_s']:g}":
            args.duration_s = mr.DEFAULTS["duration_s"]


def run(ctx, args):
    if args.modulators:
        res = mr.simulate(ctx.model, args.modulators, args.conc_nM, trials=args.n_trials,
                          duration_s=args.duration_s, report=ctx.report(), **ctx.sim_kwargs)
        summary, periods = mr.summarize(res)
        ctx.write_csv("modulated_rivalry.csv", summary, mr.COLUMNS)
        ctx.write_csv("modulated_dominance.csv", periods, ["modulator", "concentration_nM"]
                      + exp.COLUMNS)
        ctx.save_spikes(res.spikes, t_stop=res.t_stop, sizes=res.sizes)
        ctx.extra_provenance.update(res.info, claims=mr.claim(summary))
        ctx.save_figure(mr.figure(summary, res.spikes, res.info["n_exc"]),
                        "modulated_rivalry.png")
        return
    result = exp.simulate(ctx.model, args.pairs, trials=args.n_trials,
                          duration_s=args.duration_s, report=ctx.report(), **ctx.sim_kwargs)
    periods, summary, gamma = exp.summarize(result)
    ctx.write_csv("dominance.csv", periods, exp.COLUMNS)
    ctx.write_csv("rivalry_summary.csv", summary, exp.SUMMARY_COLUMNS)
    ctx.write_json("rivalry_gamma.json", gamma)
    ctx.save_spikes(result.spikes, t_stop=result.t_stop, sizes=result.sizes)
    ctx.extra_provenance.update(result.info)
    ctx.save_figure(exp.figure(periods, summary, gamma, result.spikes, result.info["n_exc"]),
                    "rivalry.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
