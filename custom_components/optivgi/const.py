"""Constants for the OptiVGI smart charging integration: keys, choices and defaults."""

from enum import StrEnum
import logging
from typing import Final

DOMAIN: Final = "optivgi"
LOGGER: Final = logging.getLogger(__package__)

SUBENTRY_TYPE_CHARGER: Final = "charger"

# Site (config entry). The name is the entry's data; everything else is its options.
CONF_SITE_LIMIT_KW: Final = "site_limit_kw"
CONF_SITE_LIMIT_ENTITY: Final = "site_limit_entity"
CONF_GRID_POWER_ENTITY: Final = "grid_power_entity"
CONF_ALGORITHM: Final = "algorithm"
CONF_RESOLUTION_MIN: Final = "resolution_min"
CONF_HORIZON_H: Final = "horizon_h"
CONF_REPLAN_MIN: Final = "replan_min"
CONF_SAFETY_MARGIN_KW: Final = "safety_margin_kw"
#: The site's energy price source (a `price_source.PriceSourceKind` value); absent means none.
CONF_PRICE_SOURCE: Final = "price_source"
#: Price source "entity": a sensor whose attributes list the prices.
CONF_PRICE_ENTITY: Final = "price_entity"
#: Price source "nordpool": the core Nord Pool config entry whose action is asked ...
CONF_PRICE_CONFIG_ENTRY: Final = "price_config_entry"
#: ... and, optionally, the one of its areas to use (needed when it has several).
CONF_PRICE_AREA: Final = "price_area"
#: Price source "tibber": optionally, the Tibber home (its nickname) when the account has several.
CONF_PRICE_HOME: Final = "price_home"
#: The site's solar forecast source (a `solar_forecast.SolarSourceKind` value); absent means none.
CONF_SOLAR_SOURCE: Final = "solar_source"
#: Solar source "energy": the config entry of an integration that gives Home Assistant's energy
#: dashboard a solar forecast (Forecast.Solar, Open-Meteo Solar Forecast, Solcast, ...).
CONF_SOLAR_CONFIG_ENTRY: Final = "solar_config_entry"
#: Solar source "solcast": the Solcast sensors (a list: today's, tomorrow's, ...) whose
#: `detailedForecast` attributes are read.
CONF_SOLAR_ENTITY: Final = "solar_entity"
#: With a solar source: what exported energy earns (currency per kWh, may be negative).
CONF_FEED_IN_PRICE: Final = "feed_in_price"
#: Optional per-phase fuse (A): the limit of L1, and of L2 and L3 unless they are given below.
CONF_PHASE_LIMIT_A: Final = "phase_limit_a"
#: Optional, with `CONF_PHASE_LIMIT_A`: L2's and L3's own limits (A) where they differ from L1's.
CONF_PHASE_LIMIT_L2_A: Final = "phase_limit_l2_a"
CONF_PHASE_LIMIT_L3_A: Final = "phase_limit_l3_a"
#: Optional, all three or none: the grid meter's current sensor of each phase (import positive),
#: for the non-EV load per phase.
CONF_PHASE_CURRENT_L1_ENTITY: Final = "phase_current_l1_entity"
CONF_PHASE_CURRENT_L2_ENTITY: Final = "phase_current_l2_entity"
CONF_PHASE_CURRENT_L3_ENTITY: Final = "phase_current_l3_entity"

