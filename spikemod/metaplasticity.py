"""Metaplasticity: a calcium-control plasticity rule whose modification threshold PKA lowers.

The seed chapter of MODEL.md: "neuromodulators shift the BCM threshold theta_M"; Gs -> cAMP ->
PKA phosphorylation lowers theta_M, so LTP is easier in aroused states. The rule is the
calcium-control hypothesis of Shouval, Bear & Cooper (2002) [SBC02, PNAS 99:10831], in which the
BCM modification threshold is a calcium level: NMDA-receptor calcium between ``theta_d`` and
``theta_p`` depresses a synapse, calcium above ``theta_p`` (theta_M) potentiates it. Low-frequency
trains keep calcium in the depression window, high-frequency trains sum it above theta_M: the
frequency-response curve of Dudek & Bear (1992) [DB92, PNAS 89:4363] with an LTD -> LTP
crossover.

Per plastic synapse (``Synapses`` equations, :data:`CALCIUM_RULE_EQS`, constants of the model
file's ``[metaplasticity]`` section)::

    dCa/dt = g_Ca (I_f s_f + I_s s_s) B_mg_d (E_Ca - v_d) - Ca/tau_Ca
    ds_f/dt = -s_f/tau_f,  ds_s/dt = -s_s/tau_s           (each += 1 per presynaptic spike)
    Omega  = omega_0 + sig(beta_p (Ca - s theta_p)) - omega_0 sig(beta_d (Ca - s theta_d))
    eta    = 1 / (P1/(P2 + (Ca/uM)^P3) + P4)
    dw/dt  = eta (Omega - lambda_w w)

``v_d`` and the magnesium gate ``B_mg_d`` are those of the postsynaptic cell's apical dendrite
(spikemod.cells, W25 gate), so a back-propagating spike or a dendritic calcium event unblocks
the NMDA receptors. The threshold scale ``s`` (``theta_M_scale`` of the cell) is written from
the cell's own second-messenger pool (spikemod.gpcr, one per cell) every ``gpcr.dt``::

    s = exp(-theta_PKA (PKA - PKA_ref))       (pka_theta on; s = 1 when off)

with ``PKA_ref`` the basal PKA (no modulator), so s = 1 without modulator. Gs (beta1, D1) raises
cAMP and PKA and lowers both thresholds; Gi (alpha2A, D2) does the opposite. The pool also
drives the cell effects of spikemod.neuromod (coupling, leak, threshold, NMDA decay ...), so a
modulator changes the postsynaptic response too; the switch ``metaplasticity.pka_theta``
removes only the PKA -> theta_M link.

Choices (documented, free): the stimulated pathway is one presynaptic source per cell whose
spikes add ``w_ampa``/``w_nmda`` to the dendritic AMPA/NMDA conductances; the plastic weight
``w`` is read out and does not feed back on the pathway during induction (the frequency-response
curve measures the induced change, as an LTP/LTD experiment does with its test pulses after
the train). The activity-dependent slide of SBC02's threshold (through NMDA conductance, Yeung
et al. 2004 PNAS 101:14943) acts on a time scale of hours and is not modelled: within one
experiment the threshold moves only with PKA.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Network, SpikeGeneratorGroup, SpikeMonitor, Synapses, second, umolar

__all__ = ["CALCIUM_RULE_EQS", "CALCIUM_RULE_ON_PRE", "THETA_LINK_EQS", "theta_scale",
           "omega", "make_calcium_synapses", "link_pka_to_theta", "FrequencyResponse",
           "frequency_response", "crossover_frequency", "summarize", "metaplasticity_claim",
           "metaplasticity_figure", "DEFAULT_FREQUENCIES_HZ"]

#: frequencies of the classic experiment (DB92: 0.5-50 Hz; here 1-100 Hz)
DEFAULT_FREQUENCIES_HZ = (1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 100)

#: the calcium-control rule [SBC02] with the PKA-scaled thresholds, as Synapses equations
CALCIUM_RULE_EQS = """
dCa/dt = J_Ca - Ca/tau_Ca : mole/meter**3 (clock-driven)          # NMDA calcium above rest
J_Ca = g_Ca*(I_f*s_f + I_s*s_s)*B_mg_d_post*(E_Ca - v_d_post) : mole/meter**3/second
ds_f/dt = -s_f/tau_f : 1 (clock-driven)                            # fast NMDA gating
ds_s/dt = -s_s/tau_s : 1 (clock-driven)                            # slow NMDA gating
theta_M = theta_p*theta_M_scale_post : mole/meter**3               # LTP threshold (BCM theta_M)
theta_D = theta_d*theta_M_scale_post : mole/meter**3               # LTD threshold
Omega = omega_0 + 1/(1 + exp(-beta_p*(Ca - theta_M)))
        - omega_0/(1 + exp(-beta_d*(Ca - theta_D))) : 1
