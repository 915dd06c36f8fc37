"""ach-state: acetylcholine bath on the ring microcircuit; population-rate band power and gain.

Methods. The W25 ring microcircuit (E->E at --ee-scale of W25's amplitude) runs once per ACh
bath concentration (--ach, independent copies in one simulation). Every cell's
second-messenger pool starts at the steady state of its bath (spikemod.gpcr): M1 (Gq) ->
Ca -> depolarisation and SK adaptation, M2 (Gi) -> cAMP down -> HCN closed -> coupling up
(pyramidal cells), nicotinic receptors depolarise PV/SOM cells; receptor scaling [S21 (a)]
suppresses recurrent E->E by M2 occupancy and boosts the feed-forward drive by nicotinic
occupancy (Hasselmo & Bower 1992; Gil et al. 1997; spikemod.neuromod). After --burn-in the
pyramidal population rate (1 ms bins) over --duration gives Welch band powers (1 s segments):
delta 1-4, theta 4-8, alpha 8-13, beta 13-30, gamma 30-80 Hz. Then the feed-forward drive is
raised x1.3 for 1 s; gain = rate change per kHz of drive. Seed claim: ACh lowers low-frequency
power and raises gamma.

Outputs: ach_state.csv (ACh_uM, band, power; power in Hz^2, the rate variance in the band),
ach_gain.csv (ACh_uM, gain_Hz_per_kHz, mean_rate_Hz), ach_state.png, spikes.h5, provenance.json
(claim check: low-frequency power and gamma power relative to no ACh).
"""

from brian2 import second

from spikemod import plotting
from spikemod.neuromod_circuit import ach_state
from spikemod.protocol import UsageError, parse_values, add_ee_scale, ee_scale, protocol_main

NAME = "ach-state"


def add_arguments(p):
    p.add_argument("--ach", default="0,1,10,100", help="bath ACh, uM; must include 0 (default %(default)s)")
    p.add_argument("--drive", default="1000", help="feed-forward Poisson rate, Hz (default %(default)s)",
                   sets="drive.rate_soma")
    p.add_argument("--burn-in", default="0.5", help="discarded transient, s (default %(default)s)")
    p.add_argument("--duration", default="4", help="window for the band powers, s (default %(default)s)")
    add_ee_scale(p)


def validate(args, model):
    args.ach_uM = parse_values(args.ach, "uM", "--ach", minimum=0, maximum=1e5)
    if 0 not in args.ach_uM:
        raise UsageError(f"--ach: {args.ach!r} must include 0 (the no-ACh reference)")
    args.drive_Hz = parse_values(args.drive, "Hz", "--drive", minimum=1)[0]
    args.burn_in_s = parse_values(args.burn_in, "second", "--burn-in", minimum=0)[0]
    args.duration_s = parse_values(args.duration, "second", "--duration", minimum=1.0)[0]
    args.ee = ee_scale(args)


def run(ctx, args):
    res = ach_state(ctx.model, args.ach_uM, drive_Hz=args.drive_Hz,
                    burn_in=args.burn_in_s * second, duration=args.duration_s * second,
                    ee_scale=args.ee, report=ctx.report(), **ctx.sim_kwargs)
    ctx.write_csv("ach_state.csv", res.rows, ["ACh_uM", "band", "power"])
    gains = [{"ACh_uM": a, "gain_Hz_per_kHz": g, "mean_rate_Hz": res.info["mean_rate_Hz"][a]}
             for a, g in res.info["gain_Hz_per_kHz"].items()]
    ctx.write_csv("ach_gain.csv", gains, ["ACh_uM", "gain_Hz_per_kHz", "mean_rate_Hz"])
    power = {(r["ACh_uM"], r["band"]): r["power"] for r in res.rows}
    low = lambda a: sum(power[(a, b)] for b in ("delta", "theta", "alpha"))  # noqa: E731
    check = {str(a): {"low_freq_ratio": low(a) / low(0.0),
                      "gamma_ratio": power[(a, "gamma")] / power[(0.0, "gamma")]}
             for a in args.ach_uM if a > 0}
    ctx.extra_provenance["claim_check"] = check
    ctx.extra_provenance["circuit"] = res.info
    ctx.log(f"low-frequency and gamma power relative to no ACh: {check}")
    ctx.save_spikes(res.spikes, t_stop=res.t_stop)
    ctx.save_figure(plotting.ach_state_figure(res.rows, gains), "ach_state.png")


if __name__ == "__main__":
    raise SystemExit(protocol_main(__name__))
