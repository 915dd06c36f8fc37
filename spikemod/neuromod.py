"""Effects of neuromodulation on the cells: second messengers -> cell parameters [S21, MODEL.md s4].

Each cell of a group made by :mod:`spikemod.cells` / :mod:`spikemod.network` gets a
second-messenger pool (:func:`spikemod.gpcr.make_gpcr`, one per cell, on the ``gpcr.dt``
clock). The pool computes the effective cell parameters; a one-to-one ``Synapses`` object
writes them into the cell's parameters as summed variables every ``gpcr.dt``. A mapping that is
switched off in ``[effects]`` writes nothing, so the cell keeps its own value; with all switches
off the cells are the unmodulated model. The effective values are computed once per step of
the pool (a ``run_regularly`` at the start of the step) and copied by the summed variables.
The documented mappings (``ref``: value at the basal,
modulator-free steady state, where each mapping returns the cell's own parameter):

* ``hcn_coupling`` (pyramidal): cAMP -> HCN open fraction h -> coupling. Fixed coupling:
  ``g_c = clip(gc_basal + gc_hcn (1 - h/h_ref), 0, 1)``; W25's thalamus-driven coupling
  (``coupling.mode = 'thalamic'``): its decay time, ``tau_gc = tau_gc0 clip(1 + tau_gc_hcn
  (1 - h/h_ref), 0.05, 20)``, so closed HCN keeps a thalamic kick's coupling longer (W25's
  ceiling of 1 and its thalamic drive are left as published). Either way alpha2A/Gi lowers
  cAMP, closes HCN, raises coupling and bursting; beta1/Gs does the opposite [S21 Fig. 3b];
* ``hcn_leak`` (pyramidal): ``g_Ld = g_Ld0 (1 + f_hcn (h/h_ref - 1))``, the HCN share of the
  apical dendrite's resting conductance;
* ``ca_depolarisation``: Gq -> IP3 -> Ca -> resting potential, ``vr = vr0 + dvr_Ca Ca``
  [S21 mechanism (c)];
* ``ca_k_current``: Gq/Ca -> K+ (SK/KCNQ) adapting current, the spike-triggered adaptation jump
  ``d = d0 (1 + sk_Ca Ca)`` (and ``d_burst``) [S21 mechanism (d); Wang et al. 2007]. Together
  with ``ca_depolarisation`` it makes the Gq effect on gain dose-dependent: the depolarisation
  lowers the rheobase, the K+ current divides the gain, and at high Gq the K+ current dominates
  (with the default constants; measured in ``ne-inverted-u``,
  :mod:`spikemod.experiments.ne_inverted_u`);
* ``pka_threshold``: ``vt = vt0 + dvt_PKA (PKA - PKA_ref)`` [S21 mechanism (e)];
* ``nmda_ratio`` (synaptic cells): AMPA/NMDA ratio through the NMDA decay time,
  ``tau_nmda = tau0 (1 + nmda_PKA (PKA - PKA_ref))`` [S21 mechanism (b)];
* ``nicotinic_depolarisation``: ionotropic nicotinic occupancy -> ``vr += dvr_nACh occ``;
* ``receptor_scaling`` [S21 mechanism (a)]: AMPA/GABA conductance scale. Synaptic weights are
  constants of the ``Synapses`` objects, so this mapping is applied to the weights at build time
  from the steady-state occupancy of a bath concentration (:func:`scale_weights`,
  :func:`ach_receptor_scaling`); it does not follow a changing concentration during a run.

Baselines (``vr0``, ``vt0``, ``d0``, ...) are the model-file values of the population.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from brian2 import Synapses, umolar

from spikemod.gpcr import basal_reference, make_gpcr, receptor_densities, set_steady_state

__all__ = ["Neuromodulation", "attach", "EFFECTS", "effect_targets", "scale_weights",
           "ach_receptor_scaling"]

#: effect switch -> (cell variables written, populations it applies to)
EFFECTS = {
    "hcn_coupling": (("g_c", "tau_gc"), ("pyr",)),
    "hcn_leak": (("g_Ld",), ("pyr",)),
    "ca_depolarisation": (("vr",), ("pyr", "pv", "som")),
    "nicotinic_depolarisation": (("vr",), ("pyr", "pv", "som")),
    "ca_k_current": (("d", "d_burst"), ("pyr", "pv", "som")),
    "pka_threshold": (("vt",), ("pyr", "pv", "som")),
    "nmda_ratio": (("tau_nmda",), ("pyr", "pv", "som")),
}

#: effective-parameter expressions, evaluated in the second-messenger group
_EXPR = {
    "g_c": ("clip(gc_basal + gc_hcn*(1 - h_HCN/h_ref), 0, 1)", "1"),
    "tau_gc": ("tau_gc0*clip(1 + tau_gc_hcn*(1 - h_HCN/h_ref), 0.05, 20)", "second"),
    "g_Ld": ("g_Ld0*(1 + f_hcn*(h_HCN/h_ref - 1))", "siemens"),
    "vr": ("vr0 + on_ca_depol*dvr_Ca*Ca + on_nic*dvr_nACh*R_nACh", "volt"),
    "d": ("d0*(1 + sk_Ca*Ca)", "amp"),
    "d_burst": ("d_burst0*(1 + sk_Ca*Ca)", "amp"),
    "vt": ("vt0 + dvt_PKA*(PKA - PKA_ref)", "volt"),
    "tau_nmda": ("tau_nmda0*(1 + nmda_PKA*(PKA - PKA_ref))", "second"),
}

_EFFECT_PARAMS = """
gc_basal : 1 (shared, constant)
gc_hcn : 1 (shared, constant)
tau_gc_hcn : 1 (shared, constant)
tau_gc0 : second (shared, constant)
h_ref : 1 (shared, constant)
f_hcn : 1 (shared, constant)
dvr_Ca : volt*meter**3/mole (shared, constant)
dvr_nACh : volt (shared, constant)
on_ca_depol : 1 (shared, constant)
on_nic : 1 (shared, constant)
sk_Ca : meter**3/mole (shared, constant)
dvt_PKA : volt (shared, constant)
PKA_ref : 1 (shared, constant)
nmda_PKA : 1 (shared, constant)
g_Ld0 : siemens (shared, constant)
vr0 : volt (shared, constant)
vt0 : volt (shared, constant)
d0 : amp (shared, constant)
d_burst0 : amp (shared, constant)
tau_nmda0 : second (shared, constant)
"""


def effect_targets(model, pop: str, group=None) -> list[str]:
    """Cell variables written for population ``pop`` with the model's switches (and that the
    group has, e.g. ``tau_nmda`` only for synaptic cells). HCN acts on ``tau_gc`` in groups
    with thalamus-driven coupling (they have ``tau_gc``), on ``g_c`` otherwise."""
    out = []
    thalamic = group is not None and "tau_gc" in group.variables
    skip = "g_c" if thalamic else "tau_gc"
    for switch, (targets, pops) in EFFECTS.items():
        if pop in pops and model[f"effects.{switch}"]:
            for t in targets:
                if t == skip:
                    continue
                if t not in out and (group is None or t in group.variables):
                    out.append(t)
    return out


@dataclass
class Neuromodulation:
    """Second-messenger pools of one population and the synapses writing the effects."""

    pop: str
    gpcr: object
    effects: object          # Synapses (None when no effect is switched on)
    targets: list
    densities: dict
    objects: list = field(default_factory=list)

    def set_steady_state(self, model, concentrations: dict) -> dict:
        """Start every pool at the steady state of ``{'NE': uM or array, ...}``."""
        return set_steady_state(self.gpcr, model, concentrations, self.densities)


def attach(cells, model, pop: str, name: str | None = None) -> Neuromodulation:
    """Give each cell of ``cells`` (population ``pop``: 'pyr', 'pv', 'som') a second-messenger
    pool and write the switched-on effects into its parameters.

    The pool's modulator concentrations ``L_NE``, ``L_ACh``, ... are parameters: set them for a
    bath (:meth:`Neuromodulation.set_steady_state` or directly), or connect a grid's voxels
    with ``grid.connect_readers(nm.gpcr, voxels, 'L_NE')``.
    """
    name = name or f"{cells.name}_gpcr"
    dens = receptor_densities(model, pop)
    eff = model.section("effects")
    targets = effect_targets(model, pop, cells)
    # effective values are parameters computed once per gpcr step (start of the step, before
    # the summed variables copy them into the cells): the transcendental functions of the
    # pool are then evaluated once per cell, not once per written variable
    gp = make_gpcr(len(cells), model, pop, name=name, densities=dens,
                   extra_eqs=_EFFECT_PARAMS + "".join(
                       f"{v}_eff : {unit}\n" for v, (expr, unit) in _EXPR.items()))
    if targets:
        gp.run_regularly("\n".join(f"{t}_eff = {_EXPR[t][0]}" for t in targets),
                         when="start", name=f"{name}_effect_values")
    ref = basal_reference(model, dens)
    gp.h_ref, gp.PKA_ref = float(ref["h_HCN"]), float(ref["PKA"])
    gp.tau_gc0 = model["coupling.tau_gc"]
    for k in ("gc_basal", "gc_hcn", "tau_gc_hcn", "f_hcn", "dvr_Ca", "dvr_nACh", "sk_Ca", "dvt_PKA",
              "nmda_PKA"):
        setattr(gp, k, eff[k])
    gp.on_ca_depol = float(bool(eff["ca_depolarisation"]))
    gp.on_nic = float(bool(eff["nicotinic_depolarisation"]))
    section = "soma" if pop == "pyr" else pop
    gp.vr0, gp.vt0, gp.d0 = (model[f"{section}.{k}"] for k in ("vr", "vt", "d"))
    if pop == "pyr":
        gp.d_burst0, gp.g_Ld0 = model["soma.d_burst"], model["dend.g_Ld"]
    gp.tau_nmda0 = model["synapses.tau_nmda"]
    objects = [gp]
    syn = None
    if targets:
        eqs = "\n".join(f"{t}_post = {t}_eff_pre : {_EXPR[t][1]} (summed)" for t in targets)
        syn = Synapses(gp, cells, eqs, dt=model["gpcr.dt"], name=f"{name}_effects")
        syn.connect(j="i")
        objects.append(syn)
    return Neuromodulation(pop=pop, gpcr=gp, effects=syn, targets=targets, densities=dens,
                           objects=objects)


def scale_weights(synapses, variables, factor, target: str | None = None) -> None:
    """Receptor scaling [S21 (a)]: multiply ``variables`` of ``synapses`` by ``factor`` (a
    number or a Brian2 string expression), optionally only for synapses matching ``target``
    (e.g. ``'j < 45'``). Works in runtime and standalone mode."""
    cond = target if target else True
    for var in ([variables] if isinstance(variables, str) else variables):
        getattr(synapses, var)[cond] = f"{var} * ({factor})"


def ach_receptor_scaling(model, ach_uM: float) -> dict:
    """Receptor-scaling factors of an ACh bath (steady-state occupancy): recurrent E->E
    suppressed through M2 (``1 - ach_ee_suppression R_M2``), feed-forward AMPA/NMDA boosted
    through nicotinic receptors (``1 + ach_ff_boost R_nACh``). Factors are 1 when
    ``effects.receptor_scaling`` is off."""
    if not model["effects.receptor_scaling"] or ach_uM <= 0:
        return {"EE": 1.0, "ff": 1.0}
    occ = lambda r: ach_uM / (ach_uM + float(model[f"receptors.{r}_Kd"] / umolar))  # noqa: E731
    return {"EE": 1 - float(model["effects.ach_ee_suppression"]) * occ("M2"),
            "ff": 1 + float(model["effects.ach_ff_boost"]) * occ("nACh")}
