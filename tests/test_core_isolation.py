"""The scheduling core (DESIGN §1) must run without Home Assistant."""

import ast
from pathlib import Path
import subprocess
import sys

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "custom_components" / "optivgi"
sys.path.insert(0, str(REPO / "scripts"))
from core_import import CORE_FILES, CORE_MODULES  # noqa: E402 - needs the path above

# Imports every core module with `homeassistant` made unimportable: any import of it, direct or
# through a third-party module, fails the run.
IMPORT_WITHOUT_HA = """
import importlib, importlib.abc, sys
sys.path.insert(0, sys.argv[1])

class BlockHomeAssistant(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "homeassistant" or name.startswith("homeassistant."):
            raise ImportError(f"the scheduling core imported {name}")
        return None

sys.meta_path.insert(0, BlockHomeAssistant())
import core_import
core_import.register_core_packages()
for name in core_import.CORE_MODULES:
    importlib.import_module(name)
print(len(core_import.CORE_MODULES))
"""


def _imported_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_files_exist() -> None:
    present = {path.relative_to(PACKAGE).as_posix() for path in CORE_FILES if path.is_file()}
    assert {"utils.py", "scm/__init__.py"} <= present
    assert len(CORE_MODULES) == len(present)


def test_no_core_source_mentions_an_import_of_homeassistant() -> None:
    offenders = {
        str(path.relative_to(REPO)): sorted(
            name
            for name in _imported_names(ast.parse(path.read_text(), str(path)))
            if name.split(".")[0] == "homeassistant"
        )
        for path in CORE_FILES
        if path.is_file()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_core_imports_with_homeassistant_blocked() -> None:
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, "-c", IMPORT_WITHOUT_HA, str(REPO / "scripts")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) == len(CORE_MODULES)


def test_the_check_catches_an_import_of_homeassistant() -> None:
    tree = ast.parse("import homeassistant.core\nfrom homeassistant import const\n")
    assert _imported_names(tree) == {"homeassistant.core", "homeassistant"}
