"""rnn-neuromod: neuromodulated rate RNNs trained on the positive-negative task; EC50 of f_nm.

Methods (spikemod.experiments.rnn_neuromod) [TS; model section rnn]. --networks rate RNNs of
N = 200 units (80 % excitatory, Dale's law, trainable time constants 20-100 ms, dt = 5 ms, 200
steps) are trained by backpropagation through time with Adam (NumPy, exact gradients) on the
positive-negative task: without modulation "+" -> +1 and no stimulus -> 0; with the
neuromodulator (outgoing weights of 20 % of the units x f = 9) "+" -> 0 and no stimulus -> -1.
Training stops when a network passes both states (output at step 120, mean of 20 noisy trials,
within +-0.2) or after --max-iter iterations; network k has seed --seed + k. Each network is
tested on fresh trials, its output 0.5 s after "+" is measured for f in --f-values (10 trials
each) and fitted with 1 - 1/(1 + exp(a f + b)); EC50 = -b/a, slope = a [TS: EC50 2.1-6.5 over
29 networks]. The first network's forward pass also runs as a Brian2 rate network and is
compared with NumPy.

Outputs: rnn_ec50.csv (network, ec50, slope, pass_unmodulated, pass_modulated),
rnn_f_sweep.csv (network, f, output), rnn_summary.json (pass counts, EC50 spread of the networks
that pass both states, training iterations and time, Brian2-vs-NumPy difference),
rnn_neuromod.png, provenance.json.
"""

from spikemod.experiments import rnn_neuromod as exp
from spikemod.protocol import UsageError, format_values, parse_values, protocol_main, parse_count

NAME = exp.NAME


def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--networks", default=str(d["networks"]),
                   help="number of networks to train (default %(default)s)")
    p.add_argument("--max-iter", default=str(d["max_iter"]),
                   help="Adam iterations at most per network (default %(default)s)")
    p.add_argument("--f-values", default=format_values(d["f_values"], ranges=True),
                   help="modulation factors f of the EC50 sweep (default %(default)s)")


def validate(args, model):
    args.n_networks = parse_count(args.networks, "--networks", 1)
    args.iterations = parse_count(args.max_iter, "--max-iter", 1)
    args.f = parse_values(args.f_values, "1", "--f-values", minimum=0)
    if args.f.size < 3:
        raise UsageError(f"--f-values: {args.f_values!r} has fewer than 3 values (the fit has 2 parameters)")


def run(ctx, args):
    res = exp.simulate(ctx.model, networks=args.n_networks, max_iter=args.iterations,
                       f_values=args.f, log=ctx.log, **ctx.sim_kwargs)
    summary = exp.summarize(res)
    ctx.write_csv("rnn_ec50.csv", res.rows, exp.COLUMNS)
    ctx.write_csv("rnn_f_sweep.csv", res.sweep_rows, exp.SWEEP_COLUMNS)
    ctx.write_json("rnn_summary.json", summary)
    ctx.save_figure(exp.figure(res), "rnn_neuromod.png")
    ctx.log(f"{summary['pass_both']}/{summary['networks']} networks pass both states; EC50 "
            f"{summary['ec50_mean']} +- {summary['ec50_std']} (range {summary['ec50_min']}-"
            f"{summary['ec50_max']})")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
