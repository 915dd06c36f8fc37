"""Volume transmission on the voxel grid (spikemod.diffusion) against analytic solutions.

Point source: the issue asks for a relative L2 error < 2 % at r > 3 dx, t > 10 dt. Two errors
add up there. (1) The solver's: tested from the point-source profile itself (the release
happened t0 before the start, sigma0 = sqrt(2 D* t0) = 1.5 dx): < 2 % over every t > 10 dt.
(2) The lattice delta's (the whole release in one voxel) only matches the continuum point
source once it has spread over a few voxels: with dx = 10 um, D* = 234 um^2/s, dt = 30 ms the
error at r > 3 dx is 4.2 % for t > 10 dt (sigma = 1.25 dx) and 1.6 % for t >= 1 s (sigma =
2.2 dx). Since a stable step has D* dt <= dx^2/6, sigma at 10 dt is at most 1.8 dx whatever dt:
the delta test asserts < 2 % from 1 s on and that the error keeps falling with time.
"""

import numpy as np
import pytest
from brian2 import Network, StateMonitor, ms, second, umolar, umetre

from conftest import DEVICES
from spikemod.device import simulation
from spikemod.diffusion import (check_stability, make_bath, make_grid, mm_decay_analytic,
                                stability_limit)
from spikemod.experiments.volume_transmission import point_release
from spikemod.params import ModelError

GRID = {"uptake": False, "dt": 30 * ms, "n_side": 21}


@pytest.fixture(scope="module")
def release3d(model):
    return point_release(model, GRID, duration=2 * second, sample_every=100 * ms)


def test_point_source_matches_analytic_3d(release3d):
    res = release3d
    dx = float(res.params["dx"] / umetre)
    assert res.params["ndim"] == 3
    err = res.rel_l2(3 * dx, 1.0 - 1e-9)
    assert err < 0.02, err
    early = res.rel_l2(3 * dx, 10 * 0.030)
    assert early > err   # the lattice error shrinks as the cloud spreads
    # <r^2> = 6 D* t: the FTCS lattice walk has exactly the continuum variance
    D = float(res.params["D_star"] / (umetre ** 2 / second))
    k = (res.t_s > 0) & (res.t_s <= 1.5)   # before the zero-flux walls matter
    r2 = (res.C_uM[k] * res.r_um ** 2).sum(axis=1) / res.C_uM[k].sum(axis=1)
    np.testing.assert_allclose(r2, 6 * D * res.t_s[k], rtol=2e-3)


@pytest.mark.parametrize("dt_ms", [1, 30])
def test_solver_matches_point_source_after_10_steps(model, dt_ms):
    """Solver error alone: start from the point-source profile at sigma0 = 1.5 dx."""
    p = {**GRID, "dt": dt_ms * ms}
    D = 600 / 1.6 ** 2                 # um^2/s, D* of the default model
    dx = 10.0
    t0 = (1.5 * dx) ** 2 / (2 * D)
    res = point_release(model, p, duration=1.2 * second, sample_every=dt_ms * ms,
                        released_before=t0 * second)
    assert float(res.params["D_star"] / (umetre ** 2 / second)) == pytest.approx(D)
    assert res.t_s[0] == pytest.approx(t0)
    np.testing.assert_allclose(res.mass, res.amount, rtol=1e-6)
    err = res.rel_l2(3 * dx, t0 + 10 * dt_ms * 1e-3 + 1e-9)
    assert err < 0.02, err
    # the lattice delta started at t = 0 is further off at the same times (error (1) above)
    delta = point_release(model, p, duration=1.2 * second, sample_every=100 * ms)
    assert delta.rel_l2(3 * dx, 10 * dt_ms * 1e-3 + 1e-9) > err


def test_released_before_refuses_decay(model):
    with pytest.raises(ValueError, match="decay"):
        point_release(model, {**GRID, "decay": 1 / second, "n_side": 5}, duration=0.1 * second,
                      released_before=0.1 * second)


