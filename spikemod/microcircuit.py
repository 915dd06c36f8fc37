"""Experiments on the L5 microcircuit: the network claims of [RG25] (MODEL.md s3).

Each function builds its circuit(s) with :func:`spikemod.network.build_microcircuit`, runs one
simulation on the requested device and returns plain arrays and row dicts whose keys are the
protocols' CSV columns. Conditions that must be compared run side by side as independent
copies of the circuit in the same simulation (``copies``), so one build serves them all and
they share the drive statistics.

* :func:`gain_pulse` - a brief coupling pulse in a plastic circuit [claim 6].
"""

from __future__ import annotations

import numpy as np
from brian2 import (Hz, PoissonGroup, SpikeMonitor, StateMonitor, Synapses, nS, pA,
                    second)

from spikemod.analysis.fi import fi_gain, rates_in_window, rheobase
from spikemod.cells import grid_values
from spikemod.device import simulation
from spikemod.experiments.common import (CircuitRun, coupling_label, population_monitors,
                                         population_sizes, scaled_recurrence)
from spikemod.io.monitors import spike_arrays
from spikemod.network import build_microcircuit, ring_kernel

__all__ = ["gain_pulse",
           "weight_change_summary", "scaled_recurrence", 
           
           "GAIN_PULSE_COLUMNS", "CircuitRun"]

GAIN_PULSE_COLUMNS = ["time_s", "coupling", "mean_weight", "dw_dt"]


# ---------------------------------------------------------------------------------------------
def _mean_weight_trace(mc, wmon, copies):
    """Mean E->E weight (nS) per copy over the recorded times."""
    w = np.asarray(wmon.w[:] / nS)                      # (synapses, samples)
    copy_of = np.asarray(mc.pyr.copy[:])[np.asarray(mc.synapses["EE"].i[:])]
    return np.array([w[copy_of == c].mean(axis=0) for c in range(copies)])


def _plastic_circuit(model, copies, drive_Hz, dend_drive_Hz, record_dt):
    """Plastic W25 circuit with fixed coupling (the protocols set ``g_c``; the thalamus still
    drives the dendrites) and constant feed-forward/dendritic drive, spike monitors and a
    monitor of every E->E weight; returns ``(mc, spike_monitors, weight_monitor, network)``."""
    mc = build_microcircuit(model, copies=copies, stdp=True, coupling="fixed")
    for key, src in mc.drive.items():
        src.rates = (dend_drive_Hz if key == "fb_pyr" else drive_Hz) * Hz
    mons = population_monitors(mc)
    wmon = StateMonitor(mc.synapses["EE"], "w", record=np.arange(mc.synapse_count("EE")),
                        dt=record_dt, name="w_mon")
    return mc, mons, wmon, mc.network(*mons.values(), wmon)


def weight_change_summary(t_s, w):
    """Speed of a weight trajectory: ``dw_per_s`` (least-squares slope, nS/s) and ``t90_s``
    (first time the change from ``w[0]`` reaches 90 % of the total change; NaN if none)."""
    t_s, w = np.asarray(t_s, float), np.asarray(w, float)
    slope = float(np.polyfit(t_s, w, 1)[0])
    total = w[-1] - w[0]
    if total == 0:
        return slope, float("nan")
    reached = np.flatnonzero(np.abs(w - w[0]) >= 0.9 * abs(total))
    return slope, float(t_s[reached[0]] - t_s[0])


def gain_pulse(model, baseline=0.0, pulse=1.0, t_on=2 * second, width=1 * second,
               after=3 * second, drive_Hz=1000.0, dend_drive_Hz=1000.0,
               record_dt=0.05 * second, device="runtime", seed=None, build_dir=None,
               report=None) -> CircuitRun:
    """A brief pulse of dendro-somatic coupling in a plastic circuit [RG25 claim 6].

    Coupling ``g_c`` is ``baseline`` until ``t_on``, ``pulse`` for ``width`` (a neuromodulatory
    gain pulse, e.g. alpha2A closing HCN), then ``baseline`` for ``after``; feed-forward and
    dendritic drive are constant. Mean E->E weight sampled every ``record_dt``; ``dw_dt`` is
    its central-difference derivative (nS/s). ``info`` holds the mean |dw/dt| in three windows
    of the pulse's length: just before it, during it, and at the end of the run.
    """
    with simulation(device, seed=seed, dt=model["sim.dt"], build_dir=build_dir) as sim:
        mc, mons, wmon, net = _plastic_circuit(model, 1, drive_Hz, dend_drive_Hz, record_dt)
        mc.pyr.g_c = baseline
        net.run(t_on, report=report)
        mc.pyr.g_c = pulse
        net.run(width, report=report)
        mc.pyr.g_c = baseline
        net.run(after, report=report)
        sim.finish()
        spikes = {pop: spike_arrays(m) for pop, m in mons.items()}
        t = np.asarray(wmon.t / second)
        mean_w = _mean_weight_trace(mc, wmon, 1)[0]
    on, off = float(t_on / second), float((t_on + width) / second)
    g = np.where((t >= on) & (t < off), pulse, baseline)
    dw = np.gradient(mean_w, t)
    rows = [{"time_s": float(a), "coupling": float(b), "mean_weight": float(c),
             "dw_dt": float(d)} for a, b, c, d in zip(t, g, mean_w, dw)]
    T = off + float(after / second)
    w_s = off - on
    # equal-length windows: just before the pulse (after the start-up transient), the pulse,
    # and the end of the run (has plasticity returned to its baseline speed?)
    phases = {"before": (max(0.0, on - w_s), on), "pulse": (on, off),
              "after": (max(off, T - w_s), T)}
    info = {"baseline": baseline, "pulse": pulse, "t_on_s": on, "t_off_s": off}
    for name, (a, b) in phases.items():
        sel = (t >= a) & (t < b)
        info[f"mean_abs_dw_dt_{name}"] = float(np.abs(dw[sel]).mean()) if sel.any() else None
    return CircuitRun(rows, spikes, T, info, population_sizes(mc))
