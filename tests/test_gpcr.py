"""Second-messenger kinetics (spikemod.gpcr): the simulated Brian2 group relaxes to the
algebraic steady state; affinities order the receptors as MODEL.md s4 requires."""

import numpy as np
import pytest
from brian2 import Network, second, umolar, mV

from spikemod.device import simulation
from spikemod.gpcr import (RECEPTORS, make_gpcr, receptor_densities, set_steady_state,
                           steady_state)

NE = np.array([0.0, 0.01, 0.05, 0.3, 1.0, 3.0, 10.0])     # uM
DA = np.array([0.0, 0.03, 0.0, 0.5, 0.0, 3.0, 0.0])


@pytest.fixture(scope="module")
def relaxed(model):
    dens = receptor_densities(model, "pyr")
    with simulation("runtime") as sim:
        g = make_gpcr(NE.size, model, "pyr", densities=dens)
        g.L_NE = NE * umolar
        g.L_DA = DA * umolar
        Network(g).run(15 * second)
        sim.finish()
        out = {k: np.array(getattr(g, k)[:]) for k in
               ("R_alpha1", "R_alpha2A", "R_beta1", "R_D1", "G_s", "G_i", "G_q", "PKA",
                "h_HCN")}
        for k in ("cAMP", "IP3", "Ca"):
            out[k] = np.asarray(getattr(g, k)[:] / umolar)
        out["hcn_shift"] = np.asarray(g.hcn_shift[:] / mV)
    return out, steady_state(model, {"NE": NE, "DA": DA}, dens)


@pytest.mark.parametrize("var", ["R_alpha1", "R_alpha2A", "R_beta1", "R_D1", "G_s", "G_i",
                                 "G_q", "cAMP", "PKA", "IP3", "Ca", "hcn_shift", "h_HCN"])
def test_group_reaches_algebraic_steady_state(relaxed, var):
    sim, ss = relaxed
    np.testing.assert_allclose(sim[var], np.broadcast_to(ss[var], NE.shape), rtol=2e-3,
                               atol=1e-9)


def test_alpha2_has_higher_affinity_than_alpha1(model):
    dens = receptor_densities(model, "pyr")
    ss = steady_state(model, {"NE": NE}, dens)
    low = NE == 0.05
    assert ss["R_alpha2A"][low] > 0.4 and ss["R_alpha1"][low] < 0.1
    # moderate NE lowers cAMP (alpha2A/Gi), high NE raises it again (beta1/Gs) and releases Ca
    basal = steady_state(model, {}, dens)["cAMP"]
    assert ss["cAMP"][low] < 0.6 * basal
    assert ss["cAMP"][-1] > ss["cAMP"][low] * 2
    assert ss["Ca"][-1] > 5 * ss["Ca"][low]
    # HCN closes as cAMP falls
    assert ss["h_HCN"][low] < steady_state(model, {}, dens)["h_HCN"]


def test_set_steady_state_is_stationary(model):
    dens = receptor_densities(model, "pyr")
    with simulation("runtime") as sim:
        g = make_gpcr(NE.size, model, "pyr", densities=dens)
        ss = set_steady_state(g, model, {"NE": NE}, dens)
        Network(g).run(0.5 * second)
        sim.finish()
        np.testing.assert_allclose(g.cAMP[:] / umolar, ss["cAMP"], rtol=1e-6)
        np.testing.assert_allclose(g.Ca[:] / umolar, ss["Ca"], rtol=1e-6, atol=1e-12)


def test_receptor_classes_and_densities(model):
    assert RECEPTORS["alpha2A"][1] == "i" and RECEPTORS["alpha1"][1] == "q"
    assert RECEPTORS["beta1"][1] == "s" and RECEPTORS["nACh"][1] == "ionotropic"
    assert receptor_densities(model, "som")["nACh"] == 1.0
    assert receptor_densities(model, "pyr")["nACh"] == 0.0
    m2 = model.copy()
    m2.set("receptors.density_pyr", "0")
    assert all(v == 0 for v in receptor_densities(m2, "pyr").values())
