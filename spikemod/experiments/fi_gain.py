"""f-I gain of the L5 pyramidal cell under dendritic current and coupling [W25, NS18; RG25
claims 1-2].

Two-compartment L5 pyramidal cells receive constant somatic current ``I_soma`` and constant
apical-dendritic current ``I_dend`` at dendro-somatic coupling probability ``g_c``. Each grid
point is a separate, unconnected neuron of ONE network simulated in one run, so a whole f-I
family costs one build (and, in standalone mode, one compilation); :func:`simulate_many`
re-runs that one build for parameter variants and seeds (compile once, run many). After a
burn-in, spikes are counted over the measured window. For each (``I_dend``, ``g_c``) the
rheobase is the smallest ``I_soma`` with a rate above zero and the gain the least-squares slope
of rate against ``I_soma`` over the firing points (:mod:`spikemod.analysis.fi`). RG25 claims:
dendritic drive (1) and coupling (2) raise the gain.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import Network, SpikeMonitor, pA, second

from spikemod.analysis.fi import burst_spike_fraction, fi_gain, rates_in_window, rheobase
from spikemod.cells import grid_values, make_pyramidal
from spikemod.device import simulation
from spikemod.experiments.common import claims_reader
from spikemod.io.monitors import spike_arrays
from spikemod.standalone import run_many

__all__ = ["NAME", "COLUMNS", "SUMMARY_COLUMNS", "DEFAULTS", "FIResult", "grid_cells",
           "fi_result", "simulate", "simulate_many", "summarize", "claim",
           "claims_from_results", "figure"]

NAME = "fi-gain"
COLUMNS = ["I_soma_pA", "I_dend_pA", "coupling", "rate_Hz", "burst_mode_fraction",
           "burst_spike_fraction", "window_start_s", "window_stop_s"]
SUMMARY_COLUMNS = ["I_dend_pA", "coupling", "rheobase_pA", "gain_Hz_per_pA"]

#: the protocol's grid: I_soma 500-1500 pA in 50 pA steps, W25's plateau threshold 540 pA
#: among the dendritic currents, four coupling probabilities; 0.2 s burn-in, 2 s measured
DEFAULTS = {
    "I_soma_pA": np.arange(500.0, 1501.0, 50.0),
    "I_dend_pA": (0.0, 200.0, 400.0, 540.0, 800.0),
    "coupling": (0.0, 0.25, 0.5, 1.0),
    "burn_in_s": 0.2,
    "duration_s": 2.0,
}


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
        """Rows of :data:`COLUMNS`, one per neuron."""
        for j in range(self.rate_Hz.size):
            yield {"I_soma_pA": self.I_soma_pA[j], "I_dend_pA": self.I_dend_pA[j],
                   "coupling": self.coupling[j], "rate_Hz": self.rate_Hz[j],
                   "burst_mode_fraction": self.burst_mode_fraction[j],
                   "burst_spike_fraction": self.burst_spike_fraction[j],
                   "window_start_s": self.window[0], "window_stop_s": self.window[1]}

    def summary(self):
        """:func:`summarize` of this result."""
        return summarize(self)


def _window(burn_in, duration):
    """``(burn_in, duration)`` as Brian2 times, :data:`DEFAULTS` where None."""
    return (DEFAULTS["burn_in_s"] * second if burn_in is None else burn_in,
            DEFAULTS["duration_s"] * second if duration is None else duration)


def _grid(I_soma_pA, I_dend_pA, coupling):
    """The grid axes (:data:`DEFAULTS` where None), flattened to one value per neuron."""
    return grid_values(*(DEFAULTS[k] if v is None else v for k, v in
                         (("I_soma_pA", I_soma_pA), ("I_dend_pA", I_dend_pA),
                          ("coupling", coupling))))


def grid_cells(model, Is, Id, gc, t_measure):
    """One pyramidal cell per grid point and its spike monitor.

    Parameters
    ----------
    model : spikemod.params.Model
    Is, Id : numpy.ndarray
        Somatic and dendritic current of each cell (pA).
    gc : numpy.ndarray or None
        Coupling probability of each cell; None keeps the model's (``coupling.g_c``).
    t_measure : Quantity
        Start of the ``burst_steps`` count (the end of the burn-in).

    Returns
    -------
    (NeuronGroup, SpikeMonitor)

    Example
    -------
    >>> G, spikes = grid_cells(model, Is, Id, gc, 0.2 * second)     # doctest: +SKIP
    """
    G = make_pyramidal(Is.size, model)
    G.I_soma = Is * pA
    G.I_dend = Id * pA
    if gc is not None:
        G.g_c = gc
    G.t_measure = t_measure
    return G, SpikeMonitor(G, record=True)


def fi_result(Is, Id, gc, ids, times, steps, burn_in, duration, time_step, timers=None):
    """:class:`FIResult` of one f-I grid run from its spikes and ``burst_steps``.

    Parameters
    ----------
    Is, Id, gc : numpy.ndarray
        Somatic current (pA), dendritic current (pA) and coupling of each cell.
    ids, times : numpy.ndarray
        Spikes (cell index, time in s).
    steps : numpy.ndarray
        ``burst_steps`` of each cell (time steps with the calcium switch on since the burn-in).
    burn_in, duration, time_step : Quantity

    Returns
    -------
    FIResult
        Rates over the window (its edges shifted by half a step, so that a spike on a window
        edge counts once), burst-mode and burst-spike fractions.

    Example
    -------
    >>> res = fi_result(Is, Id, gc, ids, times, steps, 0.2 * second, 2 * second, dt)  # doctest: +SKIP
    """
    t0, t1 = float(burn_in / second), float((burn_in + duration) / second)
    half = 0.5 * float(time_step / second)
    n_steps = int(round(float(duration / time_step)))
    return FIResult(
        I_soma_pA=Is, I_dend_pA=Id, coupling=gc,
        rate_Hz=rates_in_window(ids, times, Is.size, t0 - half, t1 - half),
        burst_mode_fraction=steps / n_steps,
        burst_spike_fraction=burst_spike_fraction(ids, times, Is.size, t0 - half, t1 - half),
        window=(t0, t1), spike_ids=ids, spike_times_s=times, timers=timers or {})


def simulate(model, I_soma_pA=None, I_dend_pA=None, coupling=None, burn_in=None,
             duration=None, device="runtime", seed=None, build_dir=None,
             report=None) -> FIResult:
    """f-I curves over the grid somatic current x dendritic current x coupling probability.

    Parameters
    ----------
    model : spikemod.params.Model
    I_soma_pA, I_dend_pA : array of float, optional
        Injected somatic and dendritic currents (pA); default :data:`DEFAULTS`.
    coupling : array of float, optional
        Coupling probabilities ``g_c`` in [0, 1]; default :data:`DEFAULTS`.
    burn_in, duration : Quantity, optional
        Transient discarded, then the measured window (default 0.2 s and 2 s).
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.

    Returns
    -------
    FIResult
        ``rate_Hz`` over the window; ``burst_mode_fraction``: share of the window's time steps
        with the calcium switch on; ``burst_spike_fraction``: share of spikes with a neighbour
        spike within the burst ISI (:data:`spikemod.analysis.bursts.MAX_ISI_S`).

    Raises
    ------
    spikemod.errors.DeviceError
        For an unknown device.

    Example
    -------
    >>> res = simulate(load_model(), [800, 1200], [0, 540], [1.0])   # doctest: +SKIP
    >>> res.summary()[0]["gain_Hz_per_pA"]                            # doctest: +SKIP
    """
    Is, Id, gc = _grid(I_soma_pA, I_dend_pA, coupling)
    burn_in, duration = _window(burn_in, duration)
    time_step = model["sim.dt"]
    with simulation(device, seed=seed, dt=time_step, build_dir=build_dir) as sim:
        G, spikes = grid_cells(model, Is, Id, gc, burn_in - 0.5 * time_step)
        net = Network(G, spikes)
        net.run(burn_in + duration, report=report)
        sim.finish()
        ids, times = spike_arrays(spikes)
        steps = np.array(G.burst_steps[:])
        timers = sim.timers
    return fi_result(Is, Id, gc, ids, times, steps, burn_in, duration, time_step, timers)


def simulate_many(model, I_soma_pA=None, I_dend_pA=None, coupling=None, variants=({},),
                  seeds=None, burn_in=None, duration=None, device="cpp_standalone",
                  seed=None, build_dir=None, processes=1) -> list:
    """:func:`simulate` for several parameter variants and seeds, compiled once.

    The grid network is built and (in standalone mode) compiled once and re-run per variant
    and seed with new values (:func:`spikemod.standalone.run_many`).

    Parameters
    ----------
    model : spikemod.params.Model
    I_soma_pA, I_dend_pA, coupling : array of float, optional
        The grid, as in :func:`simulate`.
    variants : list of dict
        Model overrides of per-neuron parameters of the pyramidal cell
        (``{"soma.a": "0.03/ms", "coupling.g_c": 0.5}``); an override of ``coupling.g_c``
        replaces the grid's coupling axis.
    seeds : list of int, optional
        Each variant runs once per seed (default once with ``seed``).
    burn_in, duration : Quantity, optional
    device, seed, build_dir
        See :func:`spikemod.device.simulation`.
    processes : int
        Standalone runs executed at the same time.

    Returns
    -------
    list of FIResult
        One per run, variants outer, seeds inner.

    Raises
    ------
    spikemod.params.ModelError
        For an override that is not a valid model value.

    Example
    -------
    >>> runs = simulate_many(model, [800, 1200], [0], [1.0],               # doctest: +SKIP
    ...                      variants=[{}, {"soma.a": "0.03/ms"}], seeds=[1, 2])
    """
    Is, Id, gc = _grid(I_soma_pA, I_dend_pA, coupling)
    burn_in, duration = _window(burn_in, duration)
    time_step = model["sim.dt"]
    points = []
    for overrides in variants:
        varied = model.copy()
        for key, value in overrides.items():
            varied.set(key, value)
        points.append({key: varied[key] for key in overrides})

    def build():
        G, spikes = grid_cells(model, Is, Id, gc, burn_in - 0.5 * time_step)

        def collect():
            return (*spike_arrays(spikes), np.array(G.burst_steps[:]))
        return Network(G, spikes), collect

    run_points = [{f"pyr.{key.split('.', 1)[1]}": value for key, value in point.items()}
                  for point in points]
    raw = run_many(build, run_points, burn_in + duration, device=device, seeds=seeds,
                   dt=time_step, build_dir=build_dir, processes=processes, seed=seed)
    out = []
    runs_per_point = len(seeds) if seeds is not None else 1
    for j, (ids, times, steps) in enumerate(raw):
        point = points[j // runs_per_point]
        g = np.full(Is.size, float(point["coupling.g_c"])) if "coupling.g_c" in point else gc
        out.append(fi_result(Is, Id, g, ids, times, steps, burn_in, duration, time_step))
    return out


def summarize(result: FIResult) -> list[dict]:
    """Rheobase and gain per (``I_dend``, coupling).

    Parameters
    ----------
    result : FIResult

    Returns
    -------
    list of dict
        Rows of :data:`SUMMARY_COLUMNS` (``fi_gain_summary.csv``).

    Example
    -------
    >>> summarize(simulate(load_model()))[0]["rheobase_pA"]     # doctest: +SKIP
    650.0
    """
    out = []
    for idend in np.unique(result.I_dend_pA):
        for gc in np.unique(result.coupling):
            sel = (result.I_dend_pA == idend) & (result.coupling == gc)
            order = np.argsort(result.I_soma_pA[sel])
            I, r = result.I_soma_pA[sel][order], result.rate_Hz[sel][order]
            out.append({"I_dend_pA": idend, "coupling": gc, "rheobase_pA": rheobase(I, r),
                        "gain_Hz_per_pA": fi_gain(I, r)})
    return out


def claim(summary) -> list[dict]:
    """RG25 claims 1-2 on an f-I grid: at the largest coupling, the largest dendritic current
    gives a higher gain than the smallest (1); at the largest dendritic current, the largest
    coupling gives a higher gain than the smallest (2).

    Parameters
    ----------
    summary : list of dict
        :func:`summarize`'s rows (or ``fi_gain_summary.csv`` read as numbers).

    Returns
    -------
    list of dict
        ``claim, measure, value, reference, reproduced`` per claim.

    Example
    -------
    >>> [c["reproduced"] for c in claim(summarize(result))]        # doctest: +SKIP
    [True, True]
    """
    g = {(float(r["I_dend_pA"]), float(r["coupling"])): float(r["gain_Hz_per_pA"])
         for r in summary}
    gc_max, gc_min = max(k[1] for k in g), min(k[1] for k in g)
    id_max, id_min = max(k[0] for k in g), min(k[0] for k in g)
    return [{"claim": "1 dendritic drive raises gain",
             "measure": "gain_Hz_per_pA at max vs min I_dend, max g_c",
             "value": g[(id_max, gc_max)], "reference": g[(id_min, gc_max)],
             "reproduced": bool(g[(id_max, gc_max)] > g[(id_min, gc_max)])},
            {"claim": "2 coupling raises gain",
             "measure": "gain_Hz_per_pA at max vs min g_c, max I_dend",
             "value": g[(id_max, gc_max)], "reference": g[(id_max, gc_min)],
             "reproduced": bool(g[(id_max, gc_max)] > g[(id_max, gc_min)])}]


claims_from_results = claims_reader(claim, "fi_gain_summary.csv")


def figure(result: FIResult, summary):
    """f-I families (top) and burst-mode fraction (bottom) per coupling; right: gain and
    rheobase against the dendritic current.

    Parameters
    ----------
    result : FIResult
    summary : list of dict
        :func:`summarize`'s rows.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> fig = figure(result, summarize(result))                     # doctest: +SKIP
    """
    from spikemod import plotting
    couplings = np.unique(result.coupling)
    dends = np.unique(result.I_dend_pA)
    ncol = len(couplings) + 1
    fig, axes = plotting.figure(2, ncol, width=2.6 * ncol, height=4.8)
    for col, gc in enumerate(couplings):
        rates, modes = {}, {}
        for idend in dends:
            sel = (result.coupling == gc) & (result.I_dend_pA == idend)
            order = np.argsort(result.I_soma_pA[sel])
            rates[f"{idend:g} pA"] = result.rate_Hz[sel][order]
            modes[f"{idend:g} pA"] = result.burst_mode_fraction[sel][order]
            x = result.I_soma_pA[sel][order]
        plotting.family(axes[0, col], x, rates, ylabel="rate (Hz)" if col == 0 else "",
                        title=f"coupling g_c = {gc:g}", legend_title="I_dend", cmap="plasma",
                        legend=(col == 0))
        plotting.family(axes[1, col], x, modes, xlabel="I_soma (pA)",
                        ylabel="burst-mode fraction" if col == 0 else "", cmap="plasma",
                        legend=False)
        axes[0, col].set_ylim(0, 1.05 * np.nanmax(result.rate_Hz) + 1e-9)
        axes[1, col].set_ylim(-0.05, 1.05)
    gain = {f"g_c = {gc:g}": [s["gain_Hz_per_pA"] for s in summary
                              if s["coupling"] == gc and s["I_dend_pA"] in dends]
            for gc in couplings}
    plotting.family(axes[0, -1], dends, gain, xlabel="I_dend (pA)", ylabel="gain (Hz/pA)",
                    title="gain over firing points", cmap="viridis")
    rheo = {f"g_c = {gc:g}": [s["rheobase_pA"] for s in summary if s["coupling"] == gc]
            for gc in couplings}
    plotting.family(axes[1, -1], dends, rheo, xlabel="I_dend (pA)", ylabel="rheobase (pA)",
                    title="rheobase", cmap="viridis", legend=False)
    fig.suptitle("L5 pyramidal f-I gain rises with dendritic drive and coupling")
    return fig
