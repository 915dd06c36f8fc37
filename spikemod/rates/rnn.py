"""Neuromodulated rate RNN [TS], trained with backpropagation through time and Adam in NumPy.

Tsuda, Pate, Tye, Siegelmann & Sejnowski ("Neuromodulators generate multiple context-relevant
behaviors in recurrent neural networks", Neural Computation) train continuous-rate RNNs in the
framework of Kim, Li & Sejnowski (2019) and model a neuromodulator as a multiplicative factor
f_nm on the outgoing weights of a target subpopulation [MODEL.md s6]:

    x_{t+1} = (1 - dt/tau) x_t + dt/tau (W (m r_t) + W_in u_t) + xi_t,   xi_t ~ N(0, 0.1^2)
    r_t = sigmoid(x_t),    o_t = W_out r_t + b_out,    loss = sqrt(sum_t (z_t - o_t)^2)

with N = 200 units (80 % excitatory, 20 % inhibitory; Dale's law W = |A| * mask * sign(j)),
connection probability 0.8, initial weights N(0, g/sqrt(N p)), g = 1.5, per-unit time constants
tau = 20 + 80 sigmoid(tau_raw) ms (trainable), dt = 5 ms, 200 steps (1 s); m_j = f_nm for units of
the target subpopulation under modulation, else 1.

Positive-negative task: a "+" stimulus (u = 1 for steps 10-59) or none ("null"); without
modulation the output should settle at +1 after "+" and 0 after "null"; with modulation at 0
and -1. The target is 0 until the stimulus ends and the settled value afterwards. A network
passes a state if its trial-averaged output at step 120 is within the target +-0.2 for both
stimuli. EC50: the output at 0.5 s (step 100) after "+" as a function of f is fitted with
1 - 1/(1 + exp(a f + b)); EC50 = -b/a (TS report 2.1-6.5 over 29 networks trained with f = 9;
the experiment: :mod:`spikemod.experiments.rnn_neuromod`).

Choices where the paper leaves them free (documented in the ``[rnn]`` model section): the
target subpopulation is a random 20 % of the units (both types); inhibitory initial weights are
scaled by N_E/N_I = 4 so the initial recurrent input is balanced (E/I balanced initialisation, as
Song, Yang & Wang 2016); x_0 = 0; a batch holds each stimulus x state trial; Adam lr 0.01.

The forward dynamics also run as a Brian2 rate network (:func:`brian2_forward`, explicit Euler
at dt = 5 ms, the noise supplied as a TimedArray), which reproduces :meth:`RateRNN.forward`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

# the units' rate function [TS]: the standard logistic
from spikemod.analysis.fits import logistic

__all__ = ["RNNConfig", "RateRNN", "task_trials", "train", "evaluate", "sweep_f",
           "brian2_forward"]


@dataclass
class RNNConfig:
    """Network and training constants (defaults: model section ``[rnn]``, [TS])."""

    N: int = 200
    frac_exc: float = 0.8
    p: float = 0.8
    g: float = 1.5
    tau_min_ms: float = 20.0
    tau_max_ms: float = 100.0
    dt_ms: float = 5.0
    T: int = 200
    noise: float = 0.1
    frac_target: float = 0.2
    f_train: float = 9.0
    stim_on: int = 10
    stim_off: int = 60
    t_test: int = 120
    t_ec50: int = 100
    tolerance: float = 0.2
    lr: float = 0.01
    balance_inh: bool = True

    @classmethod
    def from_model(cls, model=None, **changes):
        from spikemod.params import load_model
        model = model if model is not None else load_model()
        sec = model.section("rnn")
        kw = {"N": int(sec["N"]), "frac_exc": float(sec["frac_exc"]), "p": float(sec["p"]),
              "g": float(sec["g"]), "tau_min_ms": float(sec["tau_min"]) * 1000,
              "tau_max_ms": float(sec["tau_max"]) * 1000, "dt_ms": float(sec["dt"]) * 1000,
              "T": int(sec["T"]), "noise": float(sec["noise"]),
              "frac_target": float(sec["frac_target"]), "f_train": float(sec["f_train"]),
              "t_test": int(sec["t_test"]), "t_ec50": int(sec["t_ec50"]),
              "tolerance": float(sec["tolerance"]), "lr": float(sec["lr"])}
        kw.update(changes)
        return cls(**kw)


class RateRNN:
    """Parameters, forward pass and exact BPTT gradient of the neuromodulated rate RNN [TS]."""

    PARAMS = ("A", "w_in", "tau_raw", "w_out", "b_out")

    def __init__(self, cfg: RNNConfig, seed: int = 0):
        self.cfg = cfg
        rng = np.random.default_rng(seed)
        N = cfg.N
        n_exc = int(round(cfg.frac_exc * N))
        self.sign = np.where(np.arange(N) < n_exc, 1.0, -1.0)
        self.mask = (rng.random((N, N)) < cfg.p).astype(float)
        np.fill_diagonal(self.mask, 0.0)
        A = rng.normal(0.0, cfg.g / np.sqrt(N * cfg.p), (N, N))
        if cfg.balance_inh:
            A[:, n_exc:] *= n_exc / max(N - n_exc, 1)
        self.target = np.zeros(N, dtype=bool)
        self.target[rng.choice(N, int(round(cfg.frac_target * N)), replace=False)] = True
        self.A = np.abs(A)
        self.w_in = rng.normal(0.0, 1.0, N)
        self.tau_raw = rng.normal(0.0, 1.0, N)
        self.w_out = rng.normal(0.0, 1.0 / np.sqrt(N), N)
        self.b_out = np.zeros(1)

    # -- derived quantities --------------------------------------------------------------------
    def params(self) -> dict:
        return {k: getattr(self, k) for k in self.PARAMS}

    def W(self) -> np.ndarray:
        """Effective recurrent weights (Dale's law): W_ij = |A_ij| mask_ij sign_j."""
        return np.abs(self.A) * self.mask * self.sign[None, :]

    def tau_ms(self) -> np.ndarray:
        c = self.cfg
        return c.tau_min_ms + (c.tau_max_ms - c.tau_min_ms) * logistic(self.tau_raw)

    def modulation(self, f) -> np.ndarray:
        """Per-trial presynaptic factors m (trials x N): f on the target units."""
        f = np.atleast_1d(np.asarray(f, dtype=float))
        return np.where(self.target[None, :], f[:, None], 1.0)

    # -- forward / backward --------------------------------------------------------------------
    def forward(self, u, f, noise):
        """Run trials. ``u``: (B, T) input, ``f``: (B,) modulation factors, ``noise``: (B, T, N).

        Returns ``(o, cache)`` with o of shape (B, T)."""
        c = self.cfg
        B, T = u.shape
        W = self.W()
        alpha = c.dt_ms / self.tau_ms()
        m = self.modulation(f)
        x = np.zeros((B, T + 1, c.N))
        r = np.zeros((B, T, c.N))
        for t in range(T):
            r[:, t] = logistic(x[:, t])
            drive = (m * r[:, t]) @ W.T + u[:, t, None] * self.w_in[None, :]
            x[:, t + 1] = (1 - alpha) * x[:, t] + alpha * drive + noise[:, t]
        o = r @ self.w_out + self.b_out[0]
        return o, {"x": x, "r": r, "m": m, "W": W, "alpha": alpha, "u": u}

    @staticmethod
    def loss(o, z) -> tuple[float, np.ndarray]:
        """Mean over trials of sqrt(sum_t (z - o)^2) [TS/Kim 2019], and dL/do."""
        err = o - z
        norm = np.sqrt((err ** 2).sum(axis=1)) + 1e-12
        return float(norm.mean()), err / (norm[:, None] * o.shape[0])

    def backward(self, dLdo, cache) -> dict:
        """Exact gradient of the loss through the T steps (BPTT)."""
        c = self.cfg
        x, r, m, W, alpha, u = (cache[k] for k in ("x", "r", "m", "W", "alpha", "u"))
        B, T = dLdo.shape
        dW = np.zeros_like(W)
        dw_in = np.zeros(c.N)
        dalpha = np.zeros(c.N)
        dx_next = np.zeros((B, c.N))          # dL/dx_{t+1}
        for t in range(T - 1, -1, -1):
            a_dx = alpha * dx_next            # (B, N): dL/d(drive_t)
            mr = m * r[:, t]
            dW += a_dx.T @ mr
            dw_in += (a_dx * u[:, t, None]).sum(axis=0)
            drive = mr @ W.T + u[:, t, None] * self.w_in[None, :]
            dalpha += (dx_next * (drive - x[:, t])).sum(axis=0)
            dr = dLdo[:, t, None] * self.w_out[None, :] + m * (a_dx @ W)
            s = r[:, t]
            dx_next = dr * s * (1 - s) + (1 - alpha) * dx_next
        tau = self.tau_ms()
        sg = logistic(self.tau_raw)
        dtau_raw = dalpha * (-c.dt_ms / tau ** 2) * (c.tau_max_ms - c.tau_min_ms) * sg * (1 - sg)
        dA = dW * self.mask * self.sign[None, :] * np.sign(self.A)
        return {"A": dA, "w_in": dw_in, "tau_raw": dtau_raw,
                "w_out": np.einsum("bt,btn->n", dLdo, r), "b_out": np.array([dLdo.sum()])}


def task_trials(cfg: RNNConfig, f_mod: float, reps: int = 1):
    """The four conditions (stimulus + / null) x (unmodulated / modulated), ``reps`` times each.

    Returns ``u`` (B, T), ``f`` (B,), ``z`` (B, T) targets and ``labels`` [(stimulus, modulated)].
    """
    labels = [("+", False), ("null", False), ("+", True), ("null", True)] * reps
    T = cfg.T
    u = np.zeros((len(labels), T))
    z = np.zeros((len(labels), T))
    f = np.ones(len(labels))
    for k, (stim, mod) in enumerate(labels):
        if stim == "+":
            u[k, cfg.stim_on:cfg.stim_off] = 1.0
        level = {("+", False): 1.0, ("null", False): 0.0, ("+", True): 0.0, ("null", True): -1.0}
        z[k, cfg.stim_off:] = level[(stim, mod)]
        if mod:
            f[k] = f_mod
    return u, f, z, labels


class Adam:
    def __init__(self, params: dict, lr=0.01, b1=0.9, b2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, eps
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, params: dict, grads: dict):
        self.t += 1
        for k, g in grads.items():
            self.m[k] = self.b1 * self.m[k] + (1 - self.b1) * g
            self.v[k] = self.b2 * self.v[k] + (1 - self.b2) * g * g
            mh = self.m[k] / (1 - self.b1 ** self.t)
            vh = self.v[k] / (1 - self.b2 ** self.t)
            params[k] -= self.lr * mh / (np.sqrt(vh) + self.eps)


@dataclass
class TrainResult:
    net: RateRNN
    losses: list = field(default_factory=list)
    iterations: int = 0
    wall_s: float = 0.0
    passed: tuple = (False, False)


def train(cfg: RNNConfig, seed: int, max_iter: int = 1500, reps: int = 2, check_every: int = 50,
          log=None) -> TrainResult:
    """Train one network with Adam until it passes both states (checked every ``check_every``
    iterations on fresh noisy trials) or ``max_iter`` iterations."""
    net = RateRNN(cfg, seed=seed)
    rng = np.random.default_rng(seed + 10_000)
    params = net.params()
    opt = Adam(params, lr=cfg.lr)
    u, f, z, _ = task_trials(cfg, cfg.f_train, reps=reps)
    res = TrainResult(net)
    start = time.perf_counter()
    for it in range(1, max_iter + 1):
        noise = rng.normal(0.0, cfg.noise, (u.shape[0], cfg.T, cfg.N))
        o, cache = net.forward(u, f, noise)
        L, dLdo = net.loss(o, z)
        opt.step(params, net.backward(dLdo, cache))
        res.losses.append(L)
        if it % check_every == 0:
            ev = evaluate(net, seed=seed + it)
            if log:
                log(f"net {seed}: iteration {it}, loss {L:.3f}, pass {ev['pass_unmodulated']}/"
                    f"{ev['pass_modulated']}")
            if ev["pass_unmodulated"] and ev["pass_modulated"]:
                break
    res.iterations = it
    res.wall_s = time.perf_counter() - start
    ev = evaluate(net, seed=seed + 99_999)
    res.passed = (ev["pass_unmodulated"], ev["pass_modulated"])
    return res


def evaluate(net: RateRNN, trials: int = 20, seed: int = 0, f_mod: float | None = None) -> dict:
    """TS criterion: trial-averaged output at step ``t_test`` within target +- tolerance."""
    cfg = net.cfg
    f_mod = cfg.f_train if f_mod is None else f_mod
    u, f, z, labels = task_trials(cfg, f_mod, reps=trials)
    noise = np.random.default_rng(seed).normal(0.0, cfg.noise, (u.shape[0], cfg.T, cfg.N))
    o, _ = net.forward(u, f, noise)
    out = {}
    for state, mod in (("unmodulated", False), ("modulated", True)):
        ok = True
        for stim in ("+", "null"):
            sel = [k for k, lab in enumerate(labels) if lab == (stim, mod)]
            mean = o[sel, cfg.t_test].mean()
            target = z[sel[0], cfg.t_test]
            out[f"output_{stim}_{state}"] = float(mean)
            ok &= abs(mean - target) <= cfg.tolerance
        out[f"pass_{state}"] = bool(ok)
    return out


def sweep_f(net: RateRNN, f_values, trials: int = 10, seed: int = 0) -> np.ndarray:
    """Trial-averaged output at 0.5 s (step ``t_ec50``) after the "+" stimulus, per f."""
    cfg = net.cfg
    f_values = np.asarray(f_values, dtype=float)
    u = np.zeros((f_values.size * trials, cfg.T))
    u[:, cfg.stim_on:cfg.stim_off] = 1.0
    f = np.repeat(f_values, trials)
    noise = np.random.default_rng(seed).normal(0.0, cfg.noise, (u.shape[0], cfg.T, cfg.N))
    o, _ = net.forward(u, f, noise)
    return o[:, cfg.t_ec50].reshape(f_values.size, trials).mean(axis=1)


def brian2_forward(net: RateRNN, u, f, noise, device="runtime", seed=None, build_dir=None):
    """The forward dynamics of ``net`` as a Brian2 rate network (one trial).

    ``u``: (T,) input, ``f``: modulation factor, ``noise``: (T, N). Explicit Euler at dt = 5 ms
    of dx/dt = (-x + I_rec + w_in u(t))/tau + eps(t, i)/dt gives exactly the NumPy update; the
    recurrent input is a summed synaptic variable over the Dale-signed weights. Returns the
    output o (T,)."""
    from brian2 import Network, NeuronGroup, StateMonitor, Synapses, TimedArray, ms
    from spikemod.device import simulation

    cfg = net.cfg
    step = cfg.dt_ms * ms
    T = len(u)
    with simulation(device, seed=seed, dt=step, build_dir=build_dir) as sim:
        u_in = TimedArray(np.asarray(u, dtype=float), dt=step, name="u_in")
        eps = TimedArray(np.asarray(noise, dtype=float), dt=step, name="eps")
        G = NeuronGroup(cfg.N, """
            dx/dt = (-x + I_rec + w_in*u_in(t))/tau + eps(t, i)/step : 1
            r = 1/(1 + exp(-x)) : 1
            I_rec : 1
            tau : second (constant)
            w_in : 1 (constant)
            m : 1 (constant)
            """, method="euler", namespace={"u_in": u_in, "eps": eps, "step": step}, name="rnn")
        G.tau = net.tau_ms() * ms
        G.w_in = net.w_in
        G.m = net.modulation([f])[0]
        W = net.W()
        post, pre = np.nonzero(W)
        S = Synapses(G, G, "w : 1\nI_rec_post = w*m_pre*r_pre : 1 (summed)", name="rec")
        S.connect(i=pre, j=post)
        S.w = W[post, pre]
        mon = StateMonitor(G, "r", record=True, name="rnn_r")
        Network(G, S, mon).run(T * step)
        sim.finish()
        r = np.array(mon.r[:], copy=True).T          # (T, N), recorded before each update
    return r @ net.w_out + net.b_out[0]
