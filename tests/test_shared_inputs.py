"""build_microcircuit(shared_inputs=...): common random numbers across circuit copies."""

import numpy as np
import pytest
from brian2 import Hz, SpikeMonitor, second

from spikemod.device import simulation
from spikemod.network import build_microcircuit
from spikemod.params import DEFAULT_MODEL, load_model

PRE_POST = {"EE": ("pyr", "pyr"), "EPV": ("pyr", "pv"), "ESOM": ("pyr", "som"),
            "PVE": ("pv", "pyr"), "SOME": ("som", "pyr"), "ETh": ("pyr", "thal"),
            "ThD": ("thal", "pyr")}


def _pairs(syn, n_pre, n_post, copy):
    i, j = np.asarray(syn.i[:]), np.asarray(syn.j[:])
    assert np.array_equal(i // n_pre, j // n_post)          # block-diagonal
    sel = i // n_pre == copy
    return sorted(zip(i[sel] % n_pre, j[sel] % n_post))


def test_shared_inputs_repeat_connectivity_and_drive_per_set():
    m = load_model(DEFAULT_MODEL)
    m.set("connectivity.geometry", "sheet")
    with simulation("runtime", seed=3, dt=m["sim.dt"]):
        mc = build_microcircuit(m, n_exc=40, copies=4, shared_inputs=2, rng_seed=3,
                                coupling="fixed")
        for key, syn in mc.synapses.items():
            n_pre, n_post = (mc.sizes[p] for p in PRE_POST[key])
            first = _pairs(syn, n_pre, n_post, 0)
            assert first and all(_pairs(syn, n_pre, n_post, c) == first for c in (1, 2, 3))
        src = mc.drive["ff_pyr"]
        assert len(src) == 2 * 40                            # two drive sets
        src.rates = np.repeat([900.0, 1400.0], 40) * Hz
        mon = SpikeMonitor(mc.pyr)
        mc.network(mon).run(0.3 * second)
        counts = np.bincount(np.asarray(mon.i[:]), minlength=160).reshape(4, 40)
    # copies 0 and 2 (set 0) and 1 and 3 (set 1) see the same input spikes: without any
    # difference between them they differ only through the cells' own coupling draws (none
    # at the fixed coupling g_c = 1)
    assert np.abs(counts[0] - counts[2]).sum() <= 0.05 * counts[0].sum()
    assert np.abs(counts[1] - counts[3]).sum() <= 0.05 * counts[1].sum()
    assert counts[1].sum() > 1.2 * counts[0].sum()           # set 1 has the higher drive


def test_shared_inputs_default_off_and_checked():
    m = load_model(DEFAULT_MODEL)
    m.set("connectivity.geometry", "sheet")
    with simulation("runtime", seed=3, dt=m["sim.dt"]):
        mc = build_microcircuit(m, n_exc=20, copies=3, rng_seed=3)
        assert mc.shared_inputs is None and len(mc.drive["ff_pyr"]) == 60
        with pytest.raises(ValueError, match="divisor"):
            build_microcircuit(m, n_exc=20, copies=3, shared_inputs=2, name="bad")
