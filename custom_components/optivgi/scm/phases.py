"""Per-phase fuses: the current each EV draws on each site phase, and what the limits leave.

Most European sites are limited per phase (a 3 x 25 A main fuse), not by one kW figure. A car
draws `1000 / (voltage x phases used)` A per kW on each phase it uses (`EV.site_phases`; without
one, all three evenly on a 3-phase charger, else L1, then L2 for a 2-phase one) and nothing on
the others. `phase_limits_a[t, p]` is the current (A) left for EVs on phase `p` at step `t`, the
non-EV load already taken off; a schedule keeps, at every step and phase,
`sum_i x[i, t] * amps_per_kw[i, p] <= phase_limits_a[t, p]` besides the kW limit.
"""

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .constants import DEFAULT_VOLTAGE
from .ev import EV

type _Array = NDArray[np.float64]

#: Phases of a site (L1, L2, L3).
N_PHASES = 3


def wiring(ev: EV) -> tuple[int, ...]:
    """The site phases (0 = L1) an EV draws on; see the module docstring for the default."""
    if ev.site_phases is not None:
        return ev.site_phases
    return tuple(range(min(ev.phases, N_PHASES)))


def amps_per_kw(evs: Sequence[EV]) -> _Array:
    """`(N, 3)`: the current (A) each EV draws per kW on each site phase (0 where it does not)."""
    amps = np.zeros((len(evs), N_PHASES))
    for row, ev in enumerate(evs):
        used = wiring(ev)
        amps[row, list(used)] = 1000 / ((ev.voltage or DEFAULT_VOLTAGE) * len(used))
    return amps


def phase_limits(limits: Sequence[Sequence[float]], steps: int) -> _Array:
    """The per-phase limits as a `(steps, 3)` array; a `ValueError` unless finite and >= 0."""
    array = np.asarray(limits, dtype=np.float64)
    if array.shape != (steps, N_PHASES) or not np.isfinite(array).all() or (array < 0).any():
        msg = f"phase limits must be {steps} x {N_PHASES} finite currents >= 0 (A)"
        raise ValueError(msg)
    return array


def phase_load_a(amps: _Array, power: _Array) -> _Array:
    """`(T, 3)`: the current (A) a schedule (`(N, T)` kW) draws on each phase at each step."""
    return np.asarray(power.T @ amps, dtype=np.float64)


def room_kw(amps: _Array, limits_a: _Array) -> _Array:
    """`(N, T)`: the most each EV could take alone at each step under the phase limits (kW).

    `limits_a` is `(T, 3)`, or `(N, T, 3)` for what is left to each EV beside the others.
    """
    used = amps[:, None, :] > 0
    left = limits_a if limits_a.ndim > amps.ndim else limits_a[None, :, :]
    per_phase = left / np.where(amps > 0, amps, 1.0)[:, None, :]
    return np.asarray(np.where(used, per_phase, np.inf).min(axis=2), dtype=np.float64)


def room_beside_kw(amps: _Array, limits_a: _Array, power: _Array) -> _Array:
    """`(N, T)`: the most each EV could take at each step beside the others' `power` (kW)."""
    load = power.T @ amps  # (T, 3)
    others = load[None, :, :] - power[:, :, None] * amps[:, None, :]
    return room_kw(amps, limits_a[None, :, :] - others)
