"""Acetylcholine bath on the W25 ring microcircuit: band power of the population rate and gain
[MODEL.md s4-5; S21].

The ring (:func:`spikemod.network.build_microcircuit`, E->E at ``ee_scale`` of W25's amplitude)
runs once per ACh bath concentration, as independent copies in one simulation. Every cortical
cell's second-messenger pool starts at the steady state of its bath (:mod:`spikemod.gpcr`,
through :func:`spikemod.experiments.modulated_detection.bath_setup`): M1 (Gq) -> Ca ->
depolarisation and SK adaptation, M2 (Gi) -> cAMP down -> HCN closed -> coupling up (pyramidal
cells), nicotinic receptors depolarise PV/SOM cells; receptor scaling [S21 (a)] suppresses
recurrent E->E by M2 occupancy and boosts the feed-forward drive by nicotinic occupancy
(Hasselmo & Bower 1992; Gil et al. 1997; :func:`spikemod.neuromod.ach_receptor_scaling`). W25's
matrix thalamus carries no receptor pools (MODEL.md s4 gives the cortical cells' receptors
only).

After ``burn_in_s`` the pyramidal population rate (1 ms bins,
:func:`spikemod.analysis.spiketrains.binned_population_rate`) over ``duration_s`` gives Welch
band powers (1 s segments, :func:`spikemod.analysis.spiketrains.band_powers`: delta 1-4, theta
4-8, alpha 8-13, beta 13-30, gamma 30-80 Hz). Then the feed-forward drive is multiplied by
``drive_step`` for ``gain_step_s``; the gain is the rate change per kHz of drive (second halves
of the two windows). Seed claim: ACh lowers low-frequency power and raises gamma; the run
records the ratios to the no-ACh bath (:func:`summarize`), it does not decide the claim (on the
published circuit low-frequency power rises, README).
"""

from __future__ import annotations

import numpy as np
from brian2 import Hz, SpikeMonitor, second

from spikemod.analysis.fi import rates_in_window
from spikemod.analysis.spiketrains import band_powers, binned_population_rate
from spikemod.device import simulation
from spikemod.experiments.common import CircuitRun, scaled_recurrence
from spikemod.experiments.modulated_detection import bath_setup
from spikemod.io.monitors import spike_arrays
from spikemod.network import build_microcircuit
from spikemod.neuromod import ach_receptor_scaling

__all__ = ["NAME", "COLUMNS", "GAIN_COLUMNS", "LOW_BANDS", "DEFAULTS", "simulate", "summarize",
           "figure"]

NAME = "ach-state"
COLUMNS = ["ACh_uM", "band", "power"]                           # ach_state.csv
GAIN_COLUMNS = ["ACh_uM", "gain_Hz_per_kHz", "mean_rate_Hz"]    # ach_gain.csv
#: the bands whose summed power is the "low-frequency power" of the claim check
LOW_BANDS = ("delta", "theta", "alpha")

#: the design of the README's numbers
DEFAULTS = {
    "ach_uM": (0.0, 1.0, 10.0, 100.0),    # bath ACh; 0 is the reference
    "drive_Hz": 1000.0,                   # feed-forward Poisson rate onto the pyramidal somata
    "drive_step": 1.3,                    # drive factor of the gain step
    "burn_in_s": 0.5,                     # discarded transient
    "duration_s": 4.0,                    # window of the band powers
    "gain_step_s": 1.0,                   # duration of the gain step
    "ee_scale": 1.0,                      # E->E amplitude x this (1: published circuit)
}


def simulate(model, ach_uM=DEFAULTS["ach_uM"], *, drive_Hz=DEFAULTS["drive_Hz"],
             drive_step=DEFAULTS["drive_step"], burn_in_s=DEFAULTS["burn_in_s"],
             duration_s=DEFAULTS["duration_s"], gain_step_s=DEFAULTS["gain_step_s"],
             ee_scale=DEFAULTS["ee_scale"], device="runtime", seed=None, build_dir=None,
             report=None) -> CircuitRun:
    """Run the ring in ACh baths, one circuit copy per concentration, in one build.

    Parameters
    ----------
    model : spikemod.params.Model
        The W25 circuit with its receptors and effects.
    ach_uM : sequence of float
        Bath ACh concentrations, uM (default :data:`DEFAULTS`).
    drive_Hz, drive_step, burn_in_s, duration_s, gain_step_s, ee_scale
        The design (defaults: :data:`DEFAULTS`).
    device, seed, build_dir, report
        See :func:`spikemod.device.simulation`.

    Returns
    -------
    CircuitRun
        ``rows`` ``{ACh_uM, band, power}`` (:data:`COLUMNS`); ``info`` with
        ``gain_Hz_per_kHz`` and ``mean_rate_Hz`` per concentration, the copies and each copy's
        feed-forward factor ``ff_scale``; the pyramidal spikes of every copy.

    Example
    -------
    >>> run = simulate(load_model(), (0.0, 10.0), duration_s=1.5)     # doctest: +SKIP
    >>> gains, check = summarize(run)                                  # doctest: +SKIP
    """
    conc = np.asarray(ach_uM, float)
    copies = conc.size
    m = scaled_recurrence(model, ee_scale)
    t_gain = burn_in_s + duration_s
    ff = np.array([ach_receptor_scaling(m, float(a))["ff"] for a in conc])
    with simulation(device, seed=seed, dt=m["sim.dt"], build_dir=build_dir) as sim:
        mc = build_microcircuit(m, copies=copies, rng_seed=seed)
        n = mc.sizes["pyr"]
        objs = bath_setup(m, [("ACh", 1e3 * float(a)) for a in conc],
                          ff_rates={"ff_pyr": np.full(n * copies, float(drive_Hz))})(mc, None)
        spikes = SpikeMonitor(mc.pyr, name="pyr_spikes")
        net = mc.network(*objs, spikes)
        net.run(t_gain * second, report=report)
        mc.drive["ff_pyr"].rates = drive_Hz * drive_step * np.repeat(ff, n) * Hz
        for key, src in mc.drive.items():
            if key.startswith("ff_") and key != "ff_pyr":
                src.rates = drive_Hz * drive_step * Hz
        net.run(gain_step_s * second, report=report)
        sim.finish()
        ids, times = spike_arrays(spikes)
    t0, t1 = float(burn_in_s), float(t_gain)
    g1 = t1 + float(gain_step_s)
    half = 0.5 * float(gain_step_s)
    rows, gain, rates = [], {}, {}
    for ci, a in enumerate(conc):
        members = ci * n + np.arange(n)
        pr = binned_population_rate(ids, times, members, t0, t1)
        for band, pw in band_powers(pr, 1e3).items():
            rows.append({"ACh_uM": float(a), "band": band, "power": pw})
        r_base = rates_in_window(ids, times, n * copies, t1 - half, t1)[members].mean()
        r_step = rates_in_window(ids, times, n * copies, g1 - half, g1)[members].mean()
        gain[float(a)] = float((r_step - r_base) / (drive_Hz * (drive_step - 1) / 1e3))
        rates[float(a)] = float(pr.mean())
    return CircuitRun(rows, {"pyr": (ids, times)}, g1,
                      {"gain_Hz_per_kHz": gain, "mean_rate_Hz": rates, "copies": copies,
                       "ff_scale": ff.tolist()})


