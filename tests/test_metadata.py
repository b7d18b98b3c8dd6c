"""The files hassfest and the HACS action validate, checked the way they check them.

hassfest itself only runs from a Home Assistant core checkout (the `validate` workflow runs it);
these tests apply the same rules to `manifest.json`, `hacs.json`, `icons.json`, the translations and
`quality_scale.yaml`, so a mistake fails here first.
"""

import json
from pathlib import Path
import re
from typing import Any

from awesomeversion import AwesomeVersion
import homeassistant.components
import yaml

from custom_components.optivgi.config_flow import SITE_SCHEMA

REPO = Path(__file__).resolve().parent.parent
INTEGRATION = REPO / "custom_components" / "optivgi"


def _json(path: Path) -> Any:  # noqa: ANN401 - JSON of any shape
    return json.loads(path.read_text(encoding="utf-8"))


def test_manifest_keys_order_and_values() -> None:
    manifest = _json(INTEGRATION / "manifest.json")
    keys = list(manifest)
    # hassfest: domain, name, then the rest sorted alphabetically.
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    # Required for a custom integration (hassfest's CUSTOM_INTEGRATION_MANIFEST_SCHEMA).
    required = {"domain", "name", "codeowners", "documentation", "issue_tracker", "version"}
    assert required <= set(manifest)
    allowed = required | {
        "config_flow",
        "dependencies",
        "after_dependencies",
        "integration_type",
        "iot_class",
        "requirements",
        "loggers",
        "quality_scale",
        "single_config_entry",
    }
    assert set(manifest) <= allowed
    assert manifest["domain"] == INTEGRATION.name
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] == "calculated"
    assert manifest["integration_type"] in {"device", "hub", "service", "helper", "system"}
    assert all(owner.startswith("@") for owner in manifest["codeowners"])
    assert manifest["documentation"].startswith("https://")
    assert manifest["issue_tracker"].startswith("https://")
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])  # SemVer, as HACS asks


def test_manifest_requirements_are_pinned_solver_stack_without_cbc() -> None:
    manifest = _json(INTEGRATION / "manifest.json")
    requirements = manifest["requirements"]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", req) for req in requirements)
    names = {req.split("==")[0].lower() for req in requirements}
    assert names == {"pulp", "highspy"}
    assert "pulp==4.2.0" in requirements
    # The development requirements install exactly what Home Assistant would.
    dev = (REPO / "requirements.txt").read_text(encoding="utf-8").split()
    assert set(requirements) <= set(dev)


def test_no_other_manifest_in_the_repository() -> None:
    found = [
        path.relative_to(REPO).as_posix()
        for path in REPO.rglob("manifest.json")
        if not {".venv", "config", ".git"} & set(path.relative_to(REPO).parts)
    ]
    assert found == ["custom_components/optivgi/manifest.json"]


def test_hacs_json() -> None:
    hacs = _json(REPO / "hacs.json")
    allowed = {
        "name",
        "content_in_root",
        "zip_release",
        "filename",
        "hide_default_branch",
        "country",
        "homeassistant",
        "hacs",
        "persistent_directory",
    }
    assert set(hacs) <= allowed
    assert hacs["name"]
    assert AwesomeVersion(hacs["homeassistant"]) <= AwesomeVersion("2026.10.4")


def test_brand_images_exist() -> None:
    for name in ("icon.png", "logo.png"):
        data = (INTEGRATION / "brand" / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")


def test_icons_json_uses_known_sections() -> None:
    icons = _json(INTEGRATION / "icons.json")
    assert set(icons) <= {"entity", "entity_component", "services"}


def test_translations_cover_every_config_flow_field() -> None:
    translations = _json(INTEGRATION / "translations" / "en.json")
    assert not (INTEGRATION / "strings.json").exists()
    assert set(translations) <= {
        "title",
        "config",
        "config_subentries",
        "options",
        "entity",
        "exceptions",
        "issues",
        "selector",
        "services",
        "device",
    }
    step = translations["config"]["step"]["user"]
    fields = {str(key) for key in SITE_SCHEMA.schema}
    assert set(step["data"]) == fields
    assert set(step["data_description"]) == fields
    assert "already_configured" in translations["config"]["abort"]


def _rules(path: Path) -> dict[str, Any]:
    rules: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]
    return rules


def test_quality_scale_lists_every_rule() -> None:
    rules = _rules(INTEGRATION / "quality_scale.yaml")
    # peblar is a Platinum integration in this Home Assistant release: it lists every rule.
    reference = Path(homeassistant.components.__file__).parent / "peblar" / "quality_scale.yaml"
    assert set(rules) == set(_rules(reference))
    for name, value in rules.items():
        status = value if isinstance(value, str) else value["status"]
        assert status in {"todo", "done", "exempt"}, name
        if status == "exempt":
            assert value["comment"], name
