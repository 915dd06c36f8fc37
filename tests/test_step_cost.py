"""The cheaper microcircuit step (issue 14, item 2) leaves the model as it was.

* the Poisson drive, now drawn inside the cells' step block with one ``rand()`` per draw
  (:func:`spikemod.network.poisson_count_code`), gives Poisson counts: mean, variance and
  the probabilities of 0, 1, 2, 3 counts per step against the Poisson law, at rates below and
  above the inversion's range (``POISSON_LAM_MAX``, where an exact remainder is added);
* a circuit whose random stream plays no part (no drive, fixed coupling 1, injected currents)
  fires exactly the spikes of the code before the change (``tests/step_reference_spikes.json``,
  recorded at commit db2c028 on the runtime device).

The W25 reference tests (``tests/test_w25_reference.py``) check the rest: the single-cell spike
train step for step and the ring's population rates under the drive.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from brian2 import Hz, Network, NeuronGroup, SpikeMonitor, StateMonitor, ms, nS, pA, pF, second

from conftest import DEVICES
from spikemod.device import simulation
from spikemod.network import (POISSON_LAM_MAX, POISSON_TERMS, PoissonDrive, build_microcircuit,
                              poisson_count_code)

DT = 1e-4
#: rates (Hz): 0, W25's dendritic and somatic background, its largest eye rate, the inversion's
#: limit (2.5 kHz at 0.1 ms), and two above it (exact Poisson remainder added)
RATES = np.array([0.0, 50.0, 600.0, 1500.0, 2500.0, 4000.0, 12000.0])
N_SRC, STEPS = 400, 500        # per rate: 200,000 draws


def _draw_counts(device, build_dir):
    n = N_SRC * len(RATES)
    with simulation(device, seed=5, dt=DT * second, build_dir=build_dir) as sim:
        G = NeuronGroup(n, "rates : Hz\np0 : 1\ncount : 1", name="src")
        code, count = poisson_count_code("t", "rates", "p0")
        G.run_regularly(code + f"count = {count}", when="before_groups")
        drive = PoissonDrive(G, "rates", "p0", "test")
        drive.rates = np.repeat(RATES, N_SRC) * Hz
        mon = StateMonitor(G, "count", record=True, when="end")
        Network(G, mon).run(STEPS * DT * second)
        sim.finish()
        return np.asarray(mon.count[:]).reshape(len(RATES), N_SRC * STEPS)


@pytest.mark.parametrize("device", DEVICES)
def test_drive_counts_follow_the_poisson_law(device, build_root):
    counts = _draw_counts(device, build_root / f"poisson-draw-{device}")
    assert np.all(counts == np.round(counts)) and counts.min() >= 0
    for rate, c in zip(RATES, counts):
        lam = rate * DT
        n = c.size
        if lam == 0:
            assert c.max() == 0
            continue
        # mean and variance (both lam for Poisson) within 5 standard errors
        assert abs(c.mean() - lam) < 5 * math.sqrt(lam / n), (rate, c.mean())
        var_se = math.sqrt((lam + 2 * lam ** 2) / n)        # s.e. of the sample variance
        assert abs(c.var() - lam) < 5 * var_se, (rate, c.var())
        for k in range(4):                                  # P(N = k), 5 s.e.
            p = math.exp(-lam) * lam ** k / math.factorial(k)
            if n * p > 20:
                assert abs(np.mean(c == k) - p) < 5 * math.sqrt(p * (1 - p) / n), (rate, k)
    # above the inversion's range the remainder adds counts beyond POISSON_TERMS
    assert counts[-1].max() > 2 and POISSON_LAM_MAX * 1e4 == 2500.0 and POISSON_TERMS == 8


def test_inversion_cut_is_negligible():
    """The only departure from the Poisson law: counts above POISSON_TERMS at a mean up to
    POISSON_LAM_MAX, probability 8.4e-12 per draw."""
    lam = POISSON_LAM_MAX
    tail = 1 - sum(math.exp(-lam) * lam ** k / math.factorial(k) for k in range(POISSON_TERMS + 1))
    assert 0 < tail < 1e-11


def _deterministic_circuit(device, build_dir):
    """Ring with thalamus and STDP, no drive, coupling fixed at 1, injected currents: no
    random number changes a spike."""
    from spikemod.params import load_model
    m = load_model()
    with simulation(device, seed=1, dt=m["sim.dt"], build_dir=build_dir) as sim:
        mc = build_microcircuit(m, n_exc=18, n_pv=6, n_som=4, copies=1, coupling="fixed",
                                stdp=True)
        for d in mc.drive.values():
            d.rates = 0 * Hz
        mc.pyr.g_c = 1
        mc.pyr.I_soma = np.linspace(500, 1200, 18) * pA
        mc.pyr.I_dend = np.linspace(0, 600, 18) * pA
        mc.pv.I_soma = 60 * pA
        mc.som.I_soma = 80 * pA
        mons = {p: SpikeMonitor(g) for p, g in mc.populations.items()}
        mc.network(*mons.values()).run(300 * ms)
        sim.finish()
        return {p: [np.asarray(mo.i[:]).tolist(),
                    np.round(np.asarray(mo.t[:] / second) / DT).astype(int).tolist()]
                for p, mo in mons.items()}


@pytest.mark.parametrize("device", DEVICES)
def test_same_spikes_as_before_the_cheaper_step(device, build_root):
    ref = json.loads((Path(__file__).parent / "step_reference_spikes.json").read_text())["spikes"]
    got = _deterministic_circuit(device, build_root / f"step-same-spikes-{device}")
    assert {p: len(v[0]) for p, v in ref.items()} == {"pyr": 511, "pv": 205, "som": 90, "thal": 41}
    for pop in ref:
        assert got[pop] == ref[pop], pop


def test_neuromodulated_parameters_stay_per_neuron_the_rest_shared(model):
    """Every variable neuromodulation writes per cell (EFFECTS) is per neuron in every
    population; the homogeneous ones are one shared value, unless kept with ``per_neuron``."""
    from spikemod.cells import HOMOGENEOUS, make_pyramidal
    from spikemod.neuromod import EFFECTS
    with simulation("runtime", seed=1, dt=model["sim.dt"]):
        mc = build_microcircuit(model, n_exc=9, n_pv=2, n_som=2, coupling="thalamic")
        for targets, pops in EFFECTS.values():
            for pop in pops:
                for var in targets:
                    if var in mc.populations[pop].variables:
                        assert not mc.populations[pop].variables[var].scalar, (pop, var)
        assert not set(t for ts, _ in EFFECTS.values() for t in ts) & HOMOGENEOUS
        for pop in ("pyr", "pv", "som", "thal"):
            g = mc.populations[pop]
            shared = {v for v in HOMOGENEOUS if v in g.variables}
            assert shared and all(g.variables[v].scalar for v in shared), pop
        assert not mc.pyr.variables["g_c"].scalar and not mc.pyr.variables["I_soma"].scalar
        hetero = make_pyramidal(3, model, per_neuron=("C", "g_s"), name="hetero")
        assert not hetero.variables["C"].scalar and hetero.variables["k"].scalar
        hetero.C = [100, 150, 200] * pF
        assert list(np.round(np.asarray(hetero.C[:] / pF))) == [100, 150, 200]
        with pytest.raises(ValueError, match="per_neuron"):
            make_pyramidal(1, model, per_neuron=("vr",), name="bad")


@pytest.mark.parametrize("rate_Hz", [600.0, 4000.0])
def test_circuit_drive_counts_are_poisson(model, rate_Hz):
    """The drive as the cells draw it: with the AMPA decay switched off (tau_ampa 1e9 s) and
    E->E off each cell's g_ampa_s / w_ff is its total count over the run, Poisson(rate T): mean
    and variance across cells. 4 kHz (0.4 per step) is above POISSON_LAM_MAX (exact Poisson
    remainder added); the rate is set between two runs."""
    steps, n = 200, 2000
    with simulation("runtime", seed=2, dt=model["sim.dt"]):
        mc = build_microcircuit(model, n_exc=n, n_pv=1, n_som=1, n_thal=0, coupling="fixed",
                                stdp=False, geometry="sheet", rng_seed=2)
        for d in mc.drive.values():
            d.rates = 0 * Hz
        mc.pyr.tau_ampa = 1e9 * second
        mc.synapses["EE"].w = 0 * nS                   # only the drive adds to g_ampa_s
        net = mc.network()
        net.run(10 * float(model["sim.dt"]) * second)  # a first run without drive
        assert np.all(mc.pyr.g_ampa_s[:] == 0)
        mc.drive["ff_pyr"].rates = rate_Hz * Hz
        net.run(steps * float(model["sim.dt"]) * second)
        totals = np.asarray(mc.pyr.g_ampa_s[:] / mc.pyr.w_ff[:])
    mean = rate_Hz * 1e-4 * steps                      # Poisson: mean = variance
    assert np.allclose(totals, np.round(totals), atol=1e-6)
    assert abs(totals.mean() - mean) < 5 * math.sqrt(mean / n)
    assert abs(totals.var() - mean) < 5 * math.sqrt((mean + 2 * mean ** 2) / n)
