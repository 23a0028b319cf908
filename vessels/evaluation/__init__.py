"""Independent references to judge the detectors against (not used by the pipeline).

:mod:`vessels.evaluation.fishing_refs` holds the fishing references of issue 14: a
reimplementation of the speed-mixture method used for Mexican VMS (dafishr), positions that
self-report "engaged in fishing" while moving, the simulator's per-position truth per gear,
VMS-like thinning, and agreement statistics (precision, recall, F1, Cohen's kappa).
"""

from __future__ import annotations

from vessels.evaluation.fishing_refs import (
    MixtureFit,
    agreement,
    fit_normal_mixture,
    port_distance_deg,
    sim_fishing_truth,
    speed_mixture_reference,
    status7_reference,
    thin_to_vms,
)

__all__ = [
    "MixtureFit",
    "agreement",
    "fit_normal_mixture",
    "port_distance_deg",
    "sim_fishing_truth",
    "speed_mixture_reference",
    "status7_reference",
    "thin_to_vms",
]
