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

    def mode(self, charger_id: str) -> ChargeMode:
        """The charger's mode."""
        return self.modes.get(charger_id, ChargeMode.SMART)

    def as_json(self) -> dict[str, Any]:
        """What is stored (JSON)."""
        return {
            "control_chargers": self.control_chargers,
            "modes": {cid: str(mode) for cid, mode in self.modes.items()},
            "price_cap": self.price_cap,
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
        modes = raw.get("modes", {})
        if isinstance(modes, Mapping):
            for cid, mode in modes.items():
                try:
                    controls.modes[check_id(cid, field="charger_id")] = ChargeMode(mode)
                except ValueError as err:
                    dropped.append(f"the charge mode of charger {str(cid)[:40]} ({err})")
        else:
            dropped.append("the charge modes (not an object)")
        cap = raw.get("price_cap")
        if cap is not None:
            try:
                check_price_cap(cap)  # also refuses what is not a number, and true
            except LimitError as err:
                dropped.append(f"the price cap ({err})")
            else:
                controls.price_cap = float(cap)
        return controls, dropped


_KEYS: Final = frozenset(SiteControls().as_json())