# Charger (config subentry).
CONF_CONTROL: Final = "control"
CONF_CONTROL_ENTITY: Final = "control_entity"
CONF_OCPP_DEVICE: Final = "ocpp_device"
CONF_TRANSACTION_ENTITY: Final = "transaction_entity"
CONF_PLUG_ENTITY: Final = "plug_entity"
CONF_PLUG_STATES: Final = "plug_states"
CONF_POWER_ENTITY: Final = "power_entity"
CONF_SESSION_ENERGY_ENTITY: Final = "session_energy_entity"
CONF_SOC_ENTITY: Final = "soc_entity"
CONF_BATTERY_KWH: Final = "battery_kwh"
CONF_TARGET_SOC: Final = "target_soc"
CONF_DEFAULT_ENERGY_KWH: Final = "default_energy_kwh"
CONF_DEFAULT_DEPARTURE: Final = "default_departure"
CONF_MIN_CURRENT_A: Final = "min_current_a"
CONF_MAX_CURRENT_A: Final = "max_current_a"
CONF_PHASES: Final = "phases"
CONF_VOLTAGE: Final = "voltage"
#: Optional per charger: an on/off entity that pauses a charger whose `number` cannot go to 0.
CONF_SWITCH_ENTITY: Final = "switch_entity"
#: Optional per script charger: an entity whose state is the limit the charger really applies.
CONF_FEEDBACK_ENTITY: Final = "feedback_entity"
#: Optional per OCPP charger: the OCPP integration's offered-current sensor (the truth).
CONF_OFFERED_ENTITY: Final = "offered_entity"
#: Per OCPP charger: the current of the TxDefaultProfile installed as the charger's safety net.
CONF_SAFE_CURRENT_A: Final = "safe_current_a"
#: The site phase(s) a charger draws from: "L1", "L2" or "L3" for a 1-phase charger, the rotation
#: "L1L2L3", "L2L3L1" or "L3L1L2" for a 3-phase one. Absent (older chargers): the default below.
CONF_SITE_PHASES: Final = "site_phases"
#: Per 3-phase charger, optional: its car charges on one phase, the first of the rotation.
CONF_SINGLE_PHASE_CAR: Final = "single_phase_car"
#: Per 3-phase charger, optional: the entity that switches it between 1 and 3 phases (a switch
#: or input_boolean, on = 3 phases; or a select whose options start with "1" and "3").
CONF_PHASE_SWITCH_ENTITY: Final = "phase_switch_entity"


#: The community OCPP integration (lbbrhzn/ocpp) and its service an OCPP charger is commanded
#: with: not part of Home Assistant, so there are no constants of its own to import.
OCPP_DOMAIN: Final = "ocpp"
OCPP_SERVICE_SET_CHARGE_RATE: Final = "set_charge_rate"


class Control(StrEnum):
    """How OptiVGI writes a charger's limit."""

    NUMBER = "number"  # a number entity in A or W
    OCPP = "ocpp"  # the OCPP integration's ocpp.set_charge_rate with a TxProfile
    SCRIPT = "script"  # a script called with power_w, current_a and profile


class ChargerFault(StrEnum):
    """Why a charger is not planned freely (`ChargerReading.fault`, the plan's `reason`).

    The values are translation keys (the status sensor's `reason` attribute, repairs).
    """

    UNAVAILABLE = "unavailable"  # it cannot be read
    WRITE_FAILED = "write_failed"  # its last command failed
    WRITE_TIMEOUT = "write_timeout"  # its last command got no answer in time
    NOT_CONFIRMED = "not_confirmed"  # it does not report applying its last command
    SCRIPT_BUSY = "script_busy"  # its `single` script still runs: a write would be dropped
    NOT_FOLLOWING = "not_following"  # it draws more than the limit it applies
    DRIFTED = "drifted"  # its limit was changed by something else
    PHASE_SWITCH_FAILED = "phase_switch_failed"  # its 1/3-phase switch did not switch


class AlgorithmChoice(StrEnum):
    """The schedulers a site can use (Opti-VGI's class names)."""

    PULP = "PulpNumericalAlgorithm"
    GO = "GoAlgorithm"


DEFAULT_SITE_LIMIT_KW: Final = 22.0
DEFAULT_ALGORITHM: Final = AlgorithmChoice.PULP
RESOLUTIONS_MIN: Final = (1, 5, 15)
DEFAULT_RESOLUTION_MIN: Final = 5
DEFAULT_HORIZON_H: Final = 24
DEFAULT_REPLAN_MIN: Final = 5
DEFAULT_SAFETY_MARGIN_KW: Final = 0.5
DEFAULT_PRICE_SOURCE: Final = "none"
DEFAULT_SOLAR_SOURCE: Final = "none"

