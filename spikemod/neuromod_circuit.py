"""Neuromodulation of the L5 microcircuit: LC bursts through volume transmission, ACh bath,
broadcast weight scaling [MODEL.md s4-5; S21; TS].

Each function builds the microcircuit with :func:`spikemod.network.build_microcircuit`, gives
its cells second-messenger pools (:func:`spikemod.neuromod.attach`), runs one simulation on the
requested device and returns rows whose keys are the protocols' CSV columns. Conditions run side
by side as independent copies of the circuit (``copies``), so one build serves them all.
"""

from __future__ import annotations

import numpy as np
from brian2 import (Hz, SpikeGeneratorGroup, SpikeMonitor, StateMonitor, Synapses, ms,
                    second, umetre, umolar)

from spikemod.analysis.fi import fi_gain, rates_in_window
# the Hill dose-response curve and fit (old names sigmoid / fit_sigmoid kept for callers)
from spikemod.analysis.fits import fit_hill as fit_sigmoid, hill as sigmoid  # noqa: F401
from spikemod.analysis.spiketrains import binned_population_rate
from spikemod.device import simulation
from spikemod.diffusion import make_grid
from spikemod.experiments.common import CircuitRun, scaled_recurrence
from spikemod.network import build_microcircuit
from spikemod.neuromod import ach_receptor_scaling, attach, scale_weights

__all__ = ["lc_burst", "ach_state", "dose_response", "band_powers", "fit_sigmoid", "BANDS",
           "LC_BURST_COLUMNS", "LC_MODULATION_COLUMNS", "reach_um", "distance_profile",
           "distance_profile_sem", "lc_burst_summary"]

LC_BURST_COLUMNS = ["neuron", "distance_um", "peak_NE_nM", "gain_before", "gain_after"]

#: frequency bands (Hz) of the population rate
BANDS = {"delta": (1, 4), "theta": (4, 8), "alpha": (8, 13), "beta": (13, 30),
         "gamma": (30, 80)}


def _set_drive(mc, rate_pyr, rate_inh=None):
    for key, src in mc.drive.items():
        if key == "ff_pyr":
            src.rates = rate_pyr
        elif key.startswith("ff_"):
            src.rates = rate_pyr if rate_inh is None else rate_inh


# ---------------------------------------------------------------------------------------------
#: per-cell modulation columns of lc_burst (released - control copy, mean over the gain window)
LC_MODULATION_COLUMNS = {"g_c": "dg_c", "vt": "dvt_mV", "vr": "dvr_mV", "d": "dd_rel",
                         "tau_gc": "dtau_gc_rel"}


