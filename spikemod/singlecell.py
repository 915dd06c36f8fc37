"""Single-cell experiments on the L5 pyramidal cell: f-I grids and BAC firing.

Each grid point is a separate neuron of ONE network simulated in one run, so a whole f-I family
costs one build (and, in standalone mode, one compilation). Results come back as plain arrays
and row dicts whose keys are the protocols' CSV columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import Network, SpikeMonitor, StateMonitor, mV, ms, pA, second

from spikemod.analysis.fi import burst_spike_fraction, fi_gain, rates_in_window, rheobase
from spikemod.cells import grid_values, make_pyramidal
from spikemod.device import simulation

__all__ = ["FIResult", "fi_grid", "fi_grid_many", "FI_COLUMNS", "FI_SUMMARY_COLUMNS", "BAC_COLUMNS", "bac"]

FI_COLUMNS = ["I_soma_pA", "I_dend_pA", "coupling", "rate_Hz", "burst_mode_fraction",
              "burst_spike_fraction", "window_start_s", "window_stop_s"]
FI_SUMMARY_COLUMNS = ["I_dend_pA", "coupling", "rheobase_pA", "gain_Hz_per_pA"]
BAC_COLUMNS = ["condition", "somatic_spikes", "plateau_ms", "peak_v_dend_mV"]


@dataclass
class FIResult:
    """f-I grid: one entry per neuron (grid point), spikes in canonical (ids, times) form."""

    I_soma_pA: np.ndarray
    I_dend_pA: np.ndarray
    coupling: np.ndarray
    rate_Hz: np.ndarray
    burst_mode_fraction: np.ndarray
    burst_spike_fraction: np.ndarray
    window: tuple
    spike_ids: np.ndarray
    spike_times_s: np.ndarray
    timers: dict = field(default_factory=dict)

    def rows(self):
        for j in range(self.rate_Hz.size):
            yield {"I_soma_pA": self.I_soma_pA[j], "I_dend_pA": self.I_dend_pA[j],
                   "coupling": self.coupling[j], "rate_Hz": self.rate_Hz[j],
                   "burst_mode_fraction": self.burst_mode_fraction[j],
                   "burst_spike_fraction": self.burst_spike_fraction[j],
                   "window_start_s": self.window[0], "window_stop_s": self.window[1]}

    def summary(self):
        """Rows of ``FI_SUMMARY_COLUMNS``: rheobase and gain per (I_dend, coupling)."""
        out = []
        for idend in np.unique(self.I_dend_pA):
            for gc in np.unique(self.coupling):
                sel = (self.I_dend_pA == idend) & (self.coupling == gc)
                order = np.argsort(self.I_soma_pA[sel])
                I, r = self.I_soma_pA[sel][order], self.rate_Hz[sel][order]
                out.append({"I_dend_pA": idend, "coupling": gc, "rheobase_pA": rheobase(I, r),
                            "gain_Hz_per_pA": fi_gain(I, r)})
        return out


def fi_grid(model, I_soma_pA, I_dend_pA, coupling, burn_in=0.2 * second,
            duration=2 * second, device="runtime", seed=None, build_dir=None,
            report=None) -> FIResult:
    """f-I curves over the grid somatic current x dendritic current x coupling probability.

    Parameters
    ----------
    model : Model
    I_soma_pA, I_dend_pA : array of float
        Injected somatic and dendritic currents (pA).
    coupling : array of float
        Coupling probabilities ``g_c`` in [0, 1].
    burn_in, duration : Quantity
        Transient discarded, then the measured window.
    device, seed, build_dir :
        See :func:`spikemod.device.simulation`.

    Returns
    -------
    FIResult
        ``rate_Hz`` over the window; ``burst_mode_fraction``: share of the window's time steps
        with the calcium switch on; ``burst_spike_fraction``: share of spikes with a neighbour
        spike within 15 ms.
    """
    Is, Id, gc = grid_values(I_soma_pA, I_dend_pA, coupling)
    time_step = model["sim.dt"]
    with simulation(device, seed=seed, dt=time_step, build_dir=build_dir) as sim:
        G, spikes = _grid_group(model, Is, Id, gc, burn_in - 0.5 * time_step)
        net = Network(G, spikes)
        net.run(burn_in + duration, report=report)
        sim.finish()
        ids = np.asarray(spikes.i[:], dtype=np.int64)
        times = np.asarray(spikes.t[:] / second)
        steps = np.array(G.burst_steps[:])
        timers = sim.timers
    return _fi_result(Is, Id, gc, ids, times, steps, burn_in, duration, time_step, timers)


def _grid_group(model, Is, Id, gc, t_measure):
    """One pyramidal cell per grid point (currents in pA, coupling) and its spike monitor."""
    G = make_pyramidal(Is.size, model)
    G.I_soma = Is * pA
    G.I_dend = Id * pA
    G.g_c = gc
    G.t_measure = t_measure
    return G, SpikeMonitor(G, record=True)


def _fi_result(Is, Id, gc, ids, times, steps, burn_in, duration, time_step, timers):
    """FIResult of one f-I grid run from its spikes and ``burst_steps``."""
    t0, t1 = float(burn_in / second), float((burn_in + duration) / second)
    half = 0.5 * float(time_step / second)
    n_steps = int(round(float(duration / time_step)))
    return FIResult(
        I_soma_pA=Is, I_dend_pA=Id, coupling=gc,
        rate_Hz=rates_in_window(ids, times, Is.size, t0 - half, t1 - half),
        burst_mode_fraction=steps / n_steps,
        burst_spike_fraction=burst_spike_fraction(ids, times, Is.size, t0 - half, t1 - half),
        window=(t0, t1), spike_ids=ids, spike_times_s=times, timers=timers)


def fi_grid_many(model, I_soma_pA, I_dend_pA, coupling, variants=({},), seeds=None,
                 burn_in=0.2 * second, duration=2 * second, device="cpp_standalone",
                 seed=None, build_dir=None, processes=1) -> list:
    """:func:`fi_grid` for several parameter variants and seeds, compiled once.

    ``variants`` is a list of model overrides (``{"soma.a": "0.03/ms", "coupling.g_c": 0.5}``)
    of per-neuron parameters of the pyramidal cell; the grid network is built and (in
    standalone mode) compiled once and re-run per variant and seed with new values
    (:func:`spikemod.standalone.run_many`). Returns one FIResult per run, variants outer,
    seeds inner. An override of ``coupling.g_c`` replaces the grid's coupling axis.
    """
    from spikemod.standalone import run_many

    Is, Id, gc = grid_values(I_soma_pA, I_dend_pA, coupling)
    time_step = model["sim.dt"]
    points = []
    for overrides in variants:
        varied = model.copy()
        for key, value in overrides.items():
            varied.set(key, value)
        points.append({key: varied[key] for key in overrides})

    def build():
        G, spikes = _grid_group(model, Is, Id, gc, burn_in - 0.5 * time_step)

        def collect():
            return (np.asarray(spikes.i[:], dtype=np.int64), np.asarray(spikes.t[:] / second),
                    np.array(G.burst_steps[:]))
        return Network(G, spikes), collect

    run_points = []
    for point in points:
        run_points.append({f"pyr.{key.split('.', 1)[1]}": value for key, value in point.items()})
    raw = run_many(build, run_points, burn_in + duration, device=device, seeds=seeds,
                   dt=time_step, build_dir=build_dir, processes=processes, seed=seed)
    out = []
    runs_per_point = len(seeds) if seeds is not None else 1
    for j, (ids, times, steps) in enumerate(raw):
        point = points[j // runs_per_point]
        g = np.full(Is.size, float(point["coupling.g_c"])) if "coupling.g_c" in point else gc
        out.append(_fi_result(Is, Id, g, ids, times, steps, burn_in, duration, time_step, {}))
    return out


def bac(model, soma_step=3000 * pA, soma_width=3 * ms, dend_step=400 * pA,
        dend_width=50 * ms, onset=100 * ms, after=250 * ms, coupling=1.0, device="runtime",
        seed=None, build_dir=None):
    """BAC firing (Larkum 1999): somatic step, dendritic step, and both together.

    Three neurons in one network, one per condition (``soma``, ``dend``, ``both``); the steps
    start at ``onset``. Returns ``(rows, traces)``: rows with ``BAC_COLUMNS`` (spikes and
    plateau time counted from ``onset`` on), and ``traces = {'t_ms', 'v', 'v_d'}`` per
    condition for the figure.
    """
    conditions = ["soma", "dend", "both"]
    with simulation(device, seed=seed, dt=model["sim.dt"], build_dir=build_dir) as sim:
        G = make_pyramidal(3, model)
        G.g_c = coupling
        state = StateMonitor(G, ["v", "v_d"], record=True)
        spikes = SpikeMonitor(G)
        net = Network(G, state, spikes)
        net.run(onset)
        G.I_soma = [soma_step, 0 * pA, soma_step]
        G.I_dend = [0 * pA, dend_step, dend_step]
        net.run(soma_width)
        G.I_soma = 0 * pA
        net.run(dend_width - soma_width)
        G.I_dend = 0 * pA
        net.run(after)
        sim.finish()
        t_ms = np.asarray(state.t / ms)
        v, v_d = np.asarray(state.v / mV), np.asarray(state.v_d / mV)
        s_i, s_t = np.array(spikes.i[:]), np.asarray(spikes.t[:] / ms)
    dt_ms = float(model["sim.dt"] / ms)
    after_onset = t_ms >= float(onset / ms) - 0.5 * dt_ms
    v_ca = float(model["dend.v_ca"] / mV)
    rows = []
    for j, cond in enumerate(conditions):
        rows.append({"condition": cond,
                     "somatic_spikes": int(np.sum((s_i == j) & (s_t >= float(onset / ms)))),
                     "plateau_ms": float(np.sum(v_d[j][after_onset] >= v_ca) * dt_ms),
                     "peak_v_dend_mV": float(v_d[j][after_onset].max())})
    traces = {cond: {"t_ms": t_ms, "v": v[j], "v_d": v_d[j]} for j, cond in enumerate(conditions)}
    return rows, traces
