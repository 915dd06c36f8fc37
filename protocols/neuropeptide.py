"""neuropeptide: burst-gated dense-core release, tonic vs bursty firing at equal mean rate.

Methods. One release site per condition [seed 000; MODEL.md s4]: a dense-core release happens
when a spike is the peptide.threshold-th (default 3rd) spike within peptide.window (20 ms) and
peptide.refractory (50 ms) has passed since the last release; each release adds peptide.amount
to the local concentration, cleared by peptidases with tau_clear (10 s). The releasing neuron
fires, for each mean rate (default 2, 5, 10, 20, 40 Hz) and --duration (10 s), a regular
('tonic') train, a Poisson train, and a 'bursty' train of 4-spike bursts at 200 Hz whose onsets
repeat at rate/4 (same mean rate). Expected: only bursts release.

Outputs: neuropeptide.csv (pattern, rate_Hz, bursts, peptide_released; peptide_released in uM,
the sum of all releases), neuropeptide_detail.csv (plus spikes, releases, peptide_end_uM),
neuropeptide.png, provenance.json.
"""

from spikemod.experiments import neuropeptide as exp
from spikemod.protocol import parse_values, protocol_main

NAME = exp.NAME


def add_arguments(p):
    d = exp.DEFAULTS
    p.add_argument("--rates", default=",".join(f"{r:g}" for r in d["rates_Hz"]),
                   help="mean rates, Hz (default %(default)s)")
    p.add_argument("--duration", default=f"{d['duration_s']:g}",
                   help="train duration, s (default %(default)s)")
    p.add_argument("--burst-spikes", default=str(d["burst_spikes"]),
                   help="spikes per burst (default %(default)s)")


def validate(args, model):
    args.rates_hz = parse_values(args.rates, "Hz", "--rates", minimum=1e-3, maximum=200)
    args.duration_s = parse_values(args.duration, "second", "--duration", minimum=0.1,
                                   maximum=3600)[0]
    args.n_burst = int(parse_values(args.burst_spikes, "1", "--burst-spikes", minimum=1,
                                    maximum=50)[0])


def run(ctx, args):
    rows = exp.simulate(ctx.model, rates_Hz=args.rates_hz, duration_s=args.duration_s,
                        burst_spikes=args.n_burst, report=ctx.report(), **ctx.sim_kwargs)
    ctx.write_csv("neuropeptide.csv", rows, exp.COLUMNS)
    ctx.write_csv("neuropeptide_detail.csv", rows, exp.DETAIL_COLUMNS)
    ctx.save_figure(exp.figure(rows), "neuropeptide.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
