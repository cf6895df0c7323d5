"""The Dockerfile and docker-compose.production.yml, checked without a container daemon
(this machine has none): both parse, every file, command and script they name exists in
the repository, and their ports and variables agree with gunicorn.conf.py and .env.example."""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

from .files import ROOT, Stage, dockerfile, dockerignored, env_example, procfile_argv

BIN = Path(sys.executable).parent
COMPOSE = ROOT / "docker-compose.production.yml"
APP_SERVICES = ("release", "web", "worker")
INTERPOLATION = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::?[-?][^}]*)?\}")


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def service(name: str) -> dict[str, Any]:
    return compose()["services"][name]


def stages() -> dict[str, Stage]:
    return {stage.name or stage.image: stage for stage in dockerfile()}


def gunicorn_default_port() -> str:
    match = re.search(r"os\.environ\.get\('PORT', '(\d+)'\)", (ROOT / "gunicorn.conf.py").read_text())
    assert match, "gunicorn.conf.py no longer binds $PORT with a default"
    return match.group(1)


# -- Dockerfile ------------------------------------------------------------------------------

def test_dockerfile_builds_the_dashboard_in_a_node_stage():
    first, *_ = dockerfile()
    assert first.image.startswith("node:") and first.name == "dashboard"
    runs = " && ".join(i.args for i in first.all("RUN"))
    assert "npm ci" in runs and "npm run build" in runs
    workdir = first.all("WORKDIR")[-1].args
    # The build's output folder is the one vite writes (frontend/vite.config.ts: outDir 'dist').
    assert re.search(r"outDir:\s*'dist'", (ROOT / "frontend" / "vite.config.ts").read_text())
    copied = [i for stage in dockerfile()[1:] for i in stage.all("COPY") if i.flags.get("from") == "dashboard"]
    assert copied, "the runtime stage does not take the dashboard build"
    source, target = copied[0].words()
    assert source.rstrip("/") == f"{workdir}/dist" and target.rstrip("/") == "frontend/dist"
    # ...where the app looks for it by default (DASHBOARD_DIST).
    assert env_example()["DASHBOARD_DIST"] == "frontend/dist"


def test_dockerfile_runtime_is_slim_python_as_a_user():
    runtime = dockerfile()[-1]
    assert re.fullmatch(r"python:3\.\d+-slim(-\w+)?", runtime.image), runtime.image
    users = runtime.all("USER")
    assert users and users[-1].args not in ("root", "0"), "the runtime runs as root"
    user = users[-1].args.split(":")[0]
    created = any(f" {user}" in i.args and "useradd" in i.args for i in runtime.all("RUN"))
    assert created, f"user {user} is never created"
    # USER comes before the command, so the command runs as that user.
    assert users[-1].line < runtime.all("CMD")[-1].line


def test_dockerfile_copies_only_what_exists_and_is_in_the_build_context():
    for stage in dockerfile():
        for instruction in stage.all("COPY"):
            if "from" in instruction.flags:
                assert instruction.flags["from"] in stages(), f"COPY --from an unknown stage (line {instruction.line})"
                continue
            *sources, _target = instruction.words()
            for source in sources:
                path = source.rstrip("/")
                assert (ROOT / path).exists(), f"Dockerfile line {instruction.line}: {source} does not exist"
                assert not dockerignored(path), f"Dockerfile line {instruction.line}: {source} is in .dockerignore"


def test_dockerfile_ships_every_root_module_and_the_migrations():
    copied = {src.rstrip("/") for i in dockerfile()[-1].all("COPY") if "from" not in i.flags for src in i.words()[:-1]}
    root_modules = {p.name for p in ROOT.glob("*.py")}
    assert root_modules <= copied, f"not in the image: {sorted(root_modules - copied)}"
    assert {"automateos", "migrations", "setup.cfg", "pyproject.toml"} <= copied
    # setup.cfg's long description is read at install time.
    assert "README.md" in copied and "file: README.md" in (ROOT / "setup.cfg").read_text()


def test_dockerfile_installs_the_package_with_its_entry_points():
    runs = " ".join(i.args for i in dockerfile()[-1].all("RUN"))
    # Editable: the built-in nodes are registered through the package's entry points, and
    # the migrations folder is found next to the code that runs.
    assert re.search(r"pip install (-e|--editable) \.", runs)


def test_dockerfile_command_is_the_procfile_web_command():
    runtime = dockerfile()[-1]
    assert runtime.all("CMD")[-1].words() == procfile_argv("web")


def test_dockerfile_healthcheck_and_port_agree_with_gunicorn(client):
    runtime = dockerfile()[-1]
    env = dict(re.findall(r"(\w+)=(\S+)", " ".join(i.args for i in runtime.all("ENV"))))
    port = gunicorn_default_port()
    assert env["PORT"] == port == env_example()["PORT"]
    assert [i.args for i in runtime.all("EXPOSE")] == [port]
    check = runtime.all("HEALTHCHECK")[-1].args
    assert "CMD" in check and "/healthz" in check and "'PORT', '8000'" in check
    assert client.get("/healthz").status_code == 200
    assert env["PROMETHEUS_MULTIPROC_DIR"] and "PROMETHEUS_MULTIPROC_DIR" in env_example()
    assert env["AUTOMATEOS_ENV"] == "production"


