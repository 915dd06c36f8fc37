"""A phasic locus-coeruleus burst at one point of a 2-D sheet microcircuit: volume transmission
of NE and its effect on each pyramidal cell's gain [MODEL.md s4-5; S21].

The L5 microcircuit [W25] (:func:`spikemod.network.build_microcircuit`) lies on a 2-D sheet in
the middle plane of the NE voxel grid (:mod:`spikemod.diffusion`: D* = D/tortuosity^2, volume
fraction alpha, Michaelis-Menten uptake; the sheet's side is the grid's extent, ``n_side x
dx``). Every pyramidal cell has a second-messenger pool (:func:`spikemod.neuromod.attach`) that
reads the NE of the voxel it sits in (alpha2A, alpha1, beta1 -> cAMP/HCN -> ``g_c`` or, with
W25's thalamus-driven coupling, its decay time ``tau_gc``; Ca -> ``vr`` and SK; PKA -> ``vt``).
After ``settle_s``, ``n_lc`` LC-like neurons (a ``SpikeGeneratorGroup``) each fire
``burst_spikes`` spikes at ``burst_rate_Hz``; each spike releases ``sites_per_neuron x
release_amount x scale`` into the centre voxel of its condition's grid.

Conditions: a control without release and one release per ``release_scales`` entry (a small
release keeps uptake linear, the full one saturates it). Gain is measured with common random
numbers: every condition has one circuit copy per feed-forward drive level ``drive_Hz``
(constant for the whole run; dendritic drive ``dend_drive_Hz``), all copies share one draw of
the connectivity, and copies at the same level share the input spike trains
(``build_microcircuit(shared_inputs=len(drive_Hz))``), so a released copy and its control differ
only by the NE (and the cells' own coupling draws). Per cell, the least-squares slope of rate
against drive over the window ``[settle + wait, settle + wait + window)`` (where the
second-messenger modulation is large: it peaks ~1 s after the burst and decays over ~3 s) is its
gain (Hz per kHz of drive; 0 for a cell silent at every level): ``gain_before`` is the cell in
the control copy, ``gain_after`` the same cell in the released copy, over the same window and
the same input spikes, so ``gain_after - gain_before`` is the burst's effect. The modulation
columns (:data:`MODULATION_COLUMNS`: released - control change of ``g_c``, ``vt`` and ``vr`` in
mV, relative change of the adaptation jump ``d`` and of the coupling decay time ``tau_gc``; mean
over the window; 0 for a switched-off effect) show the cell-parameter change behind it.

The paired design cuts the per-cell noise about twofold but cannot remove the coupling draws,
so the gain change is resolved by averaging cells in distance bins (:func:`summarize`: mean +-
s.e.m. per bin and within :data:`NEAR_UM` / beyond :data:`FAR_UM`). With the DR10 (striatal
dopamine) uptake of the default model the linear clearance length sqrt(D* K_m/V_max) is
~3.5 um, so the burst's NE stays within a few tens of um of the release point and only a few
per cent of the sheet is modulated; cortical NE uptake is weaker (try ``--set
"diffusion.V_max=0.41 umolar/second"``). What the default run shows (gain change near and far,
the reach of the HCN effect for the full and the small release) is reported with its numbers in
the README's protocol table.
"""

from __future__ import annotations

import numpy as np
from brian2 import (Hz, SpikeGeneratorGroup, SpikeMonitor, StateMonitor, Synapses, ms, second,
                    umetre, umolar)

from spikemod.analysis.fi import fi_gain, rates_in_window
from spikemod.device import simulation
from spikemod.diffusion import make_grid
from spikemod.experiments.common import CircuitRun, scaled_recurrence
from spikemod.io.monitors import spike_arrays
from spikemod.network import build_microcircuit
from spikemod.neuromod import attach