eta = 1/(eta_P1/(eta_P2 + (Ca/umolar)**eta_P3) + eta_P4) : 1/second
dw/dt = eta*(Omega - lambda_w*w) : 1 (clock-driven)                # plastic weight
w_ampa : siemens (shared, constant)
w_nmda : siemens (shared, constant)
g_Ca : mole/meter**3/second/volt (shared, constant)
I_f : 1 (shared, constant)
I_s : 1 (shared, constant)
tau_f : second (shared, constant)
tau_s : second (shared, constant)
tau_Ca : second (shared, constant)
E_Ca : volt (shared, constant)
theta_d : mole/meter**3 (shared, constant)
theta_p : mole/meter**3 (shared, constant)
beta_d : meter**3/mole (shared, constant)
beta_p : meter**3/mole (shared, constant)
omega_0 : 1 (shared, constant)
lambda_w : 1 (shared, constant)
eta_P1 : second (shared, constant)
eta_P2 : 1 (shared, constant)
eta_P3 : 1 (shared, constant)
eta_P4 : second (shared, constant)
"""

#: a presynaptic pulse: dendritic AMPA and NMDA conductance, NMDA calcium gates
CALCIUM_RULE_ON_PRE = """
g_ampa_d_post += w_ampa
g_nmda_d_post += w_nmda
s_f += 1
s_s += 1
"""

#: the PKA -> theta_M link, from a cell's second-messenger pool into the cell (summed variable)
THETA_LINK_EQS = """
theta_M_scale_post = exp(-on_pka_theta*theta_PKA*(PKA_pre - PKA_basal)) : 1 (summed)
on_pka_theta : 1 (shared, constant)
theta_PKA : 1 (shared, constant)
PKA_basal : 1 (shared, constant)
"""

#: equations a postsynaptic group needs (add with ``make_pyramidal(..., extra_eqs=...)``)
CELL_EQS = "theta_M_scale : 1   # PKA scale of the plasticity thresholds (1 = basal)\n"

_RULE_KEYS = ("w_ampa", "w_nmda", "g_Ca", "I_f", "I_s", "tau_f", "tau_s", "tau_Ca", "E_Ca",
              "theta_d", "theta_p", "beta_d", "beta_p", "omega_0", "lambda_w", "eta_P1",
              "eta_P2", "eta_P3", "eta_P4")


def theta_scale(model, pka):
    """Threshold scale ``s = exp(-theta_PKA (PKA - PKA_ref))`` (1 when ``pka_theta`` is off).

    Parameters
    ----------
    model : spikemod.params.Model
    pka : float or array
        PKA activity (0-1) of the cell's pool.

    Returns
    -------
    numpy.ndarray
        The factor on ``theta_d`` and ``theta_p``.

    Example
    -------
    >>> from spikemod.params import load_model
    >>> from spikemod.gpcr import basal_reference
    >>> m = load_model()
    >>> float(theta_scale(m, basal_reference(m)["PKA"]))
    1.0
    """
    from spikemod.gpcr import basal_reference, receptor_densities
    ref = float(basal_reference(model, receptor_densities(model, "pyr"))["PKA"])
    on = float(bool(model["metaplasticity.pka_theta"]))
    k = float(model["metaplasticity.theta_PKA"])
    return np.exp(-on * k * (np.asarray(pka, dtype=float) - ref))


def omega(model, ca_uM, scale=1.0):
    """SBC02's Omega(Ca) (the fixed point of w at calcium ``ca_uM``, uM) with thresholds
    scaled by ``scale``; NumPy, for analysis and tests.

    Parameters
    ----------
    model : spikemod.params.Model
    ca_uM : float or array
        Calcium above rest, uM.
    scale : float or array
        Threshold scale (:func:`theta_scale`).

    Returns
    -------
    numpy.ndarray
        Omega, between 0 and 1.

    Example
    -------
    >>> from spikemod.params import load_model
    >>> round(float(omega(load_model(), 0.0)), 3)
    0.25
    """
    p = model.section("metaplasticity")
    ca = np.asarray(ca_uM, dtype=float)
    uM = lambda q: float(q / umolar)                       # noqa: E731
    per_uM = lambda q: float(q * umolar)                   # noqa: E731
    o0 = float(p["omega_0"])
    return (o0 + 1 / (1 + np.exp(-per_uM(p["beta_p"]) * (ca - scale * uM(p["theta_p"]))))
            - o0 / (1 + np.exp(-per_uM(p["beta_d"]) * (ca - scale * uM(p["theta_d"])))))


def make_calcium_synapses(source, cells, model, name: str = "calcium_rule",
                          connect: str | None = "i") -> Synapses:
    """Plastic synapses with the calcium-control rule [SBC02] from ``source`` onto the apical
    dendrite of ``cells``.

    Parameters
    ----------
    source : brian2 group
        Presynaptic spikes.
    cells : brian2.NeuronGroup
        Synaptic L5 pyramidal cells (``make_pyramidal(..., synaptic=True,
        extra_eqs=CELL_EQS)``): they need ``v_d``, ``B_mg_d``, ``g_ampa_d``, ``g_nmda_d`` and
        ``theta_M_scale``.
    model : spikemod.params.Model
        Constants from ``[metaplasticity]``; integration method ``sim.method``.
    name : str
        Brian2 name.
    connect : str or None
        ``j`` expression of ``Synapses.connect`` (default ``'i'``: one-to-one); None leaves the
        synapses unconnected.

    Returns
    -------
    brian2.Synapses
        With ``Ca``, ``w`` (started at the resting weight ``omega_0/lambda_w``), ``Omega``,
        ``theta_M``.

    Raises
    ------
    KeyError
        If ``cells`` lacks a variable the rule reads (e.g. a non-synaptic group).

    Example
    -------
    >>> syn = make_calcium_synapses(trains, cells, model)        # doctest: +SKIP
    """
    for var in ("v_d", "B_mg_d", "g_ampa_d", "g_nmda_d", "theta_M_scale"):
        if var not in cells.variables:
            raise KeyError(f"{cells.name} has no {var!r}: use make_pyramidal(..., "
                           "synaptic=True, extra_eqs=spikemod.metaplasticity.CELL_EQS)")
    syn = Synapses(source, cells, CALCIUM_RULE_EQS, on_pre=CALCIUM_RULE_ON_PRE,
                   method=model["sim.method"], name=name)
    if connect is not None:
        syn.connect(j=connect)
    p = model.section("metaplasticity")
    for k in _RULE_KEYS:
        setattr(syn, k, p[k])
    if connect is not None:
        syn.w = float(p["omega_0"]) / float(p["lambda_w"])
    return syn


def link_pka_to_theta(nm, cells, model, name: str | None = None) -> Synapses:
    """Write ``theta_M_scale`` of each cell from the PKA of its own pool (``nm``: the
    :class:`spikemod.neuromod.Neuromodulation` of ``cells``) every ``gpcr.dt``.

    With ``metaplasticity.pka_theta`` off the scale stays 1 (the link exists, PKA does not
    reach it).

    Parameters
    ----------
    nm : spikemod.neuromod.Neuromodulation
        The pools of ``cells`` (:func:`spikemod.neuromod.attach`).
    cells : brian2.NeuronGroup
        Cells with ``theta_M_scale`` (:data:`CELL_EQS`).
    model : spikemod.params.Model
    name : str, optional
        Brian2 name.

    Returns
    -------
    brian2.Synapses
        One-to-one, on the ``gpcr.dt`` clock.

    Example
    -------
    >>> nm = attach(cells, model, "pyr"); link = link_pka_to_theta(nm, cells, model)  # doctest: +SKIP
    """
    from spikemod.gpcr import basal_reference
    link = Synapses(nm.gpcr, cells, THETA_LINK_EQS, dt=model["gpcr.dt"],
                    name=name or f"{cells.name}_theta_link")
    link.connect(j="i")
    link.on_pka_theta = float(bool(model["metaplasticity.pka_theta"]))
    link.theta_PKA = model["metaplasticity.theta_PKA"]
    link.PKA_basal = float(basal_reference(model, nm.densities)["PKA"])
    return link


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


def frequency_response(model, modulators, concentrations_nM, frequencies_Hz, n_pulses: int = 900,
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
    >>> r = frequency_response(load_model(), ["DA"], [0, 3000], [5, 50], n_pulses=20)  # doctest: +SKIP
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


def metaplasticity_claim(summary_rows) -> dict:
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
    >>> metaplasticity_claim([{"modulator": "DA", "concentration_nM": 0, "crossover_Hz": 12},
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


def metaplasticity_figure(rows, summary):
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
