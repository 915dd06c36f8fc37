"""A NumPy transcription of W25's own simulator loop, the reference for spikemod's W25 circuit.

Transcribed line by line from github cjwhyte/LVPA, ``LVBR/ThalamoCorticalParams.m`` and
``LVTD/ThalamoCorticalNetSimulatorTD.m`` (threshold-detection drive), independently of
spikemod's model file: every number below is W25's. Units as in W25: mV, ms, pF, nS, pA.
Vectorised over a leading trial axis ``B`` so several independent trials run at once.

The only additions: ``gc_fixed`` holds the coupling constant (no thalamic update, no decay; the
single-cell reference at g_c = 1), and ``n_e``/``connect`` allow a lone pyramidal cell.
"""

from __future__ import annotations

import numpy as np

EPS = np.finfo(float).eps


def w25_params(dt=0.1, n_e=90, connect=True):
    """ThalamoCorticalParams.m (``connect=False``: no synapses, for single cells)."""
    n_i = n_e if connect else 0
    n_th = 10 if connect else 0
    N = n_e + n_i + n_th
    p = dict(n_e=n_e, n_i=n_i, n_th=n_th, N=N, dt=dt)
    J_exc_AMPA = np.zeros((N, N))
    J_exc_NMDA = np.zeros((N, N))
    J_inh = np.zeros((N, N))
    J_dend = np.zeros((n_e, N))
    if connect:
        theta = np.linspace(0, 2 * np.pi, n_e)
        dist = np.sqrt((np.cos(theta)[:, None] - np.cos(theta)[None, :]) ** 2
                       + (np.sin(theta)[:, None] - np.sin(theta)[None, :]) ** 2)
        gauss = lambda A, sd: A * np.exp(-.5 * (dist / sd) ** 2) / (sd * np.sqrt(2 * np.pi))  # noqa: E731
        J_e_e, J_e_i, J_i_e = gauss(3.5, .5), gauss(1, 2), gauss(5, 2)
        J_e_th = np.zeros((n_th, n_e))
        J_th_d = np.zeros((n_e, n_th))
        for j in range(n_th):
            J_e_th[j, 9 * j:9 * j + 9] = 4
            J_th_d[9 * j:9 * j + 9, j] = 10
        e, i, t = slice(0, n_e), slice(n_e, n_e + n_i), slice(n_e + n_i, N)
        J_exc_AMPA[e, e] = J_e_e * 1.75
        J_exc_NMDA[e, e] = J_e_e * 0.35
        J_exc_AMPA[i, e] = J_e_i
        J_exc_NMDA[i, e] = J_e_i
        J_exc_AMPA[t, e] = J_e_th
        J_inh[e, i] = J_i_e
        J_dend[:, t] = J_th_d
    p.update(J_exc_AMPA=J_exc_AMPA, J_exc_NMDA=J_exc_NMDA, J_inh=J_inh, J_dend=J_dend, th_d=10.)
    p.update(C_d=170., v_d_r=-70., k_d=1200., p_d=2600., l_d=170 / 7, a_d=1 / 30, b_d=-13.,
             calcium_criterion=-30., BAP_delay=int(round(.5 / dt)), BAP_width=int(round(2 / dt)),
             burst_c=-55., burst_d=150.)
    per = lambda e_, i_, th_: np.concatenate([np.full(n_e, e_), np.full(n_i, i_), np.full(n_th, th_)])  # noqa: E731
    p.update(v_peak=per(50, 25, 35), C=per(150, 20, 200), v_r=per(-75, -55, -60),
             v_t=per(-45, -40, -50), k=per(2.5, 1, 1.6), a=per(0.01, 0.15, 0.01),
             b=per(5, 8, 15), c=per(-65, -55, -60), d=per(250, 200, 10),
             thal_b_off=-65., E_exc=0., E_inh=-75., E_adapt=-80., tau_adapt=2000.,
             delta_adapt=0.065, tau_NMDA=100., tau_AMPA=6., tau_GABA=6., tau_coupling=800.)
    return p


