"""`ChargerConfig.site_phases`: the site phases a charger's car draws on, from its settings."""

from typing import Any

import pytest

from custom_components.optivgi.charger_config import (
    SITE_PHASES_WIRING,
    ChargerConfig,
    default_site_phases,
)
from custom_components.optivgi.const import CONF_PHASES, CONF_SINGLE_PHASE_CAR, CONF_SITE_PHASES

from .charger_configs import charger_config


def _read(data: dict[str, Any]) -> tuple[int, ...]:
    return ChargerConfig.from_data("c", "C", data).site_phases


@pytest.mark.parametrize(
    ("phases", "wiring", "single", "expected"),
    [
        (1, "L1", False, (0,)),
        (1, "L2", False, (1,)),
        (1, "L3", False, (2,)),
        (1, "L2", True, (1,)),
        (3, "L1L2L3", False, (0, 1, 2)),
        (3, "L2L3L1", False, (1, 2, 0)),
        (3, "L3L1L2", False, (2, 0, 1)),
        (3, "L1L2L3", True, (0,)),
        (3, "L2L3L1", True, (1,)),
        (3, "L3L1L2", True, (2,)),
    ],
)
def test_every_stored_wiring(
    *, phases: int, wiring: str, single: bool, expected: tuple[int, ...]
) -> None:
    data = {CONF_PHASES: phases, CONF_SITE_PHASES: wiring, CONF_SINGLE_PHASE_CAR: single}
    assert _read(data) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, (0, 1, 2)),  # an older charger: 3 phases by default, all three in order
        ({CONF_PHASES: 1}, (0,)),
        ({CONF_PHASES: 3}, (0, 1, 2)),
        ({CONF_PHASES: 3, CONF_SINGLE_PHASE_CAR: True}, (0,)),
        ({CONF_PHASES: 2}, (0, 1)),  # the rare 2-phase installation: as the core's default
        ({CONF_PHASES: 3, CONF_SITE_PHASES: "l3l1l2"}, (2, 0, 1)),  # edited by hand: any case
        ({CONF_PHASES: 1, CONF_SITE_PHASES: "L2L3L1"}, (0,)),  # does not fit: the default
        ({CONF_PHASES: 3, CONF_SITE_PHASES: "L2"}, (0, 1, 2)),
        ({CONF_PHASES: 3, CONF_SITE_PHASES: "L4"}, (0, 1, 2)),
        ({CONF_PHASES: 3, CONF_SITE_PHASES: None}, (0, 1, 2)),
    ],
)
def test_defaults_and_settings_that_do_not_fit(
    data: dict[str, Any], expected: tuple[int, ...]
) -> None:
    assert _read(data) == expected


def test_every_wiring_is_distinct_site_phases() -> None:
    for key, wiring in SITE_PHASES_WIRING.items():
        assert len(wiring) in (1, 3)
        assert sorted(set(wiring)) == sorted(wiring)
        assert set(wiring) <= {0, 1, 2}
        assert key == "".join(f"L{phase + 1}" for phase in wiring)
    assert default_site_phases(1) == "L1"
    assert default_site_phases(3) == "L1L2L3"


@pytest.mark.parametrize(
    ("phases", "site_phases", "expected"),
    [(1, (), (0,)), (3, (), (0, 1, 2)), (3, (2,), (2,)), (1, (1,), (1,))],
)
def test_a_config_made_in_code_gets_the_default_wiring(
    phases: int, site_phases: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    config = charger_config(phases=phases, site_phases=site_phases)
    assert config.site_phases == expected
