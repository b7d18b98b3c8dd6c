"""What a user set on a site's control entities: its switch, each charger's mode, the price cap.

Kept in the site's store (its `controls` part) beside the requests, so a restart restores them.
Unlike a request, a charger's mode outlives the session: a charger set to *Off* stays off for
the next car too, as a wall switch would.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from .limits import LimitError, check_id, check_number

#: The price cap's bounds (currency per kWh): wide enough for every currency's tariffs (and
#: negative prices), narrow enough to refuse a typo of several orders of magnitude.
MAX_PRICE_CAP: Final = 1000.0


class ChargeMode(StrEnum):
    """How a charger's car is charged (the charge mode select's options)."""

    SMART = "smart"  # planned by departure, cheapest and greenest steps first
    FAST = "fast"  # as much as the site allows now, still within its limit
    SOLAR = "solar"  # only the live solar surplus (needs the grid meter)
    OFF = "off"  # paused: its car gets nothing and holds no budget


def check_price_cap(value: float) -> None:
    """A price cap within ±`MAX_PRICE_CAP`; a `LimitError` if not."""
    check_number(
        value, field="price_cap", low=-MAX_PRICE_CAP, high=MAX_PRICE_CAP, low_included=True
    )


@dataclass(kw_only=True, slots=True)
class SiteControls:
    """The site's control settings (the store's `controls` part)."""

    #: The chargers are commanded (True) or the site only plans and shows (a dry run).
    control_chargers: bool = True
    #: Each charger's mode; a charger not listed is `SMART`.
    modes: dict[str, ChargeMode] = field(default_factory=dict)
    #: Steps priced above this are used only when a departure needs them (None: no cap).
    price_cap: float | None = None
    #: Chargers that keep their minimum in *Solar* mode when the surplus is below it.
    solar_keep_min: set[str] = field(default_factory=set)
    #: With prices or a solar forecast, energy is moved to cheaper steps only where chargers
    #: without a car leave room: a car arriving there later finds what it needs.
    arrival_room: bool = True

    def mode(self, charger_id: str) -> ChargeMode:
        """The charger's mode."""
        return self.modes.get(charger_id, ChargeMode.SMART)

    def set_mode(self, charger_id: str, mode: ChargeMode) -> None:
        """Set a charger's mode (the default is not stored)."""
        check_id(charger_id, field="charger_id")
        if mode is ChargeMode.SMART:
            self.modes.pop(charger_id, None)
        else:
            self.modes[charger_id] = mode

    def set_solar_keep_min(self, charger_id: str, *, keep: bool) -> None:
        """Whether a *Solar* charger keeps its minimum when the surplus is below it."""
        check_id(charger_id, field="charger_id")
        if keep:
            self.solar_keep_min.add(charger_id)
        else:
            self.solar_keep_min.discard(charger_id)

    def set_price_cap(self, cap: float | None) -> None:
        """Set the price cap (None: none); a `LimitError` if out of bounds."""
        if cap is not None:
            check_price_cap(cap)
        self.price_cap = cap

    def drop_mode(self, mode: ChargeMode) -> list[str]:
        """Set the chargers in `mode` back to *Smart*; their ids."""
        dropped = [cid for cid, m in self.modes.items() if m is mode]
        for cid in dropped:
            del self.modes[cid]
        return dropped

    def retain(self, charger_ids: set[str]) -> bool:
        """Forget the controls of chargers not in `charger_ids`; whether any were."""
        gone = [cid for cid in self.modes if cid not in charger_ids]
        for cid in gone:
            del self.modes[cid]
        kept = self.solar_keep_min & charger_ids
        changed = bool(gone) or kept != self.solar_keep_min
        self.solar_keep_min = kept
        return changed

    def as_json(self) -> dict[str, Any]:
        """What is stored (JSON)."""
        return {
            "control_chargers": self.control_chargers,
            "modes": {cid: str(mode) for cid, mode in self.modes.items()},
            "price_cap": self.price_cap,
            "solar_keep_min": sorted(self.solar_keep_min),
            "arrival_room": self.arrival_room,
        }

    @classmethod
    def from_json(cls, raw: object) -> tuple[SiteControls, list[str]]:
        """What was stored, and what of it is not valid (and was dropped, with why)."""
        controls = cls()
        if not isinstance(raw, Mapping):
            return controls, ["the site's controls (not an object)"]
        dropped = [f"unknown control {key!r}" for key in raw if key not in _KEYS]
        control = raw.get("control_chargers", True)
        if isinstance(control, bool):
            controls.control_chargers = control
        else:
            dropped.append("the control chargers switch (not true or false)")
        room = raw.get("arrival_room", True)
        if isinstance(room, bool):
            controls.arrival_room = room
        else:
            dropped.append("the keep room for arriving cars switch (not true or false)")
        dropped += _read_modes(controls, raw.get("modes", {}))
        dropped += _read_keep_min(controls, raw.get("solar_keep_min", []))
        cap = raw.get("price_cap")
        if cap is not None:
            try:
                check_price_cap(cap)  # also refuses what is not a number, and true
            except LimitError as err:
                dropped.append(f"the price cap ({err})")
            else:
                controls.price_cap = float(cap)
        return controls, dropped


def _read_modes(controls: SiteControls, modes: object) -> list[str]:
    """Take the valid stored modes; what was dropped."""
    if not isinstance(modes, Mapping):
        return ["the charge modes (not an object)"]
    dropped = []
    for cid, mode in modes.items():
        try:
            controls.modes[check_id(cid, field="charger_id")] = ChargeMode(mode)
        except ValueError as err:
            dropped.append(f"the charge mode of charger {str(cid)[:40]} ({err})")
    return dropped


def _read_keep_min(controls: SiteControls, keep: object) -> list[str]:
    """Take the valid stored chargers that keep their minimum on solar; what was dropped."""
    if not isinstance(keep, list):
        return ["the chargers keeping their minimum on solar (not a list)"]
    dropped = []
    for cid in keep:
        try:
            controls.solar_keep_min.add(check_id(cid, field="charger_id"))
        except ValueError as err:
            dropped.append(f"a charger keeping its minimum on solar ({err})")
    return dropped


_KEYS: Final = frozenset(SiteControls().as_json())