__all__ = ["NAME", "COLUMNS", "MODULATION_COLUMNS", "DEFAULTS", "PROFILE_EDGES", "NEAR_UM",
           "FAR_UM", "simulate", "summarize", "reach_um", "distance_profile", "figure"]

NAME = "lc-burst"
#: per-cell columns of lc_burst.csv (then the :data:`MODULATION_COLUMNS`; lc_burst_all.csv
#: starts with ``scale``)
COLUMNS = ["neuron", "distance_um", "peak_NE_nM", "gain_before", "gain_after"]
#: cell variable -> its modulation column (released - control copy, mean over the gain window)
MODULATION_COLUMNS = {"g_c": "dg_c", "vt": "dvt_mV", "vr": "dvr_mV", "d": "dd_rel",
                      "tau_gc": "dtau_gc_rel"}

#: the design of the README's numbers (3000 cells of the published circuit)
DEFAULTS = {
    "n_exc": 3000,                        # pyramidal cells per circuit copy
    "drive_Hz": (800.0, 1100.0, 1400.0),  # feed-forward drive levels (one copy each)
    "dend_drive_Hz": 600.0,               # dendritic Poisson drive
    "window_s": 2.0,                      # gain window
    "release_scales": (1.0, 0.02),        # one released condition each (+ the control)
    "n_lc": 20, "burst_spikes": 5, "burst_rate_Hz": 20.0,
    "wait_s": 0.4,                        # from burst onset to the gain window
    "settle_s": 0.3,                      # burst onset
    "ee_scale": 1.0,                      # E->E amplitude x this (1: published circuit)
}

#: distance bins (um) of the profile, and the near / far limits of the reach table
PROFILE_EDGES = (0.0, 10.0, 20.0, 30.0, 45.0, 60.0, 80.0, 100.0, 150.0)
NEAR_UM, FAR_UM = 30.0, 60.0


