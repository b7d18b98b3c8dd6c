"""Chargers' settings made in code, for tests of what reads a `ChargerConfig` (no flow needed)."""

from dataclasses import replace
from datetime import time
from typing import Any

from custom_components.optivgi.charger_config import ChargerConfig
from custom_components.optivgi.const import Control


def charger_config(
    min_a: float = 6.0, max_a: float = 16.0, phases: int = 3, **overrides: Any
) -> ChargerConfig:
    """A `number` charger of `min_a`-`max_a` A on `phases` phases at 230 V."""
    config = ChargerConfig(
        charger_id="c",
        name="C",
        control=Control.NUMBER,
        control_entity="input_number.c",
        ocpp_device=None,
        transaction_entity=None,
        plug_entity=None,
        plug_states=("on",),
        power_entity=None,
        session_energy_entity=None,
        soc_entity=None,
        battery_kwh=60.0,
        target_soc=80.0,
        default_energy_kwh=10.0,
        default_departure=time(7),
        min_current_a=min_a,
        max_current_a=max_a,
        phases=phases,
        voltage=230.0,
    )
    return replace(config, **overrides) if overrides else config
