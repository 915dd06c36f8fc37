"""The exact mean field of adapting Izhikevich populations [CC22] against the spiking network it
reduces [MODEL.md s6].

N Izhikevich neurons per population with spike-triggered adaptation, all-to-all excitatory
conductance coupling through one synaptic gating variable and Lorentzian-distributed drive eta_i
(deterministic quantiles, :func:`spikemod.rates.meanfield.lorentzian_quantiles`; centre eta_bar,
half-width Delta) [CC22 Table 1, model section ``meanfield``] are simulated in Brian2
(:func:`run_network`: forward Euler, dt ``meanfield.dt``, spike cut-off at a dimensionless
v_peak with the Montbrio et al. (2015) refractory scheme: reset to -v_peak, held for 2/v_peak,
the spike counted after 1/v_peak). The same parameters drive the exact mean field of Chen &
Campbell (2022) (:class:`spikemod.rates.meanfield.MeanField`, SciPy RK45). The external current
steps through ``currents_pA`` (default 1000 pA: tonic firing, then 0 pA: the adaptation-driven
bursting of the population), each held for ``segment_s``; the population rate is binned at
``bin_ms``. The steady-state error of a segment is the relative difference of the time-averaged
rates over its second half (a bursting segment is averaged over its oscillation);
``rel_error_steady`` is the largest. The speed-up is the network's simulation time (the compiled
binary's run in standalone mode, compilation excluded) over the mean field's integration time.
With two populations an inhibitory one is added
(:func:`spikemod.rates.meanfield.two_population_params`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from spikemod.rates.meanfield import (MeanField, bin_rate, current_steps, dimensionless_constants,
                                      lorentzian_quantiles, population_params,
                                      two_population_params)

__all__ = ["NAME", "COLUMNS", "DEFAULTS", "NetworkResult", "run_network",
           "oscillation_period_ms", "MeanFieldRun", "simulate", "summarize", "figure"]

NAME = "meanfield"
COLUMNS = ["t_ms", "r_network_Hz", "r_meanfield_Hz"]      # meanfield_vs_network.csv

#: the design of the README's numbers; the network size defaults to the model's meanfield.n
DEFAULTS = {
    "currents_pA": (1000.0, 0.0),         # external current per segment: tonic, then bursting
    "segment_s": 2.0,                     # duration of each segment
    "populations": 1,                     # 1 (E) or 2 (E and I)
    "bin_ms": 0.5,                        # rate bin
}


class NetworkResult:
    """Spiking network output: population rates binned at ``bin_ms`` (Hz), spikes, timings."""

    def __init__(self, t_ms, r_Hz, spikes, wall_s, timers):
        self.t_ms, self.r_Hz, self.spikes, self.wall_s, self.timers = t_ms, r_Hz, spikes, wall_s, timers


def run_network(params: dict, n: int, duration_ms: float, steps=None, bin_ms: float = 0.5,
                dt_ms: float = 0.005, device: str = "runtime", seed: int | None = None,
                build_dir=None, record_spikes: bool = False, report=None) -> NetworkResult:
    """Brian2 network of ``n`` Izhikevich neurons per population, matching
    :class:`spikemod.rates.meanfield.MeanField`.

    Parameters
    ----------
    params : dict
        :func:`spikemod.rates.meanfield.population_params` (or ``two_population_params``).
    n : int
        Neurons per population.
    duration_ms : float
        Simulated time, ms.
    steps : list, optional
        External current ``[(t_start_ms, I_pA or [I_pA per population]), ...]`` as in
        :meth:`MeanField.run` (a TimedArray on a 0.1 ms grid).
    bin_ms, dt_ms : float
        Rate bin and integration step, ms.
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`; ``seed`` also permutes the drive quantiles.
    record_spikes : bool
        Also return each population's spikes.

    Returns
    -------
    NetworkResult
        Population rates binned at ``bin_ms`` (initial state V = vr, W = 0, s = 0), spikes
        (``[(ids, times_s)]`` per population when recorded), wall time and device timers.

    Example
    -------
    >>> net = run_network(population_params(), 500, 400, steps=[(0, 1000.0)], seed=1)  # doctest: +SKIP
    """
    from brian2 import (Network, NeuronGroup, PopulationRateMonitor, SpikeMonitor, Synapses,
                        TimedArray, linked_var, mV, ms, nS, pA, pF)
    from spikemod.device import simulation
    from spikemod.io.monitors import spike_arrays

    pops = params["pops"]
    P = len(pops)
    segs = current_steps(steps, P)
    step_ms = 0.1
    t_grid = np.arange(0.0, duration_ms + step_ms, step_ms)
    I_tab = np.zeros((t_grid.size, P))
    for t0, I in segs:
        I_tab[t_grid >= t0 - 1e-9] = I
    rng = np.random.default_rng(seed)
    v_peak = params["v_peak"]
    start = time.perf_counter()
    with simulation(device, seed=seed, dt=dt_ms * ms, build_dir=build_dir) as sim:
        gating = NeuronGroup(P, """ds/dt = -s/tau_s : 1
                                   tau_s : second (constant)""", method="exact", name="gating")
        gating.tau_s = np.asarray(params["tau_s"]) * ms
        groups, objects, rate_mons, spike_mons = [], [gating], [], []
        syn_terms = " + ".join(f"G{q}*s{q}*(E{q} - v)" for q in range(P))
        for p_i, pop in enumerate(pops):
            sc = dimensionless_constants(pop)
            flight_ms = 1.0 / (v_peak * sc["omega"])        # dimensionless 1/v_peak in ms
            I_ext = TimedArray(I_tab[:, p_i] * pA, dt=step_ms * ms, name=f"I_ext_{p_i}")
            eqs = f"""
            dv/dt = (k*(v - vr)*(v - vt) - w + eta + I_ext_{p_i}(t) + I_syn)/C : volt (unless refractory)
            dw/dt = (beta*(v - vr) - w)/tau_w : amp
            I_syn = {syn_terms} : amp
            eta : amp (constant)
            """
            eqs += "".join(f"s{q} : 1 (linked)\nG{q} : siemens (shared, constant)\n"
                           f"E{q} : volt (shared, constant)\n" for q in range(P))
            ns = {"k": pop["k"] * nS / mV, "vr": pop["vr"] * mV, "vt": pop["vt"] * mV,
                  "C": pop["C"] * pF, "beta": pop["beta"] * nS, "tau_w": pop["tau_w"] * ms,
                  "w_jump": pop["w_jump"] * pA, f"I_ext_{p_i}": I_ext,
                  "V_peak": sc["vr_abs"] * (v_peak - 1) * mV,
                  "V_reset": sc["vr_abs"] * (-v_peak - 1) * mV}
            G = NeuronGroup(n, eqs, threshold="v >= V_peak", reset="v = V_reset\nw += w_jump",
                            refractory=2 * flight_ms * ms, method="euler", namespace=ns,
                            name=f"pop{p_i}")
            G.eta = rng.permutation(lorentzian_quantiles(n, pop["eta_bar"], pop["Delta"])
                                    * sc["i_unit"]) * pA
            G.v = pop["vr"] * mV
            for q in range(P):
                setattr(G, f"s{q}", linked_var(gating, "s", index=np.full(n, q, dtype=int)))
                setattr(G, f"G{q}", params["G"][p_i][q] * nS)
                setattr(G, f"E{q}", params["E_syn"][q] * mV)
            S = Synapses(G, gating, on_pre=f"s_post += {params['s_jump'][p_i] / n!r}",
                         delay=flight_ms * ms, name=f"count{p_i}")
            S.connect(j=f"{p_i} + 0*i")
            mon = PopulationRateMonitor(G, name=f"rate{p_i}")
            groups.append(G)
            objects += [G, S, mon]
            rate_mons.append(mon)
            if record_spikes:
                sm = SpikeMonitor(G, name=f"spikes{p_i}")
                objects.append(sm)
                spike_mons.append(sm)
        net = Network(*objects)
        net.run(duration_ms * ms, report=report)
        sim.finish()
        r = np.array([np.array(m.rate[:], copy=True) for m in rate_mons])      # Hz per dt
        spikes = [spike_arrays(m) for m in spike_mons]
        timers = dict(sim.timers)
    wall = time.perf_counter() - start
    t_b, r_b = bin_rate(r, dt_ms, bin_ms)
    return NetworkResult(t_b, r_b, spikes, wall, timers)


def oscillation_period_ms(t_ms, r):
    """Dominant period of a rate trace from its autocorrelation.

    Parameters
    ----------
    t_ms : numpy.ndarray
        Equally spaced times, ms.
    r : numpy.ndarray
        The rate at those times.

    Returns
    -------
    float or None
        The period (ms: the lag of the autocorrelation's largest peak after its first zero);
        None for a trace that does not oscillate (s.d. below 10 % of the mean, or an
        autocorrelation that never turns negative).

    Example
    -------
    >>> t = np.arange(0.0, 1000.0, 1.0)
    >>> oscillation_period_ms(t, 10 + 5 * np.sin(2 * np.pi * t / 100))
    100.0
    """
    x = r - r.mean()
    if x.std() < 0.1 * max(abs(r.mean()), 1e-9):
        return None
    ac = np.correlate(x, x, mode="full")[x.size - 1:]
    ac /= ac[0]
    neg = np.nonzero(ac < 0)[0]
    if neg.size == 0:
        return None
    k = neg[0] + int(np.argmax(ac[neg[0]:]))
    return float(k * (t_ms[1] - t_ms[0]))


@dataclass
class MeanFieldRun:
    """Network and mean-field rates on the network's bins (population x bins, Hz), the design
    and the timings of one :func:`simulate` call."""

    t_ms: np.ndarray
    r_network: np.ndarray
    r_meanfield: np.ndarray
    names: list
    steps: list            # [(t_start_ms, I_pA), ...]
    segment_ms: float
    n: int
    spikes: list           # [(ids, times_s)] per population
    network_sim_s: float
    network_wall_s: float
    meanfield_wall_s: float


def simulate(model, *, n=None, currents_pA=DEFAULTS["currents_pA"],
             segment_s=DEFAULTS["segment_s"], populations=DEFAULTS["populations"],
             bin_ms=DEFAULTS["bin_ms"], device="runtime", seed=None, build_dir=None,
             report=None) -> MeanFieldRun:
    """Integrate the mean field and simulate the network through the same current steps.

    Parameters
    ----------
    model : spikemod.params.Model
        The ``meanfield`` section (CC22 Table 1; ``meanfield.dt`` is the network's step).
    n : int, optional
        Neurons per population (default ``meanfield.n``).
    currents_pA, segment_s, populations, bin_ms
        The design (defaults: :data:`DEFAULTS`).
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.

    Returns
    -------
    MeanFieldRun

    Raises
    ------
    ValueError
        For ``populations`` other than 1 or 2.

    Example
    -------
    >>> run = simulate(load_model(), n=300, currents_pA=[1000], segment_s=0.2)   # doctest: +SKIP
    >>> rows, summary = summarize(run)                                          # doctest: +SKIP
    """
    if populations not in (1, 2):
        raise ValueError(f"populations {populations!r} is not allowed (allowed: 1, 2)")
    params = population_params(model) if populations == 1 else two_population_params(model)
    n = int(float(model["meanfield.n"])) if n is None else int(n)
    segment_ms = 1000.0 * segment_s
    steps = [(k * segment_ms, I) for k, I in enumerate(currents_pA)]
    duration = segment_ms * len(steps)
    out = MeanField(params).run(duration, steps=steps, dt_out_ms=bin_ms)
    dt_ms = float(model["meanfield.dt"]) * 1000.0
    net = run_network(params, n, duration, steps=steps, bin_ms=bin_ms, dt_ms=dt_ms,
                      record_spikes=True, device=device, seed=seed, build_dir=build_dir,
                      report=report)
    r_mf = np.array([np.interp(net.t_ms, out["t_ms"], r) for r in out["r_Hz"]])
    return MeanFieldRun(net.t_ms, net.r_Hz, r_mf, params["names"], steps, segment_ms, n,
                        net.spikes, net.timers.get("run_binary") or net.wall_s, net.wall_s,
                        out["wall_s"])


def summarize(run: MeanFieldRun):
    """Per segment and population: regime, time-averaged rates over the segment's second half,
    relative error and oscillation periods; the summary of the run.

    Parameters
    ----------
    run : MeanFieldRun
        :func:`simulate`'s result.

    Returns
    -------
    (rows, summary)
        ``rows`` with :data:`COLUMNS` (the first population; meanfield_vs_network.csv);
        ``summary`` (meanfield_summary.json): ``N``, ``rel_error_steady`` (largest segment
        error), ``speedup``, ``populations``, timings and ``segments``.

    Example
    -------
    >>> rows, summary = summarize(simulate(load_model(), n=300))     # doctest: +SKIP
    """
    t, seg_ms = run.t_ms, run.segment_ms
    segments, errors = [], []
    for k, (t0, I) in enumerate(run.steps):
        sel = (t >= t0 + seg_ms / 2) & (t < t0 + seg_ms)
        for p, name in enumerate(run.names):
            a, b = float(run.r_network[p, sel].mean()), float(run.r_meanfield[p, sel].mean())
            err = abs(a - b) / b
            errors.append(err)
            per_mf = oscillation_period_ms(t[sel], run.r_meanfield[p, sel])
            segments.append({"segment": k, "population": name, "I_ext_pA": float(np.ravel(I)[0]),
                             "regime": "tonic" if per_mf is None else "bursting",
                             "rate_network_Hz": a, "rate_meanfield_Hz": b, "rel_error": err,
                             "period_network_ms": oscillation_period_ms(t[sel],
                                                                        run.r_network[p, sel]),
                             "period_meanfield_ms": per_mf})
    summary = {"N": run.n, "rel_error_steady": max(errors),
               "speedup": run.network_sim_s / run.meanfield_wall_s, "populations": run.names,
               "network_sim_s": run.network_sim_s, "network_wall_s": run.network_wall_s,
               "meanfield_wall_s": run.meanfield_wall_s, "segments": segments}
    rows = [{"t_ms": ti, "r_network_Hz": a, "r_meanfield_Hz": b}
            for ti, a, b in zip(t, run.r_network[0], run.r_meanfield[0])]
    return rows, summary


def figure(run: MeanFieldRun, segments):
    """Population rate of the spiking network against the exact mean field [CC22], per
    population, with each segment's steady-state window shaded and its relative error on it.

    Parameters
    ----------
    run : MeanFieldRun
        :func:`simulate`'s result.
    segments : list of dict
        ``summary["segments"]`` of :func:`summarize`.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> fig = figure(run, summarize(run)[1]["segments"])      # doctest: +SKIP
    """
    from spikemod import plotting
    names, segment_ms = run.names, run.segment_ms
    P = len(names)
    fig, axes = plotting.figure(P, 1, width=7.5, height=2.4 * P)
    for p, name in enumerate(names):
        ax = axes[p, 0]
        ax.plot(run.t_ms, run.r_network[p], color="0.55", lw=0.6, label="network")
        ax.plot(run.t_ms, run.r_meanfield[p], color=plotting.COLORS["dend"], lw=1.2,
                label="mean field")
        for seg in (s for s in segments if s["population"] == name):
            t0 = seg["segment"] * segment_ms
            ax.axvspan(t0 + segment_ms / 2, t0 + segment_ms, color="0.92", zorder=0)
            ax.text(t0 + 0.52 * segment_ms, 0.95, f"{seg['I_ext_pA']:g} pA, {seg['regime']}\n"
                    f"<r> {seg['rate_network_Hz']:.1f} vs {seg['rate_meanfield_Hz']:.1f} Hz, "
                    f"error {100 * seg['rel_error']:.1f} %", transform=ax.get_xaxis_transform(),
                    va="top", fontsize=7)
        ax.set_ylabel(f"rate {name} (Hz)")
        ax.set_xlabel("time (ms)")
        ax.legend(loc="upper left")
    axes[0, 0].set_title("exact mean field vs spiking network (CC22)")
    return fig