def simulate(model, *, n_exc=DEFAULTS["n_exc"], drive_Hz=DEFAULTS["drive_Hz"],
             dend_drive_Hz=DEFAULTS["dend_drive_Hz"], window_s=DEFAULTS["window_s"],
             release_scales=DEFAULTS["release_scales"], n_lc=DEFAULTS["n_lc"],
             burst_spikes=DEFAULTS["burst_spikes"], burst_rate_Hz=DEFAULTS["burst_rate_Hz"],
             wait_s=DEFAULTS["wait_s"], settle_s=DEFAULTS["settle_s"],
             ee_scale=DEFAULTS["ee_scale"], device="runtime", seed=None, build_dir=None,
             report=None) -> CircuitRun:
    """Run the LC burst experiment: a control and one released condition per scale, each with
    one circuit copy per drive level, in one build (see the module docstring).

    Parameters
    ----------
    model : spikemod.params.Model
        The circuit and the diffusion grid (``diffusion`` section).
    n_exc, drive_Hz, dend_drive_Hz, window_s, release_scales, n_lc, burst_spikes,
    burst_rate_Hz, wait_s, settle_s, ee_scale
        The design (defaults: :data:`DEFAULTS`; times in s, rates in Hz).
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.

    Returns
    -------
    CircuitRun
        ``rows``: per released scale and pyramidal cell, ``scale`` + :data:`COLUMNS` + the
        :data:`MODULATION_COLUMNS` values; spikes of the pyramidal cells of every copy; ``info``
        with the design and the control copies' mean rate.

    Example
    -------
    >>> run = simulate(load_model(), n_exc=300, drive_Hz=(900, 1400), window_s=1.0)  # doctest: +SKIP
    >>> reach, profile = summarize(run.rows)                                         # doctest: +SKIP
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
    t_burst = float(settle_s)
    t0 = t_burst + float(wait_s)
    t_end = t0 + float(window_s)
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
        varnames = [v for v in MODULATION_COLUMNS
                    if v in nm.targets or (v == "g_c" and "tau_gc" in nm.targets)]
        state = (StateMonitor(mc.pyr, varnames, record=first, dt=10 * ms, name="mod_at_cells")
                 if varnames else None)
        spikes = SpikeMonitor(mc.pyr, name="pyr_spikes")
        net = mc.network(*objs, peak, spikes, *([state] if state is not None else []))
        net.run(t_end * second, report=report)
        sim.finish()
        ids, times = spike_arrays(spikes)
        L = np.asarray(peak.L_NE[:] / umolar).reshape(len(scales), n, -1)
        ts = np.asarray(peak.t[:] / second)
        mod = {v: np.asarray(getattr(state, v)[:]).reshape(len(scales), n, -1) for v in varnames}
    peak_nM = L.max(axis=2) * 1e3
    centre_xy = np.array([n_side // 2, n_side // 2]) * dx_um
    dist = np.sqrt(((pos - centre_xy) ** 2).sum(axis=1))
    in_win = (ts >= t0) & (ts < t_end)
    delta = {col: np.zeros((len(scales), n)) for col in MODULATION_COLUMNS.values()}
    for v, x in mod.items():
        d = (x - x[:1])[:, :, in_win].mean(axis=2)     # released - control, window mean
        unit = {"vt": 1e3, "vr": 1e3}.get(v, 1.0)      # V -> mV
        delta[MODULATION_COLUMNS[v]] = d / x[0, :, 0] if v in ("d", "tau_gc") else d * unit
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
    """Largest distance of a cell whose ``values`` reach ``threshold``.

    Parameters
    ----------
    distance, values : array_like
        Per cell: distance from the release point (um) and the measured value.
    threshold : float
        The value to reach.

    Returns
    -------
    float
        The distance (um); 0 if no cell reaches ``threshold``.

    Example
    -------
    >>> reach_um([5.0, 20.0, 40.0], [30.0, 12.0, 1.0], 10.0)
    20.0
    """
    d, v = np.asarray(distance), np.asarray(values, float)
    hit = v >= threshold
    return float(d[hit].max()) if hit.any() else 0.0


def distance_profile(distance, values, edges):
    """Mean (NaN-aware) of ``values`` in the distance bins ``edges`` and its standard error.

    Parameters
    ----------
    distance, values : array_like
        Per cell: distance (um) and value.
    edges : sequence of float
        Bin edges (um).

    Returns
    -------
    (centres, means, sems, counts) : numpy.ndarray
        Bin centres, mean of the finite values per bin (NaN for an empty bin), standard error
        of that mean (NaN for fewer than two cells), cells per bin.

    Example
    -------
    >>> distance_profile([1.0, 2.0, 15.0], [1.0, 3.0, 5.0], (0.0, 10.0, 20.0))[1:3]
    (array([2., 5.]), array([ 1., nan]))
    """
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


def summarize(rows):
    """Reach table and distance profile per release scale.

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows.

    Returns
    -------
    (reach_rows, profile_rows) : list of dict
        ``reach_rows`` (lc_burst_reach.csv), per scale: ``reach_um`` (farthest cell whose peak
        NE reaches 10 nM x scale, the same share of the release), mean +- s.e.m. gain change
        (``gain_after - gain_before``) and cell count of the cells nearer than
        :data:`NEAR_UM` and farther than :data:`FAR_UM`. ``profile_rows``
        (lc_burst_profile.csv), per scale and bin of :data:`PROFILE_EDGES`: cells, gain change
        mean +- s.e.m., mean peak NE and mean modulation columns.

    Example
    -------
    >>> reach, profile = summarize(simulate(load_model(), n_exc=300).rows)   # doctest: +SKIP
    """
    reach, profile = [], []
    for sc in sorted({r["scale"] for r in rows}, key=[r["scale"] for r in rows].index):
        sel = [r for r in rows if r["scale"] == sc]
        d = np.array([r["distance_um"] for r in sel])
        dg = np.array([r["gain_after"] - r["gain_before"] for r in sel])
        pk = np.array([r["peak_NE_nM"] for r in sel])
        row = {"scale": sc, "reach_um": reach_um(d, pk, 10.0 * sc)}
        parts = {part: distance_profile(d, dg, edges)[1:] for part, edges in
                 (("near", (0.0, NEAR_UM)), ("far", (FAR_UM, np.inf)))}
        for key, k, typ in (("gain_change_{}", 0, float), ("gain_change_{}_sem", 1, float),
                            ("n_{}", 2, int)):
            row.update({key.format(part): typ(v[k][0]) for part, v in parts.items()})
        reach.append(row)
        lo_hi = zip(PROFILE_EDGES[:-1], PROFILE_EDGES[1:])
        _, mean, sem, count = distance_profile(d, dg, PROFILE_EDGES)
        extra = {c: distance_profile(d, [r[c] for r in sel], PROFILE_EDGES)[1]
                 for c in ["peak_NE_nM", *MODULATION_COLUMNS.values()]}
        for k, (lo, hi) in enumerate(lo_hi):
            profile.append({"scale": sc, "d_lo_um": lo, "d_hi_um": hi, "n": int(count[k]),
                            "gain_change": float(mean[k]), "gain_change_sem": float(sem[k]),
                            **{c: float(v[k]) for c, v in extra.items()}})
    return reach, profile


def figure(rows, profile):
    """Peak NE, gain change (released - control copy, mean +- s.e.m. per distance bin) and
    coupling change against distance from the LC release point, per release scale.

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows.
    profile : list of dict
        The profile rows of :func:`summarize`.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> fig = figure(run.rows, summarize(run.rows)[1])        # doctest: +SKIP
    """
    from spikemod import plotting
    import matplotlib.pyplot as plt
    fig, axes = plotting.figure(1, 3, width=10.0)
    scales = sorted({r["scale"] for r in rows}, reverse=True)
    colors = plt.get_cmap("viridis")(np.linspace(0.1, 0.8, max(len(scales), 1)))
    for color, sc in zip(colors, scales):
        sel = [r for r in rows if r["scale"] == sc]
        d = np.array([r["distance_um"] for r in sel])
        pk = np.array([r["peak_NE_nM"] for r in sel])
        dg = np.array([r["gain_after"] - r["gain_before"] for r in sel])
        prof = [p for p in profile if p["scale"] == sc and p["n"] > 0]
        c = np.array([0.5 * (p["d_lo_um"] + p["d_hi_um"]) for p in prof])
        axes[0, 0].semilogy(d, np.maximum(pk, 1e-6), "o", ms=2, color=color,
                            label=f"release x{sc:g}")
        axes[0, 1].plot(d, dg, ".", ms=2, color=color, alpha=0.3)
        axes[0, 1].errorbar(c, [p["gain_change"] for p in prof],
                            [p["gain_change_sem"] for p in prof], fmt="o-", color=color,
                            capsize=2, label=f"release x{sc:g} (bin mean +- s.e.m.)")
        axes[0, 2].plot(d, [r["dg_c"] for r in sel], ".", ms=3, color=color,
                        label=f"release x{sc:g}")
    axes[0, 0].set_xlabel("distance from release (um)")
    axes[0, 0].set_ylabel("peak NE at the cell (nM)")
    axes[0, 0].set_title("volume transmission of the LC burst")
    axes[0, 0].legend()
    axes[0, 1].axhline(0, color="0.6", lw=0.8)
    axes[0, 1].set_xlabel("distance from release (um)")
    axes[0, 1].set_ylabel("gain released - control (Hz/kHz)")
    axes[0, 1].set_title("gain change")
    axes[0, 1].legend(fontsize=6.5)
    axes[0, 2].set_xlabel("distance from release (um)")
    axes[0, 2].set_ylabel("coupling g_c change (window mean)")
    axes[0, 2].set_title("second-messenger effect")
    axes[0, 2].legend(fontsize=6.5)
    return fig
