"""scripts/setup provisions Python itself, or says exactly what to install; scripts/develop's port.

Each setup test runs the real script, copied with its requirement files into a temporary project,
with a PATH of only the tools it needs: no python3.14 until a stand-in toolchain installer puts a
shim of this interpreter there, and a stand-in `uv` that records its arguments instead of
installing. Nothing is downloaded: the one package installed is a wheel built here.

The develop tests run the real scripts/develop in a temporary project whose `scripts/setup`,
`hass` and `scripts/demo_setup.py` are stand-ins that record what they were given.
"""

import base64
import hashlib
import itertools
import json
import os
from pathlib import Path
import shutil
import socket
import subprocess
import sys
import zipfile

import pytest

REPO = Path(__file__).resolve().parent.parent
TOOLS = ("bash", "cat", "chmod", "cut", "dirname", "sha256sum")
WHEEL = "optivgi_probe-1.0-py3-none-any.whl"


def _script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}", encoding="utf-8")
    path.chmod(0o755)
    return path


def _wheel(path: Path) -> None:
    """A minimal pure-Python wheel of the module `optivgi_probe`, as pip installs it."""
    files = {
        "optivgi_probe.py": "VALUE = 42\n",
        "optivgi_probe-1.0.dist-info/METADATA": (
            "Metadata-Version: 2.1\nName: optivgi-probe\nVersion: 1.0\n"
        ),
        "optivgi_probe-1.0.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = [
        f"{name},sha256="
        f"{base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b'=').decode()},"
        f"{len(text.encode())}"
        for name, text in files.items()
    ]
    record.append("optivgi_probe-1.0.dist-info/RECORD,,")
    files["optivgi_probe-1.0.dist-info/RECORD"] = "\n".join(record) + "\n"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)


