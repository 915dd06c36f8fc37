"""example: a template for your own experiment, written against ``import spikemod`` only.

Methods. One L5 pyramidal cell per somatic current (--i-soma, pA), at the model's coupling g_c
(--set coupling.g_c=0.5 changes it, and any parameter likewise), is simulated for --duration s;
from each cell's spikes after 100 ms we report its rate and ISI CV, the f-I gain (least-squares
slope over the firing points) and the rheobase, with spikemod's analysis functions; the spikes
also become Neo objects in memory. To make your own: copy this file to
protocols/<your-name>.py, change NAME, the options and run(); `spikemod run <your-name>` (or
`.venv/bin/python protocols/<your-name>.py`) then gives it the common options (--model,
--device, --seed, --set, --out), one-line errors and provenance.

Outputs: example.csv (I_soma_pA, rate_Hz, cv_isi), example_summary.csv (gain_Hz_per_pA,
rheobase_pA), spikes.h5, provenance.json.
"""

import numpy as np
from brian2 import Network, SpikeMonitor, pA, second

import spikemod

NAME = "example"


def add_arguments(p):
    p.add_argument("--i-soma", default="0:1200:200", help="somatic currents, pA (default %(default)s)")
    p.add_argument("--duration", default="1", help="simulated time, s (default %(default)s)")


def validate(args, model):
    args.currents = spikemod.parse_values(args.i_soma, "pA", "--i-soma", minimum=0)
    args.t_stop = spikemod.parse_values(args.duration, "s", "--duration", minimum=0.1)[0]


def run(ctx, args):
    n = len(args.currents)
    with ctx.simulation() as sim:                    # device, seed and dt from the options
        cells = spikemod.make_pyramidal(n, ctx.model)
        cells.I_soma = args.currents * pA
        spikes = SpikeMonitor(cells)
        Network(cells, spikes).run(args.t_stop * second, report=ctx.report())
        sim.finish()                                 # standalone: build and run here
        ids, times = np.asarray(spikes.i[:]), np.asarray(spikes.t[:] / second)   # read inside
    rates = spikemod.rates_in_window(ids, times, n, 0.1, args.t_stop)   # first 100 ms left out
    cv = spikemod.isi_cv(ids, times, n)
    block = spikemod.monitors_to_neo({"pyr": (ids, times)}, t_stop=args.t_stop, sizes={"pyr": n})
    ctx.log(f"{sum(len(st) for st in block.segments[0].spiketrains)} spikes in {n} Neo trains")
    ctx.write_csv("example.csv", zip(args.currents, rates, cv), ["I_soma_pA", "rate_Hz", "cv_isi"])
    ctx.write_csv("example_summary.csv", [(spikemod.fi_gain(args.currents, rates),
                                           spikemod.rheobase(args.currents, rates))],
                  ["gain_Hz_per_pA", "rheobase_pA"])
    ctx.save_spikes({"pyr": (ids, times)}, t_stop=args.t_stop, sizes={"pyr": n})


if __name__ == "__main__":
    raise SystemExit(spikemod.protocol_main(__name__))