def w25_simulate(p, n_steps, B=1, rate_soma=600., rate_dend=50., I_soma=None, I_dend=None,
                 thal_pert=0., gc_fixed=None, rng=None):
    """ThalamoCorticalNetSimulatorTD.m for ``n_steps`` steps and ``B`` trials.

    ``I_soma`` (N,) or (n_steps, N) is W25's ``amplitude*I_ext_const``, ``I_dend`` the
    ``dend_perturbation``. Returns ``(trial, step, neuron)`` arrays of the spikes, with W25's
    1-based step index (a spike recorded at step t was integrated at step t - 1).
    """
    rng = np.random.default_rng() if rng is None else rng
    n_e, n_i, N, dt = p["n_e"], p["n_i"], p["N"], p["dt"]
    E = slice(0, n_e)
    th_idx = np.arange(n_e + n_i, N)
    W_FF = np.ones(N)
    W_FF[n_e:n_e + n_i] = 0.02
    I_soma = np.zeros(N) if I_soma is None else np.asarray(I_soma, float)
    I_dend = np.zeros(n_e) if I_dend is None else np.asarray(I_dend, float)
    v_d = np.full((B, n_e), p["v_d_r"])
    u_d = np.zeros((B, n_e))
    v = np.tile(p["v_r"], (B, 1))
    u = np.zeros((B, N))
    gA, gN, gG, gAd = (np.zeros((B, N)), np.zeros((B, N)), np.zeros((B, N)), np.zeros((B, n_e)))
    gNd, gad, gc = np.zeros((B, n_e)), np.zeros((B, N)), np.zeros((B, n_e))
    if gc_fixed is not None:
        gc[:] = gc_fixed
    xA, xN = np.zeros((B, N)), np.zeros((B, N))
    xAd, xNd = np.zeros((B, n_e)), np.zeros((B, n_e))
    bap = np.zeros((B, n_e, n_steps + p["BAP_delay"] + p["BAP_width"] + 2), bool)
    burst_next = np.zeros((B, n_e), bool)
    out = []
    for t in range(1, n_steps):                    # W25: for t = 1:(sim_time-1)
        fired = v >= p["v_peak"]
        if fired.any():
            bb, nn = np.nonzero(fired)
            out.append(np.column_stack([bb, np.full(bb.size, t), nn]))
            c = np.tile(p["c"], (B, 1))
            d = np.tile(p["d"], (B, 1))
            c[:, E] = np.where(burst_next, p["burst_c"], c[:, E])   # p.c(:, t) set at step t-1
            d[:, E] = np.where(burst_next, p["burst_d"], d[:, E])
            v[fired] = c[fired]
            u[fired] += d[fired]
            fe = fired[:, E]
            for b_, n_ in zip(*np.nonzero(fe)):
                bap[b_, n_, t + p["BAP_delay"]:t + p["BAP_delay"] + p["BAP_width"] + 1] = True
            gad[:, E] += fe * p["delta_adapt"]
            f = fired.astype(float)
            gA += f @ p["J_exc_AMPA"].T
            gN += f @ p["J_exc_NMDA"].T
            gG += f @ p["J_inh"].T
            jd = f @ p["J_dend"].T
            gAd += jd
            gNd += jd
            if gc_fixed is None:
                gc += (1 - gc) * (f @ (p["J_dend"] / p["th_d"]).T)
        # external drive (TD): independent Poisson counts
        s_soma = rng.poisson(rate_soma * dt / 1000, (B, n_e + n_i))
        s_dend = rng.poisson(rate_dend * dt / 1000, (B, n_e))
        xA[:, :n_e + n_i] += s_soma
        xN[:, :n_e + n_i] += s_soma
        xAd += s_dend
        xNd += s_dend
        xA += dt * (-xA / p["tau_AMPA"])
        xN += dt * (-xN / p["tau_NMDA"])
        xAd += dt * (-xAd / p["tau_AMPA"])
        xNd += dt * (-xNd / p["tau_NMDA"])
        gA += dt * (-gA / p["tau_AMPA"])
        gAd += dt * (-gAd / p["tau_AMPA"])
        gN += dt * (-gN / p["tau_NMDA"])
        gNd += dt * (-gNd / p["tau_NMDA"])
        gG += dt * (-gG / p["tau_GABA"])
        gad += dt * (-gad / p["tau_adapt"])
        if gc_fixed is None:
            gc += dt * (-gc / p["tau_coupling"])
        # apical dendrites
        x2 = ((v_d + 80) / 60) ** 2
        mg = x2 / (1 + x2)
        I_syn_d = (mg * gNd * (p["E_exc"] - v_d) + gAd * (p["E_exc"] - v_d)
                   + mg * xNd * (p["E_exc"] - v_d) + xAd * (p["E_exc"] - v_d) + EPS)
        bap_prob = rng.random((B, n_e)) < gc
        F = 1 / (1 + np.exp((-38 - v_d) / 6))
        DV_d = (dt / p["C_d"]) * (-p["l_d"] * (v_d - p["v_d_r"]) + p["k_d"] * F
                                  + bap_prob * p["p_d"] * bap[:, :, t] + u_d + I_syn_d + I_dend)
        DU_d = dt * p["a_d"] * (p["b_d"] * (v_d - p["v_d_r"]) - u_d)
        v_d = v_d + DV_d
        u_d = u_d + DU_d
        burst_next = (v_d >= p["calcium_criterion"]) & (rng.random((B, n_e)) < gc)
        # somata (semi-implicit conductances)
        x2 = ((v + 80) / 60) ** 2
        mg = x2 / (1 + x2)
        g_tot = gA + mg * gN + gG + gad + W_FF * xA + W_FF * mg * xN + EPS
        gE = (gA * p["E_exc"] + mg * gN * p["E_exc"] + gG * p["E_inh"] + gad * p["E_adapt"]
              + W_FF * xA * p["E_exc"] + W_FF * mg * xN * p["E_exc"])
        b = np.tile(p["b"], (B, 1))
        if th_idx.size:
            bt = b[:, th_idx]
            bt[v[:, th_idx] <= p["thal_b_off"]] = 0
            b[:, th_idx] = bt
        I_now = I_soma[t - 1] if I_soma.ndim == 2 else I_soma
        pert = np.zeros(N)
        pert[th_idx] = thal_pert
        DV = (dt / p["C"]) * (p["k"] * (v - p["v_r"]) * (v - p["v_t"]) - u + gE + I_now + pert)
        DU = dt * p["a"] * (b * (v - p["v_r"]) - u)
        v = (v + DV) / (1 + g_tot * (dt / p["C"]))
        u = u + DU
    return np.concatenate(out) if out else np.zeros((0, 3), int)