def test_mass_conserved_without_uptake(release3d):
    res = release3d
    assert res.amount > 0
    np.testing.assert_allclose(res.mass, res.amount, rtol=1e-6)


def test_point_source_2d(model):
    res = point_release(model, {**GRID, "ndim": 2, "n_side": 31}, duration=2 * second,
                        sample_every=100 * ms)
    dx = float(res.params["dx"] / umetre)
    assert res.C_uM.shape[1] == 31 ** 2
    assert res.rel_l2(3 * dx, 1.0 - 1e-9) < 0.02
    np.testing.assert_allclose(res.mass, res.amount, rtol=1e-6)


def test_first_order_decay_scales_mass(model):
    res = point_release(model, {**GRID, "decay": 2 / second, "n_side": 11},
                        duration=1 * second, sample_every=100 * ms)
    # explicit Euler: (1 - lambda dt)^n
    n = np.round(res.t_s / 0.030)
    np.testing.assert_allclose(res.mass, res.amount * (1 - 2 * 0.030) ** n, rtol=1e-6)
    assert res.mass[-1] < 0.2 * res.amount


def test_uptake_removes_mass_and_shortens_reach(model, release3d):
    res = point_release(model, {**GRID, "uptake": True}, duration=2 * second,
                        sample_every=100 * ms)
    assert res.mass[-1] < 0.5 * res.amount
    assert np.all(np.diff(res.mass) < 0)
    far = release3d.r_um > 50
    assert res.C_uM[-1, far].sum() < release3d.C_uM[-1, far].sum()


def test_well_mixed_michaelis_menten_vs_lambert_w(model):
    C0 = 2 * umolar
    with simulation("runtime") as sim:
        bath = make_bath(model, C0, overrides={"dt": 0.1 * ms})
        mon = StateMonitor(bath, "C", record=0, dt=10 * ms)
        Network(bath, mon).run(1 * second)
        sim.finish()
        t, C = np.asarray(mon.t / second), np.asarray(mon.C[0] / umolar)
    ref = mm_decay_analytic(t * second, C0, model["diffusion.V_max"], model["diffusion.K_m"])
    ref = np.asarray(ref / umolar)
    assert C[-1] < 0.05 * C[0]   # the uptake really acts
    np.testing.assert_allclose(C, ref, rtol=2e-3, atol=1e-5)


def test_unstable_step_is_refused(model):
    D_star = model["diffusion.D"] / model["diffusion.tortuosity"] ** 2
    dx = model["diffusion.dx"]
    limit = stability_limit(dx, D_star, 3)
    assert abs(float(limit / ms) - 100 / (6 * 234.375) * 1000) < 1e-6
    check_stability(0.99 * limit, dx, D_star, 3)
    with pytest.raises(ModelError, match=r"unstable.*dt <= dx\^2/\(2\*ndim\*D\*\) = 71\.11 ms"):
        check_stability(80 * ms, dx, D_star, 3)
    # 2-D allows 1.5 x the step, uptake lowers it
    check_stability(1.49 * limit, dx, D_star, 2)
    with pytest.raises(ModelError, match="V_max/K_m"):
        check_stability(0.99 * limit, dx, D_star, 3, uptake_rate=50 / second)
    with pytest.raises(ModelError, match="ndim"):
        check_stability(1 * ms, dx, D_star, 4)
    model2 = model.copy()
    model2.set("diffusion.dt", "100 ms")
    with simulation("runtime"):
        with pytest.raises(ModelError, match="diffusion.dt: 100 ms is unstable"):
            make_grid(model2)


@pytest.mark.skipif("cpp_standalone" not in DEVICES, reason="C++ builds skipped")
def test_grid_in_cpp_standalone_matches_runtime(model, build_root):
    kw = dict(duration=0.6 * second, sample_every=100 * ms)
    over = {**GRID, "n_side": 9, "uptake": True}
    a = point_release(model, over, **kw)
    b = point_release(model, over, device="cpp_standalone", build_dir=build_root / "grid", **kw)
    np.testing.assert_allclose(b.C_uM, a.C_uM, rtol=1e-9, atol=1e-15)
