"""rnn-neuromod: neuromodulated rate RNNs trained on the positive-negative task; EC50 of f_nm.

Methods. Rate RNNs of N = 200 units (80 % excitatory, 20 % inhibitory, Dale's law, connection
probability 0.8, g = 1.5, trainable time constants 20-100 ms, dt = 5 ms, 200 steps, sigmoid
rates, noise std 0.1) [TS; model section ``rnn``] are trained by backpropagation through time
with Adam (NumPy, exact gradients) on the positive-negative task: without modulation a "+"
stimulus must drive the output to +1 and no stimulus to 0; with the neuromodulator, which
multiplies the outgoing weights of a target subpopulation (20 % of the units) by f = 9, "+"
must give 0 and no stimulus -1. Training stops when a network passes both states (output at
step 120, averaged over 20 noisy trials, within target +-0.2 for both stimuli) or after
``--max-iter`` iterations; each network has its own seed (``--seed`` + k). Every network is then
tested on fresh trials, and the output at 0.5 s after "+" is measured for f in ``--f-values``
(10 trials each) and fitted with 1 - 1/(1 + exp(a f + b)); EC50 = -b/a, slope = a [TS report
EC50 2.1-6.5 across 29 networks]. The first network's forward pass is also run as a Brian2
rate network and compared with NumPy (largest output difference in the summary).

Outputs: rnn_ec50.csv (network, ec50, slope, pass_unmodulated, pass_modulated),
rnn_f_sweep.csv (network, f, output), rnn_summary.json (pass counts, EC50 spread of the networks
that pass both states, training iterations and time, Brian2-vs-NumPy difference),
rnn_neuromod.png, provenance.json.
"""

import numpy as np

from spikemod import plotting
from spikemod.protocol import UsageError, parse_values, protocol_main
from spikemod.rates.rnn import (RNNConfig, brian2_forward, evaluate, fit_ec50, sweep_f,
                                task_trials, train)

NAME = "rnn-neuromod"
EC50_COLUMNS = ["network", "ec50", "slope", "pass_unmodulated", "pass_modulated"]


def add_arguments(p):
    p.add_argument("--networks", default="8", help="number of networks to train (default %(default)s)")
    p.add_argument("--max-iter", default="1500",
                   help="Adam iterations at most per network (default %(default)s)")
    p.add_argument("--f-values", default="1:10:0.5",
                   help="modulation factors f of the EC50 sweep (default %(default)s)")


def _count(text, what, minimum):
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{what}: {text!r} is not a whole number >= {minimum}") from None
    if value < minimum:
        raise UsageError(f"{what}: {text!r} is not a whole number >= {minimum}")
    return value


def validate(args, model):
    args.n_networks = _count(args.networks, "--networks", 1)
    args.iterations = _count(args.max_iter, "--max-iter", 1)
    args.f = parse_values(args.f_values, "1", "--f-values", minimum=0)
    if args.f.size < 3:
        raise UsageError(f"--f-values: {args.f_values!r} has fewer than 3 values (the fit has 2 parameters)")


def run(ctx, args):
    cfg = RNNConfig.from_model(ctx.model)
    rows, sweep_rows, nets, curves = [], [], [], {}
    train_s, iters = [], []
    for k in range(args.n_networks):
        res = train(cfg, seed=ctx.seed + k, max_iter=args.iterations, log=ctx.log)
        ev = evaluate(res.net, seed=10_000 + ctx.seed + k)
        out = sweep_f(res.net, args.f, seed=20_000 + ctx.seed + k)
        try:
            ec50, a, _ = fit_ec50(args.f, out)
        except RuntimeError:
            ec50, a = float("nan"), float("nan")
        rows.append({"network": k, "ec50": ec50, "slope": a,
                     "pass_unmodulated": ev["pass_unmodulated"], "pass_modulated": ev["pass_modulated"]})
        sweep_rows += [{"network": k, "f": fv, "output": o} for fv, o in zip(args.f, out)]
        curves[k] = out
        nets.append(res.net)
        train_s.append(res.wall_s)
        iters.append(res.iterations)
        ctx.log(f"network {k}: {res.iterations} iterations, {res.wall_s:.1f} s, pass "
                f"{ev['pass_unmodulated']}/{ev['pass_modulated']}, EC50 {ec50:.2f}")
    both = [r for r in rows if r["pass_unmodulated"] and r["pass_modulated"] and np.isfinite(r["ec50"])]
    ec = np.array([r["ec50"] for r in both])
    # the Brian2 rate network reproduces the NumPy forward pass (modulated "+" trial, with noise)
    u, f, _, _ = task_trials(cfg, cfg.f_train)
    noise = np.random.default_rng(ctx.seed).normal(0.0, cfg.noise, (1, cfg.T, cfg.N))
    o_np, _ = nets[0].forward(u[2:3], f[2:3], noise)
    o_b2 = brian2_forward(nets[0], u[2], f[2], noise[0], **ctx.sim_kwargs)
    o_all, _ = nets[0].forward(u, f, np.random.default_rng(ctx.seed + 1).normal(
        0.0, cfg.noise, (u.shape[0], cfg.T, cfg.N)))
    summary = {"networks": args.n_networks,
               "pass_unmodulated": sum(r["pass_unmodulated"] for r in rows),
               "pass_modulated": sum(r["pass_modulated"] for r in rows),
               "pass_both": len(both),
               "ec50_mean": float(ec.mean()) if ec.size else None,
               "ec50_std": float(ec.std(ddof=1)) if ec.size > 1 else None,
               "ec50_min": float(ec.min()) if ec.size else None,
               "ec50_max": float(ec.max()) if ec.size else None,
               "ec50_paper_range": [2.1, 6.5],
               "training_iterations": iters, "training_s": train_s,
               "brian2_vs_numpy_max_abs_diff": float(np.abs(o_np[0] - o_b2).max())}
    ctx.write_csv("rnn_ec50.csv", rows, EC50_COLUMNS)
    ctx.write_csv("rnn_f_sweep.csv", sweep_rows, ["network", "f", "output"])
    ctx.write_json("rnn_summary.json", summary)
    ctx.save_figure(plotting.rnn_neuromod_figure(args.f, curves, rows, o_all, cfg), "rnn_neuromod.png")
    ctx.log(f"{len(both)}/{args.n_networks} networks pass both states; EC50 "
            f"{summary['ec50_mean']} +- {summary['ec50_std']} (range {summary['ec50_min']}-{summary['ec50_max']})")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