def test_dockerignore_keeps_secrets_and_local_state_out():
    for path in (".env", ".env.production", ".git/HEAD", ".venv/bin/python", "frontend/node_modules/react/index.js",
                 "instance/automateos.db", "automateos/__pycache__/x.pyc", "frontend/dist/index.html"):
        assert dockerignored(path), f"{path} would be sent to the image build"
    for path in ("automateos/__init__.py", "frontend/src/main.tsx", "frontend/package-lock.json", "README.md",
                 "migrations/env.py"):
        assert not dockerignored(path), f"{path} is needed by the build but ignored"


# -- docker-compose.production.yml ---------------------------------------------------------

def test_compose_has_the_services_and_their_order():
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "release", "web", "worker"}
    for name in ("web", "worker"):
        depends = services[name]["depends_on"]
        assert depends["release"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
    release = services["release"]["depends_on"]
    assert release["postgres"]["condition"] == release["redis"]["condition"] == "service_healthy"
    assert services["release"]["restart"] == "no"


def test_compose_app_services_run_the_procfile_commands_from_this_dockerfile():
    for name, process in (("release", "release"), ("web", "web"), ("worker", "worker")):
        spec = service(name)
        assert spec["command"] == procfile_argv(process), name
        assert spec["build"]["context"] == "." and (ROOT / spec["build"]["dockerfile"]).is_file()
        for executable in spec["command"][:1]:
            assert shutil.which(executable, path=str(BIN)), f"{executable} is not installed by the package"


def test_compose_worker_scales_and_stops_gracefully():
    worker = service("worker")
    assert isinstance(worker["deploy"]["replicas"], int) and worker["deploy"]["replicas"] >= 1
    assert worker["healthcheck"] == {"disable": True}  # the image's check is the web's /healthz
    argv = worker["command"]
    shutdown_ms = int(argv[argv.index("--worker-shutdown-timeout") + 1])
    assert int(worker["stop_grace_period"].removesuffix("s")) * 1000 > shutdown_ms
    assert "ports" not in worker


def test_compose_postgres_keeps_its_data_and_reports_health():
    postgres = service("postgres")
    assert any(v.endswith(":/var/lib/postgresql/data") and not v.startswith((".", "/")) for v in postgres["volumes"])
    assert postgres["volumes"][0].split(":")[0] in compose()["volumes"]
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    env = postgres["environment"]
    url = service("web")["environment"]["DATABASE_URL"]
    assert url.startswith(f"postgresql://{env['POSTGRES_USER']}:") and url.endswith(f"@postgres:5432/{env['POSTGRES_DB']}")


def test_compose_redis_runs_the_shipped_config_with_a_password():
    redis = service("redis")
    mounts = {v.split(":")[1]: v.split(":")[0] for v in redis["volumes"]}
    command = redis["command"]
    assert command[0] == "redis-server"
    config_path = command[1]
    assert mounts[config_path] == "./redis.conf" and (ROOT / "redis.conf").is_file()
    assert command[2] == "--requirepass" and INTERPOLATION.fullmatch(command[3]).group(1) == "REDIS_PASSWORD"
    data_dir = re.search(r"^dir (\S+)$", (ROOT / "redis.conf").read_text(), re.M).group(1)
    assert mounts[data_dir] in compose()["volumes"], "Redis' AOF would be lost with the container"
    assert "REDIS_PASSWORD" in service("web")["environment"]["REDIS_URL"]
    assert redis["healthcheck"]["test"][:2] == ["CMD", "redis-cli"]


def test_compose_ports_agree_with_gunicorn():
    web = service("web")
    port = gunicorn_default_port()
    assert web["environment"]["PORT"] == port
    published = [p.rsplit(":", 1)[1] for p in web["ports"]]
    assert published == [port]


def test_compose_variables_are_documented_in_env_example():
    documented = env_example()
    used = set(INTERPOLATION.findall(COMPOSE.read_text()))
    assert used, "no ${VARIABLE} found: the pattern is broken"
    assert not used - set(documented), f"compose uses undocumented variables: {sorted(used - set(documented))}"
    for name in APP_SERVICES:
        env = service(name)["environment"]
        unknown = set(env) - set(documented)
        assert not unknown, f"{name} sets variables .env.example does not list: {sorted(unknown)}"


def test_compose_metrics_folder_is_shared_by_web_and_worker():
    web, worker = service("web"), service("worker")
    folder = web["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert worker["environment"]["PROMETHEUS_MULTIPROC_DIR"] == folder
    for spec in (web, worker):
        assert any(v.split(":")[1] == folder and v.split(":")[0] in compose()["volumes"] for v in spec["volumes"])

