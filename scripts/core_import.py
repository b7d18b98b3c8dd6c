"""Import the HA-free scheduling core without importing Home Assistant.

`custom_components/optivgi/__init__.py` is the HA integration and imports `homeassistant`; the
scheduling core below it (`scm/`, `translation.py`, `scm_runner.py`, `utils.py`) does not. Importing
`custom_components.optivgi.scm` normally would run that `__init__.py` first, so this registers the
two parent packages as bare namespace modules and lets Python find the core modules in them.
"""

from pathlib import Path
import sys
import types

REPO = Path(__file__).resolve().parent.parent
PACKAGE_DIR = REPO / "custom_components" / "optivgi"

#: The HA-free modules, as importable names (DESIGN §1).
CORE_FILES = sorted(
    [
        *(PACKAGE_DIR / name for name in ("utils.py", "translation.py", "scm_runner.py")),
        *(PACKAGE_DIR / "scm").glob("*.py"),
    ]
)
CORE_MODULES = tuple(
    ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
    for path in CORE_FILES
    if path.is_file()
)


def register_core_packages() -> None:
    """Make `custom_components.optivgi.*` importable without running the integration's init."""
    for name, path in (
        ("custom_components", REPO / "custom_components"),
        ("custom_components.optivgi", PACKAGE_DIR),
    ):
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = [str(path)]
            sys.modules[name] = module
