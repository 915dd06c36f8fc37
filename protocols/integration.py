"""integration: does bath neuromodulation move coupled W25 rings from segregation to integration?

Methods. Shine et al. 2016/2021 and RG25 propose that gain neuromodulation balances segregation
and integration of cortical circuits. A set is [integration] n_modules (4) W25 thalamocortical
rings [W25: 90 pyramidal, 90 PV, 10 matrix-thalamus cells, thalamus-driven coupling, W25
detection background 600 Hz per soma / 50 Hz per apical dendrite], built as circuit copies,
joined by one extra Brian2 Synapses object: sparse random pyramidal -> pyramidal connections
between different modules (probability p_inter 0.1 per ordered pair, 1 nS AMPA + 0.2 nS NMDA).
Every (modulator, concentration, seed) is its own set in its own bath, all in ONE build: every
pyramidal and PV cell's second-messenger pool at the steady state of the bath acting through the
switched-on [effects] (HCN on the decay of the thalamic coupling and on the dendritic leak, PKA
on threshold and NMDA decay, Gq/Ca on vr and adaptation, nicotinic on vr); for ACh also the M2
scaling of all E->E weights and the nicotinic scaling of the somatic background. Seeds are
independent draws of the inter-module connections and of the Poisson drive. Measures on the
nodes of the functional network (3 contiguous arcs of 30 pyramidal cells per ring), population
rates in 10 ms bins over 3 s after 0.5 s: within_corr / between_corr (mean Pearson correlation
of node pairs in the same / different rings), participation (mean Guimera-Amaral participation
coefficient of the positive-correlation network, rings as modules), synchrony (Golomb's chi of
all nodes). Reported: means over seeds and their standard errors. Not tuned: the answer is
whatever the model gives.

Outputs: integration.csv (modulator, concentration_nM, within_corr, between_corr,
participation, synchrony, then the _sem columns), integration_seeds.csv (one row per set, with
seed and mean rate), spikes.h5 (pyramidal cells), integration.png, provenance.json.
"""

import numpy as np

from spikemod.experiments import integration as exp
from spikemod.experiments.modulated_detection import (MODULATORS, parse_concentrations,
                                                      parse_modulators)
from spikemod.protocol import UsageError, parse_values, protocol_main

NAME = exp.NAME


def add_arguments(p):
    p.add_argument("--modulator", default=",".join(MODULATORS),
                   help=f"bath modulators, comma-separated among {', '.join(MODULATORS)} "
                        "(default %(default)s)")
    p.add_argument("--concentrations",
                   default=",".join(f"{c:g}" for c in exp.DEFAULTS["concentrations_nM"]),
                   help="bath concentrations, nM, the same for each modulator (default "
                        "%(default)s)")
    p.add_argument("--seeds", default=str(exp.DEFAULTS["seeds"]),
                   help="independent sets (connections and drive) per bath (default "
                        "%(default)s)")


def validate(args, model):
    args.modulators = parse_modulators(args.modulator)
    args.conc_nM = parse_concentrations(args.concentrations, model, args.modulators)
    seeds = parse_values(args.seeds, "1", "--seeds", minimum=1, maximum=100)
    if seeds.size != 1 or seeds[0] != int(seeds[0]):
        raise UsageError(f"--seeds: {args.seeds!r} is not one whole number (1-100)")
    args.n_seeds = int(seeds[0])


def run(ctx, args):
    n_sets = len(args.modulators) * args.conc_nM.size * args.n_seeds
    ctx.log(f"{n_sets} sets of {int(ctx.model['integration.n_modules'])} rings "
            f"(modulator x concentration x seed) on {ctx.device}")
    res = exp.simulate(ctx.model, args.modulators, args.conc_nM, seeds=args.n_seeds,
                       report=ctx.report(), **ctx.sim_kwargs)
    summary = exp.summarize(res.rows)
    ctx.write_csv("integration.csv", summary, exp.COLUMNS)
    ctx.write_csv("integration_seeds.csv", res.rows, exp.SEED_COLUMNS)
    n = res.info["n_exc"]
    copy = np.arange(res.sizes["pyr"]) // n
    ctx.save_spikes(res.spikes, t_stop=res.t_stop, sizes=res.sizes,
                    units={"pyr": {"circuit_copy": copy,
                                   "module": copy % int(ctx.model["integration.n_modules"])}})
    ctx.extra_provenance.update(res.info, claims=exp.claim(summary))
    ctx.save_figure(exp.figure(summary, res.rows), "integration.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