class Project:
    """A copy of the repository's scripts/setup in a temporary project, and its environment."""

    def __init__(self, root: Path) -> None:
        self.root = root / "work" / "project"
        self.bin = root / "bin"  # where an installed python3.14 lands, first on PATH
        self.tools = root / "tools"
        self.calls = root / "installer-calls"
        self.uv_args = root / "uv-args"
        (self.root / "scripts").mkdir(parents=True)
        shutil.copy2(REPO / "scripts" / "setup", self.root / "scripts" / "setup")
        _wheel(self.root / WHEEL)
        (self.root / "requirements.txt").write_text(f"./{WHEEL}\n", encoding="utf-8")
        (self.root / "requirements_test.txt").write_text("-r requirements.txt\n", "utf-8")
        self.bin.mkdir()
        self.tools.mkdir()
        for tool in TOOLS:
            found = shutil.which(tool)
            assert found, f"{tool} is needed to run scripts/setup"
            (self.tools / tool).symlink_to(found)
        (root / "home").mkdir()
        self.env = {
            "PATH": f"{self.bin}{os.pathsep}{self.tools}",
            "HOME": str(root / "home"),
            "LC_ALL": "C",
            # pip's settings, which setup hands to uv; no machine's pip.conf gets in the way.
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_INDEX_URL": "https://index.invalid/simple",
            "PIP_EXTRA_INDEX_URL": "https://extra.invalid/a https://extra.invalid/b",
            "PIP_FIND_LINKS": "wheels",
            # uv's own setting wins over pip's.
            "UV_FIND_LINKS": "uv-wheels",
        }
        assert shutil.which("python3.14", path=self.env["PATH"]) is None

    @property
    def default_installer(self) -> Path:
        return self.root.parent / "shared" / "toolchain" / "install-python3.14"

    def installer(self, path: Path) -> None:
        """A toolchain installer that records its call and puts python3.14 on PATH."""
        shim = self.bin / "python3.14"
        _script(
            path,
            f'echo called >>"{self.calls}"\n'
            f'printf \'#!/bin/sh\\nexec "%s" "$@"\\n\' "{sys.executable}" >"{shim}"\n'
            f'chmod +x "{shim}"\n',
        )

    def uv(self, status: int) -> None:
        """A `uv` on PATH that records its arguments and exits with `status`."""
        _script(self.tools / "uv", f'printf \'%s\\n\' "$@" >"{self.uv_args}"\nexit {status}\n')

    def run(self, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - the script under test
            [str(self.root / "scripts" / "setup")],
            cwd=self.root.parent,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def installer_calls(self) -> int:
        return len(self.calls.read_text().splitlines()) if self.calls.exists() else 0

    def stamp(self) -> str:
        return (self.root / ".venv" / ".requirements.sha256").read_text().strip()

    def requirements_hash(self) -> str:
        text = b"".join(
            (self.root / name).read_bytes()
            for name in ("requirements.txt", "requirements_test.txt")
        )
        return hashlib.sha256(text).hexdigest()


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


def test_setup_runs_the_installer_beside_the_project_then_installs(project: Project) -> None:
    project.installer(project.default_installer)
    project.uv(0)

    first = project.run()
    assert first.returncode == 0, first.stderr
    assert project.installer_calls() == 1
    assert "running ../shared/toolchain/install-python3.14" in first.stderr
    venv_python = project.root / ".venv" / "bin" / "python"
    prefix = subprocess.run(  # noqa: S603 - the venv just made
        [str(venv_python), "-c", "import sys; print(sys.prefix, sys.version_info >= (3, 14, 2))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert prefix == [str(project.root / ".venv"), "True"]
    # uv installs the requirements into the venv, from pip's indexes, best match over all.
    args = project.uv_args.read_text().splitlines()
    assert args[:5] == ["pip", "install", "--quiet", "--python", str(venv_python)]
    assert args[-2:] == ["-r", "requirements_test.txt"]
    pairs = set(itertools.pairwise(args))
    assert ("--index-url", "https://index.invalid/simple") in pairs
    assert ("--extra-index-url", "https://extra.invalid/a") in pairs
    assert ("--extra-index-url", "https://extra.invalid/b") in pairs
    assert ("--index-strategy", "unsafe-best-match") in pairs
    assert "--find-links" not in args  # UV_FIND_LINKS is set
    assert project.stamp() == project.requirements_hash()

    # Again: python3.14 is there now and nothing changed, so nothing is installed.
    project.uv_args.unlink()
    again = project.run()
    assert again.returncode == 0, again.stderr
    assert project.installer_calls() == 1
    assert not project.uv_args.exists()

    # A changed requirement file installs again; when uv fails, pip does it.
    with (project.root / "requirements_test.txt").open("a", encoding="utf-8") as file:
        file.write("# changed\n")
    project.uv(2)
    changed = project.run()
    assert changed.returncode == 0, changed.stderr
    assert project.uv_args.exists()
    assert "falling back to pip" in changed.stderr
    probe = subprocess.run(  # noqa: S603 - the venv just made
        [str(venv_python), "-c", "import optivgi_probe; print(optivgi_probe.VALUE)"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.stdout.strip() == "42", probe.stderr
    assert project.stamp() == project.requirements_hash()
    assert project.installer_calls() == 1


def test_setup_without_python_or_installer_says_what_to_install(project: Project) -> None:
    result = project.run()
    assert result.returncode == 1
    assert "needs Python >= 3.14.2 as `python3.14` on PATH" in result.stderr
    assert "Found: none" in result.stderr
    assert "No toolchain installer at ../shared/toolchain/install-python3.14." in result.stderr
    assert "sudo apt install python3.14 python3.14-venv" in result.stderr
    assert "ppa:deadsnakes/ppa" in result.stderr
    assert not (project.root / ".venv").exists()


def test_a_too_old_python_runs_the_installer_and_its_failure_is_reported(
    project: Project, tmp_path: Path
) -> None:
    too_old = 'if [ "$1" = --version ]; then echo Python 3.14.1; exit 0; fi\nexit 1\n'
    _script(project.bin / "python3.14", too_old)
    installer = _script(tmp_path / "installer", f'echo called >>"{project.calls}"\nexit 3\n')

    result = project.run(OPTIVGI_PYTHON_INSTALLER=str(installer))
    assert result.returncode == 1
    assert project.installer_calls() == 1
    assert f"{installer} failed (exit 3);" in result.stderr
    assert f"Found: Python 3.14.1 at {project.bin / 'python3.14'}" in result.stderr
    assert not (project.root / ".venv").exists()


def test_an_explicit_python_is_not_replaced_by_the_installer(project: Project) -> None:
    project.installer(project.default_installer)
    missing = project.root / "no-such-python"

    result = project.run(PYTHON=str(missing))
    assert result.returncode == 1
    assert f"PYTHON={missing} is not Python >= 3.14.2." in result.stderr
    assert project.installer_calls() == 0
    assert not (project.root / ".venv").exists()


LOGIN = "Open http://127.0.0.1:PORT and log in"


class Develop:
    """A copy of scripts/develop with stand-ins for what it starts, in a temporary project."""

    def __init__(self, root: Path) -> None:
        self.root = root / "project"
        self.record = root / "record"
        self.record.mkdir()
        (self.root / "scripts").mkdir(parents=True)
        shutil.copy2(REPO / "scripts" / "develop", self.root / "scripts" / "develop")
        _script(self.root / "scripts" / "setup", f'echo called >>"{self.record}/setup"\n')
        _script(self.root / ".venv" / "bin" / "python", f'exec "{sys.executable}" "$@"\n')
        # HA stays up until the demo set-up is done, as the real one would.
        _script(
            self.root / ".venv" / "bin" / "hass",
            f'printf \'%s\\n\' "$@" >"{self.record}/hass"\n'
            f'for _ in $(seq 200); do [ -f "{self.record}/demo" ] && exit 0; sleep 0.05; done\n'
            "exit 3\n",
        )
        (self.root / "scripts" / "demo_setup.py").write_text(
            "import os, pathlib\n"
            f"pathlib.Path({str(self.record / 'demo')!r}).write_text(os.environ['OPTIVGI_PORT'])\n"
            f"print({LOGIN!r}.replace('PORT', os.environ['OPTIVGI_PORT']))\n",
            encoding="utf-8",
        )

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("OPTIVGI_")}
        return subprocess.run(  # noqa: S603 - the script under test
            [str(self.root / "scripts" / "develop"), *args],
            cwd=self.root,
            env={**environment, **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def recorded(self, name: str) -> str | None:
        path = self.record / name
        return path.read_text(encoding="utf-8") if path.exists() else None

    def stored_port(self) -> int:
        stored = json.loads((self.root / "config" / ".storage" / "http").read_text("utf-8"))
        assert stored["data"]["stable"]["server_host"] == ["127.0.0.1"]
        assert stored["data"]["pending"] is None
        return int(stored["data"]["stable"]["server_port"])


@pytest.fixture
def develop(tmp_path: Path, socket_enabled: None) -> Develop:
    """The project; sockets on, for a free port and one held taken (loopback only)."""
    return Develop(tmp_path)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_develop_help_and_a_bad_port_answer_before_any_set_up(develop: Develop) -> None:
    shown = develop.run("--help")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Usage: scripts/develop [--port PORT]")
    assert "OPTIVGI_PORT" in shown.stdout
    for args, env in (
        (["--port", "0"], {}),
        (["--port=65536"], {}),
        (["--port"], {}),
        ([], {"OPTIVGI_PORT": "http"}),
        (["--port", "8o8o"], {"OPTIVGI_PORT": "8124"}),
    ):
        refused = develop.run(*args, **env)
        assert refused.returncode == 1, (args, env)
        assert "port number (1-65535)" in refused.stderr, (args, env)
    assert develop.recorded("setup") is None  # nothing was set up, nothing started
    assert develop.recorded("hass") is None


def test_develop_serves_the_port_it_is_given_and_ends_with_the_login_line(
    develop: Develop,
) -> None:
    port = _free_port()
    started = develop.run("--port", str(port), "--skip-pip", OPTIVGI_PORT="8123")
    assert started.returncode == 0, started.stderr
    assert develop.recorded("setup") == "called\n"
    assert develop.stored_port() == port  # --port wins over OPTIVGI_PORT
    assert develop.recorded("demo") == str(port)  # the demo set-up talks to the same port
    assert develop.recorded("hass") == "-c\nconfig\n--skip-pip\n"
    assert started.stdout.splitlines()[-1] == LOGIN.replace("PORT", str(port))

    # OPTIVGI_PORT alone, on a second start: the stored port follows.
    other = _free_port()
    again = develop.run(OPTIVGI_PORT=str(other))
    assert again.returncode == 0, again.stderr
    assert develop.stored_port() == other
    assert develop.recorded("demo") == str(other)


def test_develop_refuses_a_port_in_use(develop: Develop) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = develop.run(f"--port={port}")
    assert refused.returncode == 1
    assert f"127.0.0.1:{port} is in use" in refused.stderr
    assert "scripts/develop --port 8124" in refused.stderr
    assert develop.recorded("hass") is None
