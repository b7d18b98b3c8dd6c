"""The README names every setting, entity and action the integration has, as the UI shows them."""

import json
from pathlib import Path
import re
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
TRANSLATIONS: dict[str, Any] = json.loads(
    (REPO / "custom_components" / "optivgi" / "translations" / "en.json").read_text("utf-8")
)
SERVICES: dict[str, Any] = yaml.safe_load(
    (REPO / "custom_components" / "optivgi" / "services.yaml").read_text("utf-8")
)


def _labels(steps: dict[str, Any]) -> set[str]:
    return {label for step in steps.values() for label in step.get("data", {}).values()}


def test_every_setting_is_documented() -> None:
    labels = _labels(TRANSLATIONS["config"]["step"])
    labels |= _labels(TRANSLATIONS["options"]["step"])
    labels |= _labels(TRANSLATIONS["config_subentries"]["charger"]["step"])
    assert len(labels) > 20
    assert sorted(label for label in labels if label not in README) == []


def test_every_entity_is_documented() -> None:
    names = {
        entity["name"]
        for platform in TRANSLATIONS["entity"].values()
        for entity in platform.values()
    }
    assert len(names) > 15
    assert sorted(name for name in names if name not in README) == []


def test_every_action_and_field_is_documented() -> None:
    assert SERVICES
    missing = [f"optivgi.{service}" for service in SERVICES if f"optivgi.{service}" not in README]
    fields = {
        field["name"]
        for service in TRANSLATIONS["services"].values()
        for field in service.get("fields", {}).values()
    }
    missing += [name for name in fields if name not in README]
    assert missing == []


def test_pictures_in_the_readme_exist() -> None:
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert len(pictures) >= 3
    assert [p for p in pictures if not (REPO / p).is_file()] == []


def test_the_demo_credentials_in_the_readme_are_the_ones_set_up() -> None:
    setup = (REPO / "scripts" / "demo_setup.py").read_text(encoding="utf-8")
    username = re.search(r'"username": "([^"]+)"', setup)
    password = re.search(r'"password": "([^"]+)"', setup)
    assert username
    assert password
    assert f"log in as {username[1]} / {password[1]}" in README