def summarize(run):
    """Gain table and the claim check (powers relative to the no-ACh bath).

    Parameters
    ----------
    run : CircuitRun
        :func:`simulate`'s result (with a 0 uM bath).

    Returns
    -------
    (gain_rows, check)
        ``gain_rows`` with :data:`GAIN_COLUMNS` per concentration; ``check`` ``{str(ACh_uM):
        {low_freq_ratio, gamma_ratio}}`` for every bath above 0: summed power of
        :data:`LOW_BANDS` and gamma power relative to 0 uM.

    Raises
    ------
    KeyError
        Without a 0 uM bath.

    Example
    -------
    >>> gains, check = summarize(simulate(load_model(), (0.0, 10.0)))   # doctest: +SKIP
    """
    info = run.info
    gains = [{"ACh_uM": a, "gain_Hz_per_kHz": g, "mean_rate_Hz": info["mean_rate_Hz"][a]}
             for a, g in info["gain_Hz_per_kHz"].items()]
    power = {(r["ACh_uM"], r["band"]): r["power"] for r in run.rows}

    def low(a):
        return sum(power[(a, b)] for b in LOW_BANDS)

    check = {str(a): {"low_freq_ratio": low(a) / low(0.0),
                      "gamma_ratio": power[(a, "gamma")] / power[(0.0, "gamma")]}
             for a in info["gain_Hz_per_kHz"] if a > 0}
    return gains, check


def figure(rows, gains):
    """Band power of the pyramidal population rate per ACh concentration, and gain and rate.

    Parameters
    ----------
    rows : list of dict
        :func:`simulate`'s rows (:data:`COLUMNS`).
    gains : list of dict
        The gain rows of :func:`summarize`.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> fig = figure(run.rows, summarize(run)[0])      # doctest: +SKIP
    """
    from spikemod import plotting
    import matplotlib.pyplot as plt
    fig, axes = plotting.figure(1, 2, width=7.0)
    bands = list(dict.fromkeys(r["band"] for r in rows))
    conc = sorted({r["ACh_uM"] for r in rows})
    colors = plt.get_cmap("viridis")(np.linspace(0.05, 0.85, len(conc)))
    width = 0.8 / len(conc)
    for k, (a, color) in enumerate(zip(conc, colors)):
        p = [next(r["power"] for r in rows if r["ACh_uM"] == a and r["band"] == b) for b in bands]
        axes[0, 0].bar(np.arange(len(bands)) + (k - (len(conc) - 1) / 2) * width, p, width,
                       color=color, label=f"{a:g} uM")
    axes[0, 0].set_yscale("log")
    axes[0, 0].set_xticks(np.arange(len(bands)), bands)
    axes[0, 0].set_ylabel("power (Hz$^2$)")
    axes[0, 0].set_title("population-rate band power")
    axes[0, 0].legend(title="ACh", title_fontsize=7)
    x = [g["ACh_uM"] for g in gains]
    axes[0, 1].plot(np.arange(len(x)), [g["gain_Hz_per_kHz"] for g in gains], "o-",
                    color=plotting.COLORS["pyr"], label="gain (Hz/kHz)")
    axes[0, 1].plot(np.arange(len(x)), [g["mean_rate_Hz"] for g in gains], "s--",
                    color=plotting.COLORS["control"], label="mean rate (Hz)")
    axes[0, 1].set_xticks(np.arange(len(x)), [f"{v:g}" for v in x])
    axes[0, 1].set_xlabel("ACh (uM)")
    axes[0, 1].set_title("gain and rate")
    axes[0, 1].legend()
    return fig
