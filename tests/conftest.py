"""Shared fixtures: every test may load custom integrations from this repository."""

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let the `hass` fixture find `custom_components/optivgi`."""