#: Plug states that mean "a car is plugged in". OCPP's SuspendedEV/SuspendedEVSE are a car that
#: is plugged in but paused (often by us); Finishing is a car still plugged after its session.
DEFAULT_PLUG_STATES: Final = (
    "on",
    "connected",
    "charging",
    "occupied",
    "preparing",
    "suspendedev",
    "suspendedevse",
    "finishing",
)
DEFAULT_ENERGY_KWH: Final = 20.0
DEFAULT_DEPARTURE: Final = "07:30:00"
DEFAULT_MIN_CURRENT_A: Final = 6.0
DEFAULT_MAX_CURRENT_A: Final = 16.0
#: A charger added in the form is three-phase, as most wallboxes are (the scheduling core's
#: `DEFAULT_EV_PHASES` is what a bare `EV` draws on, a different thing).
DEFAULT_CHARGER_PHASES: Final = 3
DEFAULT_BATTERY_KWH: Final = 60.0
DEFAULT_TARGET_SOC: Final = 80.0
#: A charger's site phases by its number of phases, when not set.
DEFAULT_SITE_PHASES_1: Final = "L1"
DEFAULT_SITE_PHASES_3: Final = "L1L2L3"
DEFAULT_SINGLE_PHASE_CAR: Final = False

#: A charger's limit is written at most this often (s), unless it must go down (flash wear).
MIN_WRITE_INTERVAL_S: Final = 60.0
#: Set-point changes smaller than this are not written (A; W chargers: x 230 V).
WRITE_DEADBAND_A: Final = 0.5
#: How long the last good grid-meter reading stands in for an unavailable meter (s).
METER_GRACE_S: Final = 120.0

#: After a write, a charger has this long to settle before its draw is compared with it (s).
#: IEC 61851 gives a car 5 s to follow a new limit; this leaves room for slow chargers.
FOLLOW_GRACE_S: Final = 30.0

# Actuation (DESIGN §5): desired, sent, confirmed.
#: A write must be confirmed by reading the charger back within this window (s).
CONFIRM_WINDOW_S: Final = 15.0
#: After decreases are confirmed, increases wait this long (s): a car follows a lower limit
#: within 5 s (IEC 61851-1), so only then is the room it frees really free.
DECREASE_SETTLE_S: Final = 6.0
#: One write (a service call, a script run) may take at most this long (s).
WRITE_TIMEOUT_S: Final = 10.0
#: Waits before retrying an unconfirmed write, by failure count (s); the last one repeats.
RETRY_BACKOFF_S: Final = (15.0, 30.0, 60.0, 120.0, 300.0)
#: After this many failed or unconfirmed writes in a row a charger is `unresponsive`.
UNRESPONSIVE_AFTER: Final = 3
#: A charger switched on stays on, and one switched off stays off, at least this long (s),
#: unless the site limit needs the cut: cars and contactors do not like flapping.
MIN_ON_S: Final = 300.0
MIN_OFF_S: Final = 300.0
#: A charger switched between 1 and 3 phases is not switched again for this long (s): each
#: switch pauses the car, and contactors and cars do not like it often.
PHASE_SWITCH_INTERVAL_S: Final = 900.0
#: A 1-phase charger goes back to 3 phases only with this much room beyond the 3-phase minimum
#: (kW), so that the house load wandering near it does not switch it back and forth.
PHASE_UP_MARGIN_KW: Final = 0.5
#: The non-EV load (grid minus chargers) is planned with a band, so that a house load wandering
#: within it moves no set-point and starts no re-plan: planned this much above its reading (kW),
#: which filters meter noise, and read again at once when it rises above that ...
NON_EV_HEADROOM_KW: Final = 0.25
#: ... or falls more than this below it (kW; two amps on three phases) ...
NON_EV_BAND_KW: Final = 1.4
#: ... or at a cycle at least this long after it was read, if it is lower by then (s): a load
#: that fell by less than the band does not keep its room from the chargers for good.
NON_EV_HOLD_S: Final = 1800.0
#: The grid meter re-plans a site with a *Solar* charger when the surplus moves this much (kW);
#: about 1 A on three phases, the smallest step most chargers take.
SOLAR_REPLAN_KW: Final = 0.7
#: A power reading beyond this many times the fixed site limit is absurd: not a value (kW/kW).
ABSURD_POWER_FACTOR: Final = 10.0
#: Drawing more than the command by this much (kW, or 10 % if more) is not following it.
FOLLOW_TOLERANCE_KW: Final = 0.5

EVENT_SCHEDULE_UPDATED: Final = f"{DOMAIN}_schedule_updated"
