"""Back-propagation-activated calcium (BAC) firing of the L5 pyramidal cell [Larkum et al. 1999;
W25, NS18].

After ``onset`` at rest, three cells of one network receive (``soma``) a brief somatic step
that evokes one spike, whose back-propagating current depolarises the dendrite; (``dend``) a
dendritic step alone, subthreshold for a calcium plateau; (``both``) the two together. Measured
from the onset on: somatic spikes, the time the dendrite spends at or above the calcium
criterion ``dend.v_ca`` (``plateau_ms``) and the peak dendritic voltage. Expected (MODEL.md
s1): only the coincident condition gives a plateau; the BAP alone peaks near -42 mV. In this
model the dendrite acts on the soma only through the calcium switch (burst-mode reset), so the
plateau switches the soma into burst mode rather than injecting current.
"""

from __future__ import annotations

import numpy as np
from brian2 import Network, SpikeMonitor, StateMonitor, mV, ms, pA, second

from spikemod.cells import make_pyramidal
from spikemod.device import simulation
from spikemod.io.monitors import spike_arrays

__all__ = ["NAME", "CONDITIONS", "COLUMNS", "DEFAULTS", "simulate", "figure"]

NAME = "bac"
CONDITIONS = ("soma", "dend", "both")
COLUMNS = ["condition", "somatic_spikes", "plateau_ms", "peak_v_dend_mV"]

#: Larkum et al. (1999)'s protocol as the protocol runs it: a 3 ms somatic step of 3000 pA (one
#: spike), a 50 ms dendritic step of 400 pA, coupling 1; 100 ms at rest before, 250 ms after
DEFAULTS = {
    "soma_step_pA": 3000.0, "soma_width_ms": 3.0,
    "dend_step_pA": 400.0, "dend_width_ms": 50.0,
    "onset_ms": 100.0, "after_ms": 250.0,
    "coupling": 1.0,
}


def simulate(model, soma_step=None, soma_width=None, dend_step=None, dend_width=None,
             onset=None, after=None, coupling=None, device="runtime", seed=None,
             build_dir=None):
    """BAC firing: somatic step, dendritic step, and both together (one cell per condition).

    Parameters
    ----------
    model : spikemod.params.Model
    soma_step, soma_width, dend_step, dend_width : Quantity, optional
        The somatic and dendritic steps (amplitude, length); both start at ``onset``.
    onset, after : Quantity, optional
        Time at rest before the steps, and simulated time after the dendritic step.
    coupling : float, optional
        Coupling probability ``g_c``.
    device, seed, build_dir
        See :func:`spikemod.device.simulation`.

    All defaults: :data:`DEFAULTS`.

    Returns
    -------
    (rows, traces)
        ``rows``: one dict of :data:`COLUMNS` per condition (spikes and plateau time counted
        from ``onset`` on); ``traces``: ``{condition: {'t_ms', 'v', 'v_d'}}`` (mV) for the
        figure.

    Raises
    ------
    spikemod.errors.DeviceError
        For an unknown device.

    Example
    -------
    >>> rows, traces = simulate(load_model())                        # doctest: +SKIP
    >>> [r["plateau_ms"] > 0 for r in rows]                           # doctest: +SKIP
    [False, False, True]
    """
    d = DEFAULTS
    soma_step = d["soma_step_pA"] * pA if soma_step is None else soma_step
    soma_width = d["soma_width_ms"] * ms if soma_width is None else soma_width
    dend_step = d["dend_step_pA"] * pA if dend_step is None else dend_step
    dend_width = d["dend_width_ms"] * ms if dend_width is None else dend_width
    onset = d["onset_ms"] * ms if onset is None else onset
    after = d["after_ms"] * ms if after is None else after
    coupling = d["coupling"] if coupling is None else coupling
    with simulation(device, seed=seed, dt=model["sim.dt"], build_dir=build_dir) as sim:
        G = make_pyramidal(len(CONDITIONS), model)
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
        s_i, s_t = spike_arrays(spikes)
    dt_ms = float(model["sim.dt"] / ms)
    after_onset = t_ms >= float(onset / ms) - 0.5 * dt_ms
    v_ca = float(model["dend.v_ca"] / mV)
    rows = []
    for j, cond in enumerate(CONDITIONS):
        rows.append({"condition": cond,
                     "somatic_spikes": int(np.sum((s_i == j) & (s_t >= float(onset / second)))),
                     "plateau_ms": float(np.sum(v_d[j][after_onset] >= v_ca) * dt_ms),
                     "peak_v_dend_mV": float(v_d[j][after_onset].max())})
    traces = {cond: {"t_ms": t_ms, "v": v[j], "v_d": v_d[j]} for j, cond in enumerate(CONDITIONS)}
    return rows, traces


def figure(rows, traces, v_ca_mV=-30.0):
    """Somatic (top) and dendritic (bottom) voltage per condition, the calcium criterion dashed.

    Parameters
    ----------
    rows, traces
        :func:`simulate`'s result.
    v_ca_mV : float
        The calcium criterion ``dend.v_ca`` (mV).

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> fig = figure(*simulate(load_model()))                        # doctest: +SKIP
    """
    from spikemod import plotting
    conds = list(traces)
    fig, axes = plotting.figure(2, len(conds), width=3.0 * len(conds), height=4.6, sharex=True,
                                sharey="row")
    info = {r["condition"]: r for r in rows}
    for col, cond in enumerate(conds):
        tr = traces[cond]
        keep = tr["t_ms"] >= 80
        plotting.traces(axes[0, col], tr["t_ms"][keep], {"soma": tr["v"][keep]},
                        ylabel="v soma (mV)" if col == 0 else "",
                        title=f"{cond}: {info[cond]['somatic_spikes']} spike(s)")
        plotting.traces(axes[1, col], tr["t_ms"][keep], {"dend": tr["v_d"][keep]},
                        ylabel="v dendrite (mV)" if col == 0 else "", hline=v_ca_mV,
                        title=f"plateau {info[cond]['plateau_ms']:.1f} ms")
    fig.suptitle("BAC firing: calcium plateau needs the BAP and dendritic input together")
    return fig
