"""The files hassfest and the HACS action validate, checked the way they check them.

hassfest itself only runs from a Home Assistant core checkout (the `validate` workflow runs it);
these tests apply the same rules to `manifest.json`, `hacs.json`, `icons.json`, the translations and
`quality_scale.yaml`, so a mistake fails here first.
"""

import ast
import json
from pathlib import Path
import re
from typing import Any

from awesomeversion import AwesomeVersion
import homeassistant.components
from homeassistant.helpers.selector import SelectSelector, SelectSelectorConfig
import probatio
import yaml

from custom_components.optivgi.charger_schemas import (
    CHARGER_DETAILS_SCHEMA,
    CHARGER_SCHEMA,
    CONTROL_SCHEMAS,
)
from custom_components.optivgi.const import SUBENTRY_TYPE_CHARGER
from custom_components.optivgi.site_schemas import (
    SITE_NAME_SCHEMA,
    SITE_SCHEMA,
    SITE_SETTINGS_SCHEMA,
)

REPO = Path(__file__).resolve().parent.parent
INTEGRATION = REPO / "custom_components" / "optivgi"


def _json(path: Path) -> Any:
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
    # A site is a hub of chargers (one device per charger); "service" made the UI say "Add service".
    assert manifest["integration_type"] == "hub"
    assert all(owner.startswith("@") for owner in manifest["codeowners"])
    assert manifest["documentation"].startswith("https://")
    assert manifest["issue_tracker"].startswith("https://")
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])  # SemVer, as HACS asks


def _requirement_lines(name: str) -> set[str]:
    """The requirements of a requirements file, without comments and `-r` includes."""
    text = (REPO / name).read_text(encoding="utf-8")
    lines = (line.partition("#")[0].strip() for line in text.splitlines())
    return {line for line in lines if line and not line.startswith("-")}


def test_manifest_requires_only_the_solver_that_runs() -> None:
    manifest = _json(INTEGRATION / "manifest.json")
    requirements = manifest["requirements"]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", req) for req in requirements)
    names = {req.split("==")[0].lower() for req in requirements}
    # PuLP (and the CBC it bundles) only builds the test oracle: Home Assistant must not install it.
    assert names == {"highspy"}
    assert "pulp==4.2.0" in _requirement_lines("requirements_test.txt")
    assert not any(req.lower().startswith("pulp") for req in _requirement_lines("requirements.txt"))
    # The development requirements install exactly what Home Assistant would.
    dev = (REPO / "requirements.txt").read_text(encoding="utf-8").split()
    assert set(requirements) <= set(dev)


def _absolute_imports(path: Path) -> set[str]:
    """The top-level names of the packages a module imports (relative imports left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_integration_imports_nothing_from_pulp() -> None:
    importing = sorted(
        path.relative_to(REPO).as_posix()
        for path in INTEGRATION.rglob("*.py")
        if "pulp" in _absolute_imports(path)
    )
    assert importing == []
    # The check sees an import where there is one: the oracle's.
    assert "pulp" in _absolute_imports(REPO / "tests" / "pulp_oracle.py")


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


def _flow_steps() -> dict[tuple[str, ...], dict[str, probatio.Schema]]:
    """Every form of every flow, by its place in en.json: step id to the schema it shows."""
    charger_steps = {
        **{control.value: schema for control, schema in CONTROL_SCHEMAS.items()},
        "details": CHARGER_DETAILS_SCHEMA,
    }
    return {
        ("config",): {
            "user": SITE_SCHEMA,
            # One editor per setting: reconfiguring renames; the options flow edits the rest.
            "reconfigure": SITE_NAME_SCHEMA,
            "charger": CHARGER_SCHEMA,
            **charger_steps,
        },
        ("options",): {"init": SITE_SETTINGS_SCHEMA},
        ("config_subentries", SUBENTRY_TYPE_CHARGER): {
            "user": CHARGER_SCHEMA,
            "reconfigure": CHARGER_SCHEMA,
            **charger_steps,
        },
    }


def _select_configs(schema: probatio.Schema) -> list[SelectSelectorConfig]:
    """The configs of the select selectors of a schema, also inside `probatio.All`."""
    validators = [
        inner
        for value in schema.schema.values()
        for inner in (value.validators if isinstance(value, probatio.All) else [value])
    ]
    return [validator.config for validator in validators if isinstance(validator, SelectSelector)]


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
    for path, schemas in _flow_steps().items():
        flow = translations
        for key in path:
            flow = flow[key]
        assert set(flow["step"]) == set(schemas), path  # no step untranslated, none stale
        for step_id, schema in schemas.items():
            step = flow["step"][step_id]
            fields = {str(key) for key in schema.schema}
            assert set(step["data"]) == fields, (path, step_id)
            assert set(step["data_description"]) == fields, (path, step_id)
            assert all(step["data_description"].values()), (path, step_id)
        for translated in flow.get("error", {}).values():
            assert translated.strip() == translated != ""
    assert "already_configured" in translations["config"]["abort"]
    assert "already_configured" in translations["config"]["error"]  # reconfigure's name field
    subentry = translations["config_subentries"][SUBENTRY_TYPE_CHARGER]
    assert subentry["entry_type"]
    assert subentry["initiate_flow"]["user"]

    # Each select with a translation key has a label for every option, and hassfest's rule for
    # option keys (lower case, digits, - and _) holds.
    selects = [
        config
        for schemas in _flow_steps().values()
        for schema in schemas.values()
        for config in _select_configs(schema)
        if "translation_key" in config
    ]
    used = {config["translation_key"] for config in selects}
    assert {"algorithm", "control", "resolution", "phases", "site_phases"} == used
    assert used <= set(translations["selector"])
    for config in selects:
        labels = translations["selector"][config["translation_key"]]["options"]
        assert set(labels) == set(config["options"]), config["translation_key"]
        assert all(re.fullmatch(r"[a-z0-9]+([-_][a-z0-9]+)*", key) for key in labels)


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


def test_every_service_and_field_is_named_described_and_has_an_icon() -> None:
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text(encoding="utf-8"))
    translations = _json(INTEGRATION / "translations" / "en.json")["services"]
    icons = _json(INTEGRATION / "icons.json")["services"]
    assert set(translations) == set(services)
    assert set(icons) == set(services)
    for name, service in services.items():
        text = translations[name]
        assert text["name"], name
        assert text["description"], name
        fields = service.get("fields") or {}
        assert set(text.get("fields", {})) == set(fields), name
        for field in fields:
            assert text["fields"][field]["name"], (name, field)
            assert text["fields"][field]["description"], (name, field)
        assert re.fullmatch(r"mdi:[a-z0-9]+(-[a-z0-9]+)*", icons[name]["service"]), name