def lc_burst(model, n_exc=200, drive_Hz=(800.0, 1100.0, 1400.0), dend_drive_Hz=600.0,
             window=1.0 * second, release_scales=(1.0, 0.02), n_lc=20, burst_spikes=5,
             burst_rate_Hz=20.0, wait=0.0 * second, settle=0.3 * second, ee_scale=1.0,
             device="runtime", seed=None, build_dir=None, report=None) -> CircuitRun:
    """A phasic LC burst at the centre of a 2-D sheet microcircuit; NE spreads on the voxel
    grid and modulates every pyramidal cell through the voxel it sits in. The burst's effect on
    each cell's gain is measured against a control copy with common random numbers.

    The sheet (side = grid extent, ``n_side x dx``) lies in the grid's middle plane. ``n_lc``
    LC-like neurons (a ``SpikeGeneratorGroup``) each fire ``burst_spikes`` spikes at
    ``burst_rate_Hz`` from ``settle``; each spike releases ``sites_per_neuron x release_amount
    x scale`` into the centre voxel of that condition's grid. Conditions: a control (no
    release) and one per ``release_scales`` entry; each condition has one circuit copy per
    feed-forward drive level in ``drive_Hz`` (constant for the whole run). All copies share the
    connectivity, and copies at the same drive level share the drive spike trains
    (``build_microcircuit(shared_inputs=len(drive_Hz))``), so a released copy and its control
    differ only by the NE (and the cells' own coupling draws).

    Per cell, the rate at each drive level over the window ``[settle + wait, settle + wait +
    window)`` gives the gain (least-squares slope, Hz per kHz of drive; 0 for a cell silent at
    every level): ``gain_before`` is the cell's gain in the control copy, ``gain_after`` in the
    released copy, over the same window and the same input spikes. The modulation columns
    (:data:`LC_MODULATION_COLUMNS`: change of ``g_c``, ``vt`` and ``vr`` in mV and the relative
    change of the adaptation jump ``d`` and, with W25's thalamus-driven coupling, of the
    coupling's decay time ``tau_gc`` (there HCN acts on ``tau_gc``, and ``dg_c`` is the change of
    the dynamic coupling itself, which carries the circuit's own fluctuations); released minus
    control, mean over the window; 0 for a switched-off effect) show the cell-parameter change
    that drives the gain change.
    Returns rows per released copy with ``scale`` added.

    What it shows with the default model (3000 cells, DR10 uptake): the modulation falls
    steeply with distance and spreads further per unit released when uptake saturates; the
    gain change is resolved only within ~10 um of the full release (about +10 %, a rise: the
    transient does not reach the falling side of the inverted U) and not at all for the small
    release, so the gain does not show the saturated release reaching further.
    """
    scales = [0.0] + [float(s) for s in release_scales]
    levels = len(drive_Hz)
    copies = len(scales) * levels                     # copy = condition * levels + level
    m = scaled_recurrence(model, ee_scale)
    n_side = int(round(float(model["diffusion.n_side"])))
    dx_um = float(model["diffusion.dx"] / umetre)
    side_um = n_side * dx_um
    m.set("sheet.side", f"{side_um!r} um", source="lc-burst: sheet = grid extent")
    m.set("connectivity.geometry", "sheet")
    t_burst = float(settle / second)
    t0 = t_burst + float(wait / second)
    t_end = t0 + float(window / second)
    lc_t = t_burst + np.arange(burst_spikes) / burst_rate_Hz
    with simulation(device, seed=seed, dt=model["sim.dt"], build_dir=build_dir) as sim:
        mc = build_microcircuit(m, n_exc=n_exc, copies=copies, rng_seed=seed,
                                shared_inputs=levels)
        n = mc.sizes["pyr"]
        for key, src in mc.drive.items():             # drive set k = level k
            if key.startswith("ff_"):
                src.rates = np.repeat(np.asarray(drive_Hz, float), len(src) // levels) * Hz
        mc.drive["fb_pyr"].rates = dend_drive_Hz * Hz
        nm = attach(mc.pyr, m, "pyr", name="pyr_gpcr")
        objs = list(nm.objects)
        pos = mc.positions["pyr"] * side_um            # (n, 2) um, same in every copy
        zmid = (n_side // 2) * dx_um
        for ci, scale in enumerate(scales[1:], start=1):
            grid = make_grid(m, name=f"ne_grid{ci}")
            xyz = np.column_stack([pos, np.full(n, zmid)]) if grid.ndim == 3 else pos
            lc = SpikeGeneratorGroup(n_lc, np.repeat(np.arange(n_lc), burst_spikes),
                                     np.tile(lc_t, n_lc) * second, dt=grid.dt, name=f"lc{ci}")
            grid.connect_release(lc, np.full(n_lc, grid.centre()),
                                 amount=m["diffusion.release_amount"] * scale,
                                 name=f"lc_release{ci}")
            # this condition's grid is read by its copies at every drive level
            rd = Synapses(grid.group, nm.gpcr[ci * levels * n:(ci + 1) * levels * n],
                          "L_NE_post = C_pre : mole/meter**3 (summed)", dt=grid.dt,
                          name=f"ne_readers{ci}")
            rd.connect(i=np.tile(grid.voxel_of(xyz), levels), j=np.arange(levels * n))
            objs += [lc, rd] + grid.objects
        # the NE and the cell parameters of each condition's first drive level
        first = np.concatenate([np.arange(n) + ci * levels * n for ci in range(len(scales))])
        peak = StateMonitor(nm.gpcr, "L_NE", record=first, dt=10 * ms, name="ne_at_cells")
        varnames = [v for v in LC_MODULATION_COLUMNS
                    if v in nm.targets or (v == "g_c" and "tau_gc" in nm.targets)]
        state = (StateMonitor(mc.pyr, varnames, record=first, dt=10 * ms, name="mod_at_cells")
                 if varnames else None)
        spikes = SpikeMonitor(mc.pyr, name="pyr_spikes")
        net = mc.network(*objs, peak, spikes, *([state] if state is not None else []))
        net.run(t_end * second, report=report)
        sim.finish()
        ids = np.asarray(spikes.i[:], dtype=np.int64)
        times = np.asarray(spikes.t[:] / second)
        L = np.asarray(peak.L_NE[:] / umolar).reshape(len(scales), n, -1)
        ts = np.asarray(peak.t[:] / second)
        mod = {v: np.asarray(getattr(state, v)[:]).reshape(len(scales), n, -1) for v in varnames}
    peak_nM = L.max(axis=2) * 1e3
    centre_xy = np.array([n_side // 2, n_side // 2]) * dx_um
    dist = np.sqrt(((pos - centre_xy) ** 2).sum(axis=1))
    in_win = (ts >= t0) & (ts < t_end)
    delta = {col: np.zeros((len(scales), n)) for col in LC_MODULATION_COLUMNS.values()}
    for v, x in mod.items():
        d = (x - x[:1])[:, :, in_win].mean(axis=2)     # released - control, window mean
        unit = {"vt": 1e3, "vr": 1e3}.get(v, 1.0)      # V -> mV
        delta[LC_MODULATION_COLUMNS[v]] = d / x[0, :, 0] if v in ("d", "tau_gc") else d * unit
    rates = rates_in_window(ids, times, n * copies, t0, t_end).reshape(len(scales), levels, n)
    kHz = np.asarray(drive_Hz, float) / 1e3
    gain = np.array([[fi_gain(kHz, rates[ci, :, j]) if np.any(rates[ci, :, j] > 0) else 0.0
                      for j in range(n)] for ci in range(len(scales))])
    rows = []
    for ci, scale in enumerate(scales[1:], start=1):
        for j in range(n):
            rows.append({"scale": scale, "neuron": j, "distance_um": float(dist[j]),
                         "peak_NE_nM": float(peak_nM[ci, j]), "gain_before": float(gain[0, j]),
                         "gain_after": float(gain[ci, j]),
                         **{c: float(delta[c][ci, j]) for c in delta}})
    return CircuitRun(rows, {"pyr": (ids, times)}, t_end,
                      {"copies": copies, "n_exc": n, "side_um": side_um, "t_burst_s": t_burst,
                       "window_s": [t0, t_end], "release_scales": scales[1:],
                       "drive_Hz": list(map(float, drive_Hz)),
                       "control_rate_Hz": float(rates[0].mean())})


def reach_um(distance, values, threshold):
    """Largest distance of a cell whose ``values`` reach ``threshold`` (0 if none does)."""
    d, v = np.asarray(distance), np.asarray(values, float)
    hit = v >= threshold
    return float(d[hit].max()) if hit.any() else 0.0


def distance_profile(distance, values, edges):
    """Mean (NaN-aware) of ``values`` in distance bins ``edges``: (centres, means, counts)."""
    c, means, _, counts = distance_profile_sem(distance, values, edges)
    return c, means, counts


def distance_profile_sem(distance, values, edges):
    """As :func:`distance_profile`, plus the standard error of each bin's mean (NaN for fewer
    than two cells): (centres, means, sems, counts)."""
    d, v = np.asarray(distance), np.asarray(values, float)
    idx = np.digitize(d, edges) - 1
    means, sems, counts = [], [], []
    for k in range(len(edges) - 1):
        x = v[(idx == k) & np.isfinite(v)]
        counts.append(len(x))
        means.append(float(x.mean()) if len(x) else float("nan"))
        sems.append(float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else float("nan"))
    return (0.5 * (np.asarray(edges[:-1]) + np.asarray(edges[1:])), np.array(means),
            np.array(sems), np.array(counts))


#: distance bins (um) of the lc-burst profile, and the near / far limits of its reach table
LC_PROFILE_EDGES = (0.0, 10.0, 20.0, 30.0, 45.0, 60.0, 80.0, 100.0, 150.0)
LC_NEAR_UM, LC_FAR_UM = 30.0, 60.0


def lc_burst_summary(rows):
    """Per release scale: the reach table (``reach_um``: farthest cell whose peak NE reaches
    10 nM x scale; mean +- s.e.m. gain change, ``gain_after - gain_before``, of the cells
    nearer than :data:`LC_NEAR_UM` and farther than :data:`LC_FAR_UM`) and the distance
    profile (bins :data:`LC_PROFILE_EDGES`: cells, mean peak NE, gain change mean +- s.e.m.,
    mean modulation columns). Returns (reach_rows, profile_rows)."""
    reach, profile = [], []
    for sc in sorted({r["scale"] for r in rows}, key=[r["scale"] for r in rows].index):
        sel = [r for r in rows if r["scale"] == sc]
        d = np.array([r["distance_um"] for r in sel])
        dg = np.array([r["gain_after"] - r["gain_before"] for r in sel])
        pk = np.array([r["peak_NE_nM"] for r in sel])
        row = {"scale": sc, "reach_um": reach_um(d, pk, 10.0 * sc)}
        parts = {part: distance_profile_sem(d, dg, edges)[1:] for part, edges in
                 (("near", (0.0, LC_NEAR_UM)), ("far", (LC_FAR_UM, np.inf)))}
        for key, k, typ in (("gain_change_{}", 0, float), ("gain_change_{}_sem", 1, float),
                            ("n_{}", 2, int)):
            row.update({key.format(part): typ(v[k][0]) for part, v in parts.items()})
        reach.append(row)
        lo_hi = zip(LC_PROFILE_EDGES[:-1], LC_PROFILE_EDGES[1:])
        _, mean, sem, count = distance_profile_sem(d, dg, LC_PROFILE_EDGES)
        extra = {c: distance_profile(d, [r[c] for r in sel], LC_PROFILE_EDGES)[1]
                 for c in ["peak_NE_nM", *LC_MODULATION_COLUMNS.values()]}
        for k, (lo, hi) in enumerate(lo_hi):
            profile.append({"scale": sc, "d_lo_um": lo, "d_hi_um": hi, "n": int(count[k]),
                            "gain_change": float(mean[k]), "gain_change_sem": float(sem[k]),
                            **{c: float(v[k]) for c, v in extra.items()}})
    return reach, profile


# ---------------------------------------------------------------------------------------------
def band_powers(rate_hz, fs_hz, bands=None, nperseg=None) -> dict:
    """Power of a population-rate signal in each band (Welch PSD integrated over the band,
    (Hz)^2 i.e. rate variance per band). ``nperseg`` defaults to 1 s of samples."""
    from scipy.signal import welch
    bands = bands or BANDS
    x = np.asarray(rate_hz, float)
    f, p = welch(x - x.mean(), fs=fs_hz, nperseg=min(len(x), int(nperseg or fs_hz)))
    df = f[1] - f[0]
    return {b: float(p[(f >= lo) & (f < hi)].sum() * df) for b, (lo, hi) in bands.items()}


#: populations with receptor pools; W25's matrix thalamus has none (MODEL.md s4 gives the
#: cortical cells' receptors only, so its neuromodulation is left out, not guessed)
MODULATED_POPULATIONS = ("pyr", "pv", "som")


def _attach_all(mc, model):
    nms = {}
    for pop, group in mc.populations.items():
        if pop in MODULATED_POPULATIONS:
            nms[pop] = attach(group, model, pop, name=f"{pop}_gpcr")
    return nms


def ach_state(model, ach_uM=(0.0, 10.0), drive_Hz=1000.0, drive_step=1.3, burn_in=0.5 * second,
              duration=4 * second, gain_step=1 * second, ee_scale=1.0, device="runtime",
              seed=None, build_dir=None, report=None) -> CircuitRun:
    """The ring microcircuit in ACh baths (one copy per concentration, pools at the bath's
    steady state; M1/M2 on every cell, nicotinic on interneurons; receptor scaling of E->E by M2
    and of the feed-forward drive by nicotinic occupancy, :func:`ach_receptor_scaling`).

    Band powers of the pyramidal population rate (1 ms bins, Welch, 1 s segments) over
    ``duration`` after ``burn_in`` at drive ``drive_Hz``; then the drive is multiplied by
    ``drive_step`` for ``gain_step`` and the gain is the rate change per kHz of drive (second
    halves of the two windows). Rows: ``{ACh_uM, band, power}``; ``info['gain']`` per ACh."""
    conc = np.asarray(ach_uM, float)
    copies = conc.size
    m = scaled_recurrence(model, ee_scale)
    time_step = model["sim.dt"]
    t_gain = burn_in + duration
    with simulation(device, seed=seed, dt=time_step, build_dir=build_dir) as sim:
        mc = build_microcircuit(m, copies=copies, rng_seed=seed)
        n = mc.sizes["pyr"]
        nms = _attach_all(mc, m)
        for pop, nm in nms.items():
            k = mc.sizes[pop]
            nm.set_steady_state(m, {"ACh": np.repeat(conc, k)})
        ff = np.ones(copies)
        for ci, a in enumerate(conc):
            f = ach_receptor_scaling(m, float(a))
            ff[ci] = f["ff"]
            if f["EE"] != 1.0:
                scale_weights(mc.synapses["EE"], "w", f["EE"], target=f"copy_post == {ci}")
        ff_cells = np.repeat(ff, n)
        objs = [o for nm in nms.values() for o in nm.objects]
        spikes = SpikeMonitor(mc.pyr, name="pyr_spikes")
        net = mc.network(*objs, spikes)
        mc.drive["ff_pyr"].rates = drive_Hz * ff_cells * Hz
        net.run(t_gain, report=report)
        mc.drive["ff_pyr"].rates = drive_Hz * drive_step * ff_cells * Hz
        for key, src in mc.drive.items():
            if key.startswith("ff_") and key != "ff_pyr":
                src.rates = drive_Hz * drive_step * Hz
        net.run(gain_step, report=report)
        sim.finish()
        ids = np.asarray(spikes.i[:], dtype=np.int64)
        times = np.asarray(spikes.t[:] / second)
    t0, t1 = float(burn_in / second), float(t_gain / second)
    g1 = t1 + float(gain_step / second)
    rows, gain, rates = [], {}, {}
    for ci, a in enumerate(conc):
        members = ci * n + np.arange(n)
        pr = binned_population_rate(ids, times, members, t0, t1)
        for band, pw in band_powers(pr, 1e3).items():
            rows.append({"ACh_uM": float(a), "band": band, "power": pw})
        half = 0.5 * float(gain_step / second)
        r_base = rates_in_window(ids, times, n * copies, t1 - half, t1)[members].mean()
        r_step = rates_in_window(ids, times, n * copies, g1 - half, g1)[members].mean()
        gain[float(a)] = float((r_step - r_base) / (drive_Hz * (drive_step - 1) / 1e3))
        rates[float(a)] = float(pr.mean())
    return CircuitRun(rows, {"pyr": (ids, times)}, g1,
                      {"gain_Hz_per_kHz": gain, "mean_rate_Hz": rates, "copies": copies,
                       "ff_scale": ff.tolist()})


# ---------------------------------------------------------------------------------------------
def dose_response(model, factors, target_fraction=0.5, drive_Hz=1000.0, burn_in=0.5 * second,
                  duration=2 * second, ee_scale=1.0, device="runtime", seed=None,
                  build_dir=None, report=None) -> CircuitRun:
    """Broadcast-scalar neuromodulation [TS] in the spiking ring: all E->E weights onto a target
    subpopulation (the first ``target_fraction`` of the pyramidal cells of each copy, a
    contiguous arc of the ring) are multiplied by ``f``; one circuit copy per factor. Response:
    mean rate of the target cells over ``duration`` after ``burn_in`` at drive ``drive_Hz``.
    Rows ``{factor, response}``; ``info['fit']`` the sigmoid fit."""
    fac = np.asarray(factors, float)
    copies = fac.size
    m = scaled_recurrence(model, ee_scale)
    with simulation(device, seed=seed, dt=model["sim.dt"], build_dir=build_dir) as sim:
        mc = build_microcircuit(m, copies=copies, rng_seed=seed)
        n = mc.sizes["pyr"]
        n_target = max(1, int(round(target_fraction * n)))
        for ci, f in enumerate(fac):
            scale_weights(mc.synapses["EE"], "w", float(f),
                          target=f"copy_post == {ci} and j - {ci * n} < {n_target}")
        _set_drive(mc, drive_Hz * Hz)
        spikes = SpikeMonitor(mc.pyr, name="pyr_spikes")
        net = mc.network(spikes)
        net.run(burn_in + duration, report=report)
        sim.finish()
        ids = np.asarray(spikes.i[:], dtype=np.int64)
        times = np.asarray(spikes.t[:] / second)
    t0, t1 = float(burn_in / second), float((burn_in + duration) / second)
    r = rates_in_window(ids, times, n * copies, t0, t1)
    rows = []
    for ci, f in enumerate(fac):
        members = ci * n + np.arange(n_target)
        rows.append({"factor": float(f), "response": float(r[members].mean())})
    info = {"n_target": n_target, "n_exc": n, "copies": copies}
    try:
        info["fit"] = fit_sigmoid([x["factor"] for x in rows], [x["response"] for x in rows])
    except (RuntimeError, ValueError) as exc:   # no sigmoid through the points
        info["fit"] = {"error": str(exc).splitlines()[0]}
    return CircuitRun(rows, {"pyr": (ids, times)}, t1, info)
