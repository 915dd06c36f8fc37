"""Which paper claims does this model reproduce? One table from saved protocol results.

Reads the outputs of the claim protocols found under RESULTS_ROOT (one directory per protocol,
named as the protocol, e.g. ``results/fi-gain``, ``results/stdp-burst``; missing ones are
skipped) and writes ``RESULTS_ROOT/claims.csv`` with columns
``claim,protocol,measure,value,reference,reproduced`` ([RG25] claims 1-6 of MODEL.md s3, the
seed claims of s4 and W25's detection and rivalry claims, whose criteria live in
:mod:`spikemod.experiments`). Every number comes from the protocol's own CSV files; nothing is re-simulated.

    python analysis/claims.py results
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from spikemod.experiments import (detection, fi_gain, gain_pulse, inhibition_gain, integration,
                                  metaplasticity, modulated_detection, modulated_rivalry,
                                  ne_inverted_u, network_gain, ring_gating, rivalry, stdp_burst)


def _from_experiment(rows_to_claims):
    def check(d):
        for c in rows_to_claims(d):
            yield c["claim"], c["measure"], c["value"], c["reference"], c["reproduced"]
    return check


def _detection_any(d):
    """The unmodulated W25 run, or a ``--modulator`` run of threshold-detection in ``d``."""
    if (d / "modulated_detection.csv").exists():
        return modulated_detection.claims_from_results(d)
    return detection.claims_from_results(d)


def _rivalry_any(d):
    if (d / "modulated_rivalry.csv").exists():
        return modulated_rivalry.claims_from_results(d)
    return rivalry.claims_from_results(d)


CHECKS = {"fi-gain": _from_experiment(fi_gain.claims_from_results),
          "network-gain": _from_experiment(network_gain.claims_from_results),
          "inhibition-gain": _from_experiment(inhibition_gain.claims_from_results),
          "ring-gating": _from_experiment(ring_gating.claims_from_results),
          "stdp-burst": _from_experiment(stdp_burst.claims_from_results),
          "gain-pulse": _from_experiment(gain_pulse.claims_from_results),
          "ne-inverted-u": _from_experiment(ne_inverted_u.claims_from_results),
          "threshold-detection": _from_experiment(_detection_any),
          "rivalry": _from_experiment(_rivalry_any),
          # --modulator runs of the two W25 protocols, when saved under these names
          "modulated-detection": _from_experiment(_detection_any),
          "modulated-rivalry": _from_experiment(_rivalry_any),
          "metaplasticity": _from_experiment(metaplasticity.claims_from_results),
          "integration": _from_experiment(integration.claims_from_results)}
COLUMNS = ["claim", "protocol", "measure", "value", "reference", "reproduced"]


def claims(root: Path) -> list[dict]:
    out = []
    for protocol, check in CHECKS.items():
        d = root / protocol
        if not (d / "provenance.json").exists():
            continue
        for claim, measure, value, reference, ok in check(d):
            if isinstance(ok, str):
                ok = ok == "yes"
            out.append({"claim": claim, "protocol": protocol, "measure": measure,
                        "value": f"{float(value):.6g}", "reference": f"{float(reference):.6g}",
                        "reproduced": "yes" if ok else "no"})
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("root", help="directory holding one result directory per protocol")
    a = p.parse_args(argv)
    root = Path(a.root)
    if not root.is_dir():
        p.exit(2, f"claims.py: error: {root} is not a directory\n")
    rows = claims(root)
    if not rows:
        p.exit(2, f"claims.py: error: no finished claim protocol under {root} "
                  f"(looked for {', '.join(CHECKS)})\n")
    path = root / "claims.csv"
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, COLUMNS)
        w.writeheader()
        w.writerows(rows)
    tmp.replace(path)
    width = max(len(r["claim"]) for r in rows)
    for r in rows:
        print(f"{r['claim']:<{width}}  {r['protocol']:<16} {r['reproduced']:<3}  "
              f"{r['value']} vs {r['reference']}  ({r['measure']})")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
