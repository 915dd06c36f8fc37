"""Metaplasticity: the classic LTD -> LTP frequency-response experiment [DB92] under bath
modulators, on the calcium-control rule with PKA-lowered thresholds [SBC02] of
:mod:`spikemod.metaplasticity` (the mechanism: equations, ``omega``, ``theta_scale``, the
synapse and PKA-link builders).

Every (modulator, concentration, frequency) is one synaptic L5 pyramidal cell [W25] with its
second-messenger pool at the steady state of its bath; the crossover frequency (where the weight
change turns from depression to potentiation) per bath is the measure, and the seed claim of
MODEL.md ("neuromodulators shift the BCM threshold theta_M"; Gs -> cAMP -> PKA lowers it) is
that a Gs-acting modulator lowers the crossover. This module owns the protocol's columns,
``DEFAULTS``, :func:`simulate`, :func:`summarize`, :func:`claim`, :func:`claims_from_results`
and :func:`figure`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Network, SpikeGeneratorGroup, SpikeMonitor, second, umolar

from spikemod.experiments.common import read_table
from spikemod.metaplasticity import CELL_EQS, link_pka_to_theta, make_calcium_synapses

NAME = "metaplasticity"

#: frequencies of the classic experiment (DB92: 0.5-50 Hz; here 1-100 Hz)
DEFAULT_FREQUENCIES_HZ = (1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 100)
#: the Gs-acting bath modulators and the receptor through which each raises cAMP / PKA
GS_MODULATORS = {"NE": "beta1", "DA": "D1"}
COLUMNS = ["modulator", "concentration_nM", "frequency_Hz", "dw_percent"]
SUMMARY_COLUMNS = ["modulator", "concentration_nM", "crossover_Hz"]
DETAIL_COLUMNS = COLUMNS + ["PKA", "cAMP_uM", "theta_M_uM", "post_rate_Hz"]
#: the protocol's defaults (DB92 used 900 pulses; 100 keep the run short)
DEFAULTS = {"modulators": ("NE", "DA"), "concentrations_nM": (0.0, 100.0, 1000.0, 10000.0),
            "frequencies_Hz": DEFAULT_FREQUENCIES_HZ, "pulses": 100, "settle_s": 1.0}


@dataclass
class FrequencyResponse:
    """Weight change per condition of one frequency-response experiment (one simulation)."""

    rows: list                 # per condition: modulator, concentration_nM, frequency_Hz, dw_percent, ...
    n_pulses: int
    duration_s: float
    spike_ids: np.ndarray      # postsynaptic spikes (cell = condition index)
    spike_times_s: np.ndarray
    train_ids: np.ndarray      # presynaptic pulses (source = condition index)
    train_times_s: np.ndarray


def simulate(model, modulators, concentrations_nM, frequencies_Hz, n_pulses: int = 900,
                       settle=None, device: str = "runtime", seed=None, build_dir=None,
                       report=None) -> FrequencyResponse:
    """The classic frequency-dependence experiment [DB92] under bath modulators, one build.

    Every (modulator, concentration, frequency) is its own synaptic L5 pyramidal cell [W25] with
    its second-messenger pool at the steady state of its bath (spikemod.neuromod.attach, all
    switched-on effects) and its own presynaptic source: ``n_pulses`` regular pulses at the
    frequency onto the calcium-rule synapse (:func:`make_calcium_synapses`). All trains end
    at the same time, ``settle`` (default 1 s) before the end of the run, so every synapse is
    read after the same calcium decay; before its train a synapse sits at its resting weight
    (a fixed point: no calcium, ``w = omega_0/lambda_w``).

    Parameters
    ----------
    model : spikemod.params.Model
    modulators : sequence of str
        Modulator keys of :data:`spikemod.gpcr.MODULATORS` (e.g. ``['NE', 'DA']``).
    concentrations_nM : sequence of float
        Bath concentrations (nM), the same for every modulator.
    frequencies_Hz : sequence of float
        Train frequencies (Hz), each > 0.
    n_pulses : int
        Pulses per train (DB92: 900).
    settle : Quantity, optional
        Time after the last pulse before the weights are read (default 1 s).
    device, seed, build_dir, report
        As :func:`spikemod.device.simulation` and ``Network.run``.

    Returns
    -------
    FrequencyResponse
        ``rows``: ``modulator, concentration_nM, frequency_Hz, dw_percent, PKA, cAMP_uM,
        theta_M_uM, post_rate_Hz`` per condition (post_rate_Hz: somatic spikes during the
        train; the soma gets no current from the dendrite in this cell model, so the pathway
        onto the dendrite leaves it silent unless neuromodulation makes it fire).

    Raises
    ------
    ValueError
        For an unknown modulator, a frequency <= 0 or above 1/(2 sim.dt), or fewer than one
        pulse.

    Example
    -------
    >>> r = simulate(load_model(), ["DA"], [0, 3000], [5, 50], n_pulses=20)  # doctest: +SKIP
    """
    from spikemod.cells import grid_values, make_pyramidal
    from spikemod.device import simulation
    from spikemod.gpcr import MODULATORS
    from spikemod.neuromod import attach

    mods = list(modulators)
    for m in mods:
        if m not in MODULATORS:
            raise ValueError(f"modulator {m!r} is not allowed (allowed: {', '.join(MODULATORS)})")
    freqs = np.asarray(frequencies_Hz, dtype=float)
    if freqs.size == 0 or np.any(freqs <= 0):
        raise ValueError(f"frequencies {frequencies_Hz!r}: every frequency must be > 0 Hz")
    if int(n_pulses) < 1:
        raise ValueError(f"n_pulses {n_pulses!r}: at least one pulse")
    n_pulses = int(n_pulses)
    dt_s = float(model["sim.dt"] / second)
    if np.any(freqs > 0.5 / dt_s):
        raise ValueError(f"frequencies {frequencies_Hz!r}: above {0.5 / dt_s:g} Hz pulses are "
                         "less than two time steps apart")
    conc = np.asarray(concentrations_nM, dtype=float)
    mod_idx, c_nM, f_Hz = grid_values(np.arange(len(mods)), conc, freqs)
    mod_idx = mod_idx.astype(int)
    n = mod_idx.size
    settle_s = 1.0 if settle is None else float(settle / second)
    # regular trains that all end at t_end: pulse k of cell i at t_end - (n_pulses - 1 - k)/f_i
    lengths = (n_pulses - 1) / freqs
    t_end = 0.1 + float(lengths.max())            # 100 ms of rest before the longest train
    pulse = np.arange(n_pulses)
    times = (t_end - (n_pulses - 1 - pulse)[None, :] / f_Hz[:, None]).ravel()
    ids = np.repeat(np.arange(n), n_pulses)
    # on the time grid, strictly increasing per source (a pulse per step at most)
    times = np.round(times / dt_s) * dt_s
    duration = t_end + settle_s
    bath = {m: np.where(mod_idx == j, c_nM / 1e3, 0.0) for j, m in enumerate(mods)}

    with simulation(device, seed=seed, dt=model["sim.dt"], build_dir=build_dir) as sim:
        cells = make_pyramidal(n, model, synaptic=True, name="pyr", extra_eqs=CELL_EQS)
        cells.theta_M_scale = 1
        nm = attach(cells, model, "pyr")
        steady = nm.set_steady_state(model, bath)
        link = link_pka_to_theta(nm, cells, model)
        trains = SpikeGeneratorGroup(n, ids, times * second, name="trains")
        rule = make_calcium_synapses(trains, cells, model)
        w0 = float(model["metaplasticity.omega_0"] / model["metaplasticity.lambda_w"])
        spikes = SpikeMonitor(cells)
        net = Network(cells, trains, rule, link, spikes, *nm.objects)
        net.run(duration * second, report=report)
        sim.finish()
        w = np.array(rule.w[:])
        # (subexpressions of synapses cannot be read back in standalone mode)
        theta_M = float(model["metaplasticity.theta_p"] / umolar) * np.array(cells.theta_M_scale[:])
        sid = np.asarray(spikes.i[:], dtype=np.int64)
        st = np.asarray(spikes.t[:] / second)
    t_first = t_end - (n_pulses - 1) / f_Hz
    rows = []
    for i in range(n):
        in_train = (sid == i) & (st >= t_first[i]) & (st <= t_end + 0.05)
        train_s = max(t_end - t_first[i], 1.0 / f_Hz[i])
        rows.append({"modulator": mods[mod_idx[i]], "concentration_nM": float(c_nM[i]),
                     "frequency_Hz": float(f_Hz[i]), "dw_percent": 100 * (w[i] - w0) / w0,
                     "PKA": float(np.broadcast_to(steady["PKA"], (n,))[i]),
                     "cAMP_uM": float(np.broadcast_to(steady["cAMP"], (n,))[i]),
                     "theta_M_uM": float(theta_M[i]),
                     "post_rate_Hz": float(np.count_nonzero(in_train) / train_s)})
    return FrequencyResponse(rows=rows, n_pulses=n_pulses, duration_s=duration,
                             spike_ids=sid, spike_times_s=st, train_ids=ids,
                             train_times_s=times)


def crossover_frequency(frequencies_Hz, dw_percent) -> tuple[float, str]:
    """The LTD -> LTP crossover: the first frequency (ascending) at which the weight change
    turns from negative to non-negative, interpolated linearly in log10(frequency).

    Parameters
    ----------
    frequencies_Hz : sequence of float
        Train frequencies (> 0, any order).
    dw_percent : sequence of float
        Weight change at each frequency.

    Returns
    -------
    (float, str)
        Crossover in Hz (NaN if there is none) and a note ('' when found; otherwise why:
        'no LTD', 'no LTP', 'LTP below LTD').

    Example
    -------
    >>> crossover_frequency([1, 10, 100], [-20, -10, 30])[0]
    17.78279410038923
    """
    f = np.asarray(frequencies_Hz, dtype=float)
    d = np.asarray(dw_percent, dtype=float)
    order = np.argsort(f)
    f, d = f[order], d[order]
    for j in range(len(f) - 1):
        if d[j] < 0 <= d[j + 1]:
            x0, x1 = np.log10(f[j]), np.log10(f[j + 1])
            x = x0 + (0 - d[j]) * (x1 - x0) / (d[j + 1] - d[j])
            return float(10 ** x), ""
    if not np.any(d < 0):
        return float("nan"), "no LTD at any frequency"
    if not np.any(d >= 0):
        return float("nan"), "no LTP at any frequency"
    return float("nan"), "LTP only below the LTD frequencies"


def summarize(rows) -> tuple[list, list]:
    """The crossover per (modulator, concentration).

    Parameters
    ----------
    rows : list of dict
        ``modulator, concentration_nM, frequency_Hz, dw_percent`` per condition.

    Returns
    -------
    (list of dict, list of str)
        Summary rows ``modulator, concentration_nM, crossover_Hz`` (first-seen order) and one
        note per NaN crossover saying why.

    Example
    -------
    >>> summarize([{"modulator": "NE", "concentration_nM": 0.0, "frequency_Hz": f,
    ...             "dw_percent": d} for f, d in ((1, -5.0), (10, 5.0))])[0][0]["crossover_Hz"]
    3.1622776601683795
    """
    out, notes = [], []
    keys = []
    for r in rows:
        key = (r["modulator"], r["concentration_nM"])
        if key not in keys:
            keys.append(key)
    for mod, c in keys:
        sel = [r for r in rows if r["modulator"] == mod and r["concentration_nM"] == c]
        x, note = crossover_frequency([r["frequency_Hz"] for r in sel],
                                      [r["dw_percent"] for r in sel])
        out.append({"modulator": mod, "concentration_nM": c, "crossover_Hz": x})
        if note:
            notes.append(f"{mod} {c:g} nM: crossover NaN ({note})")
    return out, notes


def claim(summary_rows) -> dict:
    """The seed claim for the claims table: a Gs-acting modulator lowers the LTD -> LTP
    crossover (PKA lowers theta_M). Reproduced when, for every modulator, the crossover at the
    highest bath concentration is below that at the lowest.

    Parameters
    ----------
    summary_rows : list of dict
        Rows of ``metaplasticity_summary.csv`` (values as numbers or strings).

    Returns
    -------
    dict
        ``claim``, ``protocol``, ``measure``, ``value`` (mean crossover at the highest
        concentration), ``reference`` (mean at the lowest), ``reproduced`` ('yes'/'no') and
        ``numbers`` ``{modulator: {concentration_nM: crossover_Hz}}``.

    Example
    -------
    >>> claim([{"modulator": "DA", "concentration_nM": 0, "crossover_Hz": 12},
    ...                       {"modulator": "DA", "concentration_nM": 3000, "crossover_Hz": 8}])["reproduced"]
    'yes'
    """
    numbers: dict = {}
    for r in summary_rows:
        numbers.setdefault(str(r["modulator"]), {})[float(r["concentration_nM"])] = \
            float(r["crossover_Hz"])
    hi, lo, ok = [], [], bool(numbers)
    for mod, by_c in numbers.items():
        cs = sorted(by_c)
        a, b = by_c[cs[-1]], by_c[cs[0]]
        hi.append(a)
        lo.append(b)
        ok = ok and len(cs) > 1 and np.isfinite(a) and np.isfinite(b) and a < b
    return {"claim": "Gs/PKA lowers theta_M: LTD->LTP crossover falls with modulator",
            "protocol": "metaplasticity",
            "measure": "crossover_Hz at the highest vs lowest bath concentration (mean over "
                       + ", ".join(numbers) + ")",
            "value": float(np.mean(hi)) if hi else float("nan"),
            "reference": float(np.mean(lo)) if lo else float("nan"),
            "reproduced": "yes" if ok else "no", "numbers": numbers}


def figure(rows, summary):
    """Frequency-response curves (dw against frequency, one curve per concentration, one
    panel per modulator), the crossover against concentration and against the cell's PKA.

    Parameters
    ----------
    rows : list of dict
        :attr:`FrequencyResponse.rows` (with ``PKA``).
    summary : list of dict
        Rows of :func:`summarize`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from spikemod.plotting import figure
    import matplotlib.pyplot as plt

    mods = list(dict.fromkeys(r["modulator"] for r in rows))
    fig, axes = figure(1, len(mods) + 2, width=3.2 * (len(mods) + 2))
    for a, mod in zip(axes[0], mods):
        concs = sorted({r["concentration_nM"] for r in rows if r["modulator"] == mod})
        colors = plt.get_cmap("viridis")(np.linspace(0.05, 0.9, max(len(concs), 1)))
        for color, c in zip(colors, concs):
            sel = sorted((r for r in rows if r["modulator"] == mod and r["concentration_nM"] == c),
                         key=lambda r: r["frequency_Hz"])
            a.semilogx([r["frequency_Hz"] for r in sel], [r["dw_percent"] for r in sel], "o-",
                       ms=3, color=color, label=f"{c:g} nM")
        a.axhline(0, color="0.5", lw=0.8)
        a.set_xlabel("train frequency (Hz)")
        a.set_ylabel("weight change (%)")
        a.set_title(f"{mod}: frequency response")
        a.legend(title="bath", fontsize=6.5)
    by_pka = {}
    for r in rows:
        by_pka.setdefault((r["modulator"], r["concentration_nM"]), r["PKA"])
    ax, bx = axes[0, -2], axes[0, -1]
    for mod in mods:
        sel = sorted((s for s in summary if s["modulator"] == mod),
                     key=lambda s: s["concentration_nM"])
        c = np.array([s["concentration_nM"] for s in sel], dtype=float)
        x = [s["crossover_Hz"] for s in sel]
        ax.semilogx(np.where(c > 0, c, np.nan), x, "o-", label=mod)
        base = [s["crossover_Hz"] for s in sel if s["concentration_nM"] == 0]
        if base:
            ax.axhline(base[0], ls=":", lw=0.8, color="0.4")
        bx.plot([by_pka[(mod, s["concentration_nM"])] for s in sel], x, "o", label=mod)
    ax.set_xlabel("bath concentration (nM; dotted: 0 nM)")
    ax.set_ylabel("LTD->LTP crossover (Hz)")
    ax.set_title("crossover")
    ax.legend()
    bx.set_xlabel("PKA of the cell's pool")
    bx.set_ylabel("LTD->LTP crossover (Hz)")
    bx.set_title("crossover against PKA")
    ax.legend()
    return fig


def claims_from_results(directory) -> list[dict]:
    """:func:`claim` on a finished run's ``metaplasticity_summary.csv`` (for
    analysis/claims.py), ``reproduced`` as a bool; FileNotFoundError when missing."""
    c = claim(read_table(directory, "metaplasticity_summary.csv"))
    return [dict(c, reproduced=c["reproduced"] == "yes")]
