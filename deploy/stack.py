"""Local stack without Docker: PostgreSQL 15, one Apache Kafka broker (KRaft), the four
services and the clearinghouse/payer sandbox (deploy/sandbox), each a child process with a
pid file under the state directory.

    python deploy/stack.py up [--infra-only]   install what is missing, start, wait until ready
    python deploy/stack.py down                stop what this script started (by pid)
    python deploy/stack.py status | logs [NAME]

Every port and path can be overridden by an environment variable (see Config). Runs under
`uv run` so that the readiness probe can use aiokafka; everything else is the standard
library, the JDK, Maven and the PostgreSQL server binaries.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SERVICES = {
    "eligibility": 8001,
    "claims": 8002,
    "remittance": 8003,
    "denials": 8004,
    "patients": 8005,
}
# The stand-in for the clearinghouse and payers: not a service, but started beside them.
SANDBOX = "sandbox"
SANDBOX_PORT = 8010
CONSOLE = "console"  # the biller console (console/): web pages over the services' APIs
CONSOLE_PORT = 8020
HEALTH_TOPIC = "rcm.healthcheck"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class Config:
    state: Path = field(
        default_factory=lambda: Path(os.environ.get("RCM_STATE_DIR", REPO / ".cache" / "stack"))
    )
    kafka_lib: Path = field(
        default_factory=lambda: Path(
            os.environ.get("RCM_KAFKA_LIB", REPO / ".cache" / "kafka" / "lib")
        )
    )
    pg_port: int = field(default_factory=lambda: _env_int("RCM_PG_PORT", 55432))
    kafka_port: int = field(default_factory=lambda: _env_int("RCM_KAFKA_PORT", 59092))
    controller_port: int = field(
        default_factory=lambda: _env_int("RCM_KAFKA_CONTROLLER_PORT", 59093)
    )
    kafka_heap: str = field(default_factory=lambda: os.environ.get("RCM_KAFKA_HEAP", "512m"))

    def service_port(self, name: str) -> int:
        default = {SANDBOX: SANDBOX_PORT, CONSOLE: CONSOLE_PORT}.get(name) or SERVICES[name]
        return _env_int(f"RCM_{name.upper()}_PORT", default)

    @property
    def pg_dir(self) -> Path:
        return self.state / "postgres"

    @property
    def kafka_dir(self) -> Path:
        return self.state / "kafka"

    @property
    def run_dir(self) -> Path:
        return self.state / "run"

    @property
    def log_dir(self) -> Path:
        return self.state / "logs"


def say(msg: str) -> None:
    print(f"[stack] {msg}", flush=True)


def fail(msg: str) -> None:
    print(f"[stack] ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


# ---------------------------------------------------------------- prerequisites


def pg_bindir() -> Path | None:
    if env := os.environ.get("RCM_PG_BINDIR"):
        return Path(env)
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for c in candidates:
        if (c / "initdb").exists() and (c / "pg_ctl").exists():
            return c
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def check_prerequisites() -> Path:
    problems = []
    java = shutil.which("java")
    if not java:
        problems.append("Java 17+ is missing: apt-get install -y openjdk-17-jre-headless")
    else:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
        major = out.split('"')[1].split(".")[0] if '"' in out else "0"
        if not major.isdigit() or int(major) < 17:
            problems.append(
                f"Java 17+ needed, found {major}: apt-get install -y openjdk-17-jre-headless"
            )
    if not shutil.which("mvn"):
        problems.append("Maven is missing: apt-get install -y maven")
    bindir = pg_bindir()
    if bindir is None:
        problems.append(
            "PostgreSQL 15 server binaries are missing: apt-get install -y postgresql-15 "
            "(or set RCM_PG_BINDIR to the folder holding initdb and pg_ctl)"
        )
    if problems:
        fail("missing prerequisites:\n  " + "\n  ".join(problems))
    assert bindir is not None
    return bindir


def ensure_kafka_classpath(cfg: Config) -> None:
    pom = REPO / "deploy" / "kafka" / "pom.xml"
    stamp = cfg.kafka_lib / ".pom.sha256"
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say("fetching the Kafka broker classpath from Maven Central (once)")
    if cfg.kafka_lib.exists():
        shutil.rmtree(cfg.kafka_lib)
    cfg.kafka_lib.mkdir(parents=True)
    subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            f"-Dkafka.lib={cfg.kafka_lib}",
        ],
        check=True,
    )
    stamp.write_text(digest)


# ---------------------------------------------------------------- process helpers


def pid_file(cfg: Config, name: str) -> Path:
    return cfg.run_dir / f"{name}.pid"


def read_pid(cfg: Config, name: str) -> int | None:
    path = pid_file(cfg, name)
    if not path.exists():
        return None
    try:
        pid = int(path.read_text().strip())
    except ValueError:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        path.unlink(missing_ok=True)
        return None
    except PermissionError:
        return pid
    return pid


def spawn(
    cfg: Config,
    name: str,
    argv: list[str],
    env: dict[str, str] | None = None,
    user: str | None = None,
) -> int:
    cfg.log_dir.mkdir(parents=True, exist_ok=True)
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    log = open(cfg.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
    # user=/group= switch identity in the child itself (no runuser/su wrapper), so the pid
    # we record is the server's own and our signals reach it.
    proc = subprocess.Popen(
        argv,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        start_new_session=True,
        cwd=REPO if user is None else "/",
        user=user,
        group=user,
    )
    pid_file(cfg, name).write_text(str(proc.pid))
    return proc.pid


def stop_pid(
    cfg: Config, name: str, timeout: float = 30.0, sig: signal.Signals = signal.SIGTERM
) -> None:
    pid = read_pid(cfg, name)
    if pid is None:
        return
    say(f"stopping {name} (pid {pid})")
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        # reap our own child if it is one (when started in this same process)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    else:
        say(f"{name} did not stop in {timeout:.0f}s; killing pid {pid}")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    pid_file(cfg, name).unlink(missing_ok=True)


# ---------------------------------------------------------------- PostgreSQL


def pg_user() -> str | None:
    """initdb refuses to run as root: run the server as an unprivileged OS user."""
    return os.environ.get("RCM_PG_OS_USER", "postgres") if os.geteuid() == 0 else None


def pg_data_dir(cfg: Config) -> Path:
    """The project-local data dir, unless the unprivileged user cannot reach it (a clone
    under a 0700 temp dir): then a per-checkout directory under /var/tmp."""
    user = pg_user()
    local = cfg.pg_dir / "data"
    if user is None or os.environ.get("RCM_PG_DATA"):
        return Path(os.environ.get("RCM_PG_DATA", local))
    cfg.pg_dir.mkdir(parents=True, exist_ok=True)
    probe = subprocess.run(["test", "-x", str(cfg.pg_dir)], check=False, user=user, group=user)
    if probe.returncode == 0:
        return local
    tag = hashlib.sha1(str(cfg.state).encode()).hexdigest()[:10]  # noqa: S324 - a name, not security
    return Path("/var/tmp") / f"rcm-pg-{tag}" / "data"


def superuser_password(cfg: Config) -> str:
    path = cfg.state / "pg-superuser-password"
    if not path.exists():
        cfg.state.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def service_db_password(name: str) -> str:
    return os.environ.get(f"RCM_{name.upper()}_DB_PASSWORD", f"rcm_{name}_dev")


def psql(cfg: Config, bindir: Path, sql: str, db: str = "postgres") -> str:
    out = subprocess.run(
        [
            str(bindir / "psql"),
            "-X",
            "-q",
            "-t",
            "-A",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(cfg.pg_port),
            "-U",
            "postgres",
            "-d",
            db,
            "-c",
            sql,
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PGPASSWORD": superuser_password(cfg)},
    )
    if out.returncode != 0:
        fail(f"psql failed: {out.stderr.strip()}")
    return out.stdout.strip()


def port_busy(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def require_free(port: int, what: str, env_name: str) -> None:
    if port_busy(port):
        fail(
            f"port {port} for {what} is taken by a process this script did not start; "
            f"stop it or choose another port with {env_name}=..."
        )


def pg_start(cfg: Config, bindir: Path) -> None:
    data = pg_data_dir(cfg)
    user = pg_user()
    if not (data / "PG_VERSION").exists():
        say(f"initialising PostgreSQL cluster in {data}")
        data.mkdir(parents=True, exist_ok=True)
        pwfile = data.parent / "pwfile"
        pwfile.write_text(superuser_password(cfg) + "\n")
        if user:
            shutil.chown(data.parent, user)
            shutil.chown(data, user)
            shutil.chown(pwfile, user)
        data.chmod(0o700)
        cmd = [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--pwfile",
            str(pwfile),
            "--auth-local=scram-sha-256",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, user=user, group=user, cwd="/")
        pwfile.unlink()
    if read_pid(cfg, "postgres"):
        return
    postmaster_pid = data / "postmaster.pid"
    if postmaster_pid.exists():
        # a server from an earlier `up` of this same checkout: adopt it if alive
        pid = int(postmaster_pid.read_text().splitlines()[0])
        try:
            os.kill(pid, 0)
            cfg.run_dir.mkdir(parents=True, exist_ok=True)
            pid_file(cfg, "postgres").write_text(str(pid))
            return
        except ProcessLookupError:
            pass
    require_free(cfg.pg_port, "PostgreSQL", "RCM_PG_PORT")
    say(f"starting PostgreSQL on 127.0.0.1:{cfg.pg_port}")
    argv = [
        str(bindir / "postgres"),
        "-D",
        str(data),
        "-p",
        str(cfg.pg_port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=",
        "-c",
        "max_connections=300",
        # Sized for a day of intake on a developer machine: with 256MB and 1GB of WAL,
        # benchmarks and the test suite forced a checkpoint every few minutes and left
        # backends writing dirty pages themselves (request stalls of up to a second).
        "-c",
        "shared_buffers=1GB",
        "-c",
        "max_wal_size=4GB",
        "-c",
        "checkpoint_timeout=15min",
        "-c",
        "log_min_messages=warning",
    ]
    spawn(cfg, "postgres", argv, user=user)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready = subprocess.run(
            [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(cfg.pg_port), "-q"],
            check=False,
        )
        if ready.returncode == 0:
            return
        if read_pid(cfg, "postgres") is None:
            fail(f"PostgreSQL exited; see {cfg.log_dir / 'postgres.log'}")
        time.sleep(0.3)
    fail("PostgreSQL did not become ready in 60s")


def pg_provision(cfg: Config, bindir: Path) -> None:
    """One login role and one database per service (plus a _test twin); a role can connect
    only to its own databases."""
    for name in SERVICES:
        role = f"rcm_{name}"
        pw = service_db_password(name).replace("'", "''")
        exists = psql(cfg, bindir, f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'")
        verb = "ALTER" if exists else "CREATE"
        psql(cfg, bindir, f"{verb} ROLE {role} LOGIN PASSWORD '{pw}'")
        for db in (role, f"{role}_test"):
            if not psql(cfg, bindir, f"SELECT 1 FROM pg_database WHERE datname = '{db}'"):
                psql(cfg, bindir, f"CREATE DATABASE {db} OWNER {role}")
            psql(cfg, bindir, f"REVOKE ALL ON DATABASE {db} FROM PUBLIC")
            psql(cfg, bindir, f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {role}")


# ---------------------------------------------------------------- Kafka


def kafka_java(cfg: Config) -> list[str]:
    return [
        "java",
        f"-Xmx{cfg.kafka_heap}",
        "-Xms128m",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={cfg.kafka_dir / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={cfg.log_dir}",
        "-cp",
        f"{cfg.kafka_lib}/*",
    ]


def kafka_write_config(cfg: Config) -> Path:
    cfg.kafka_dir.mkdir(parents=True, exist_ok=True)
    props = cfg.kafka_dir / "server.properties"
    props.write_text(
        "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@127.0.0.1:{cfg.controller_port}",
                f"listeners=PLAINTEXT://127.0.0.1:{cfg.kafka_port},"
                f"CONTROLLER://127.0.0.1:{cfg.controller_port}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{cfg.kafka_port}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                f"log.dirs={cfg.kafka_dir / 'data'}",
                "num.partitions=3",
                "auto.create.topics.enable=true",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=10",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "log.retention.hours=168",
                "",
            ]
        )
    )
    (cfg.kafka_dir / "log4j2.properties").write_text(
        "\n".join(
            [
                "appender.file.type=File",
                "appender.file.name=file",
                f"appender.file.fileName={cfg.log_dir / 'kafka-server.log'}",
                "appender.file.layout.type=PatternLayout",
                "appender.file.layout.pattern=[%d] %p %m (%c)%n",
                "rootLogger.level=INFO",
                "rootLogger.appenderRef.file.ref=file",
                "logger.kafka.name=kafka",
                "logger.kafka.level=WARN",
                "logger.apache.name=org.apache.kafka",
                "logger.apache.level=WARN",
                "",
            ]
        )
    )
    return props


def kraft_cluster_id() -> str:
    """A random KRaft cluster id (22 base64url characters). One that starts with "-" reads
    as an option to the storage tool (1 in 64 of them); Kafka's own ids avoid it too."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster_id.startswith("-"):
            return cluster_id


def kafka_start(cfg: Config) -> None:
    if read_pid(cfg, "kafka"):
        return
    require_free(cfg.kafka_port, "Kafka", "RCM_KAFKA_PORT")
    require_free(cfg.controller_port, "the Kafka controller", "RCM_KAFKA_CONTROLLER_PORT")
    props = kafka_write_config(cfg)
    if not (cfg.kafka_dir / "data" / "meta.properties").exists():
        cluster_id = kraft_cluster_id()
        say("formatting KRaft storage")
        subprocess.run(
            [
                *kafka_java(cfg),
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(props),
                "--ignore-formatted",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    say(f"starting Kafka on 127.0.0.1:{cfg.kafka_port}")
    spawn(cfg, "kafka", [*kafka_java(cfg), "kafka.Kafka", str(props)])


async def _kafka_probe(bootstrap: str, create: bool) -> None:
    import logging

    from aiokafka import AIOKafkaProducer
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    # connection refusals while the broker boots are expected; the deadline reports failure
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        from rcm_shared.messaging.topology import all_topics

        existing = set(await admin.list_topics())
        wanted = all_topics() if create else {}
        wanted[HEALTH_TOPIC] = 1
        missing = [NewTopic(t, n, 1) for t, n in wanted.items() if t not in existing]
        if missing:
            await admin.create_topics(missing)
    finally:
        await admin.close()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, request_timeout_ms=5000
    )
    await producer.start()
    try:
        await producer.send_and_wait(HEALTH_TOPIC, b"ping")
    finally:
        await producer.stop()


def kafka_wait_ready(cfg: Config) -> None:
    bootstrap = f"127.0.0.1:{cfg.kafka_port}"
    deadline = time.monotonic() + 120
    last = ""
    while time.monotonic() < deadline:
        if read_pid(cfg, "kafka") is None:
            fail(f"Kafka exited; see {cfg.log_dir / 'kafka.log'} and kafka-server.log")
        try:
            asyncio.run(asyncio.wait_for(_kafka_probe(bootstrap, create=True), 20))
            return
        except Exception as exc:
            last = repr(exc)
            time.sleep(1)
    fail(f"Kafka did not become ready in 120s: {last}")


# ---------------------------------------------------------------- services


def service_env(cfg: Config, name: str) -> dict[str, str]:
    prefix = f"RCM_{name.upper()}_"
    return {
        f"{prefix}DATABASE_URL": (
            f"postgresql+asyncpg://rcm_{name}:{service_db_password(name)}"
            f"@127.0.0.1:{cfg.pg_port}/rcm_{name}"
        ),
        f"{prefix}KAFKA_BOOTSTRAP": f"127.0.0.1:{cfg.kafka_port}",
        f"{prefix}PORT": str(cfg.service_port(name)),
        # the clearinghouse mailbox folders (837s out; 999s/277CAs in, one folder per tenant)
        **(
            {
                "RCM_CLAIMS_OUTBOUND_DIR": str(cfg.state / "clearinghouse" / "outbound"),
                "RCM_CLAIMS_INBOUND_DIR": str(cfg.state / "clearinghouse" / "inbound"),
                # claim status (276 out, 277 back) in real time from the sandbox
                "RCM_CLAIMS_STATUS_URL": f"http://127.0.0.1:{cfg.service_port(SANDBOX)}/276",
            }
            if name == "claims"
            else {}
        ),
        # 835s from the clearinghouse, one folder per tenant
        **(
            {"RCM_REMITTANCE_INBOUND_DIR": str(cfg.state / "clearinghouse" / "remittance")}
            if name == "remittance"
            else {}
        ),
        # 270s go to the sandbox payer, which answers with the 271
        **(
            {"RCM_ELIGIBILITY_PAYER_URL": f"http://127.0.0.1:{cfg.service_port(SANDBOX)}/270"}
            if name == "eligibility"
            else {}
        ),
    }


def sandbox_env(cfg: Config) -> dict[str, str]:
    """The sandbox reads the claims service's outbound folder and writes into its inbound
    folder and the remittance service's, as a clearinghouse's mailbox would."""
    mailbox = cfg.state / "clearinghouse"
    return {
        "RCM_SANDBOX_PORT": str(cfg.service_port(SANDBOX)),
        "RCM_SANDBOX_DATA_DIR": str(cfg.state / "sandbox"),
        "RCM_SANDBOX_OUTBOUND_DIR": str(mailbox / "outbound"),
        "RCM_SANDBOX_INBOUND_DIR": str(mailbox / "inbound"),
        "RCM_SANDBOX_REMITTANCE_DIR": str(mailbox / "remittance"),
    }


def sandbox_start(cfg: Config) -> None:
    if read_pid(cfg, SANDBOX):
        return
    require_free(cfg.service_port(SANDBOX), "the sandbox", "RCM_SANDBOX_PORT")
    say(f"starting the clearinghouse/payer sandbox on 127.0.0.1:{cfg.service_port(SANDBOX)}")
    # `-m deploy.sandbox` resolves from the repository root, spawn's working directory.
    spawn(cfg, SANDBOX, [sys.executable, "-m", "deploy.sandbox", "serve"], env=sandbox_env(cfg))


def console_env(cfg: Config) -> dict[str, str]:
    env = {"RCM_CONSOLE_PORT": str(cfg.service_port(CONSOLE))}
    for name in SERVICES:
        env[f"RCM_CONSOLE_{name.upper()}_URL"] = f"http://127.0.0.1:{cfg.service_port(name)}"
    return env


def console_start(cfg: Config) -> None:
    if read_pid(cfg, CONSOLE):
        return
    require_free(cfg.service_port(CONSOLE), "the console", "RCM_CONSOLE_PORT")
    say(f"starting the biller console on 127.0.0.1:{cfg.service_port(CONSOLE)}")
    spawn(cfg, CONSOLE, [sys.executable, "-m", "rcm_console"], env=console_env(cfg))


def service_start(cfg: Config, name: str) -> None:
    if read_pid(cfg, name):
        return
    require_free(cfg.service_port(name), name, f"RCM_{name.upper()}_PORT")
    say(f"starting {name} on 127.0.0.1:{cfg.service_port(name)}")
    spawn(cfg, name, [sys.executable, "-m", f"rcm_{name}", "serve"], env=service_env(cfg, name))


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:  # noqa: S310 - loopback only
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def services_wait_ready(cfg: Config, names: list[str]) -> None:
    deadline = time.monotonic() + 120
    pending = set(names)
    while pending and time.monotonic() < deadline:
        for name in sorted(pending):
            if read_pid(cfg, name) is None:
                fail(f"{name} exited; see {cfg.log_dir / (name + '.log')}")
            if http_status(f"http://127.0.0.1:{cfg.service_port(name)}/readyz") == 200:
                say(f"{name} ready")
                pending.discard(name)
        time.sleep(0.5)
    if pending:
        fail(f"not ready after 120s: {', '.join(sorted(pending))}")


# ---------------------------------------------------------------- commands


def cmd_up(cfg: Config, infra_only: bool) -> None:
    started = time.monotonic()
    bindir = check_prerequisites()
    ensure_kafka_classpath(cfg)
    pg_start(cfg, bindir)
    pg_provision(cfg, bindir)
    kafka_start(cfg)
    kafka_wait_ready(cfg)
    say(f"PostgreSQL 127.0.0.1:{cfg.pg_port} and Kafka 127.0.0.1:{cfg.kafka_port} ready")
    if not infra_only:
        sandbox_start(cfg)
        for name in SERVICES:
            service_start(cfg, name)
        console_start(cfg)
        services_wait_ready(cfg, [SANDBOX, *SERVICES, CONSOLE])
    write_env_file(cfg)
    say(f"up in {time.monotonic() - started:.1f}s")
    if not infra_only:
        welcome(cfg)


def welcome(cfg: Config) -> None:
    from rcm_shared.auth import mint_token
    from rcm_shared.settings import DEV_JWT_SECRET

    token = mint_token(os.environ.get("RCM_JWT_SECRET", DEV_JWT_SECRET), "demo", subject="make-up")
    print("\nServices (OpenAPI docs):")
    for name in SERVICES:
        print(f"  {name:<12} http://127.0.0.1:{cfg.service_port(name)}/docs")
    print(f"  {'sandbox':<12} http://127.0.0.1:{cfg.service_port(SANDBOX)}/docs")
    print(f"\nBiller console: http://127.0.0.1:{cfg.service_port(CONSOLE)}/ (sign in with a token)")
    print(f"\nKafka 127.0.0.1:{cfg.kafka_port}   PostgreSQL 127.0.0.1:{cfg.pg_port}")
    print("\nA token for tenant 'demo' with every scope (12 hours):")
    print(f"  export TOKEN={token}")
    print(
        f'  curl -H "Authorization: Bearer $TOKEN" '
        f"http://127.0.0.1:{cfg.service_port('claims')}/v1/clinics"
    )
    print("\nStop everything with: make down\n")


def write_env_file(cfg: Config) -> None:
    """What tests and tools need to find the stack, as KEY=VALUE lines."""
    lines = [f"RCM_PG_PORT={cfg.pg_port}", f"RCM_KAFKA_BOOTSTRAP=127.0.0.1:{cfg.kafka_port}"]
    for name in SERVICES:
        lines += [f"{k}={v}" for k, v in service_env(cfg, name).items()]
    lines += [f"{k}={v}" for k, v in sandbox_env(cfg).items()]
    (cfg.state / "stack.env").write_text("\n".join(lines) + "\n")


def cmd_down(cfg: Config) -> None:
    for name in [CONSOLE, *SERVICES, SANDBOX]:
        stop_pid(cfg, name)
    stop_pid(cfg, "kafka", timeout=60)
    # SIGINT is PostgreSQL's "fast" shutdown: it does not wait for clients to leave
    stop_pid(cfg, "postgres", timeout=60, sig=signal.SIGINT)
    say("down")


def cmd_clean(cfg: Config) -> None:
    """Stop, then delete every file the stack wrote (databases, Kafka logs, pid files)."""
    cmd_down(cfg)
    data = pg_data_dir(cfg)
    if data.parent.name.startswith("rcm-pg-") and data.parent.parent == Path("/var/tmp"):
        shutil.rmtree(data.parent, ignore_errors=True)
    shutil.rmtree(cfg.state, ignore_errors=True)
    say(f"removed {cfg.state}")


def cmd_status(cfg: Config) -> int:
    rows = {}
    for name in ["postgres", "kafka", *SERVICES, SANDBOX, CONSOLE]:
        pid = read_pid(cfg, name)
        state = f"running (pid {pid})" if pid else "stopped"
        if pid and (name in SERVICES or name in (SANDBOX, CONSOLE)):
            code = http_status(f"http://127.0.0.1:{cfg.service_port(name)}/readyz")
            state += " ready" if code == 200 else f" not ready ({code})"
        rows[name] = state
    print(json.dumps(rows, indent=2))
    return 0 if all("running" in v for v in rows.values()) else 1


def cmd_logs(cfg: Config, name: str | None, lines: int) -> None:
    files = [cfg.log_dir / f"{name}.log"] if name else sorted(cfg.log_dir.glob("*.log"))
    for f in files:
        if f.exists():
            print(f"==> {f} <==")
            print("\n".join(f.read_text(errors="replace").splitlines()[-lines:]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up")
    up.add_argument(
        "--infra-only", action="store_true", help="PostgreSQL and Kafka only, no services"
    )
    sub.add_parser("down")
    sub.add_parser("clean", help="stop and delete all data the stack wrote")
    sub.add_parser("status")
    sub.add_parser("infra-running", help="exit 0 when PostgreSQL and Kafka run")
    logs = sub.add_parser("logs")
    logs.add_argument("name", nargs="?")
    logs.add_argument("-n", type=int, default=50)
    args = parser.parse_args()
    cfg = Config()
    if args.cmd == "up":
        cmd_up(cfg, args.infra_only)
    elif args.cmd == "down":
        cmd_down(cfg)
    elif args.cmd == "clean":
        cmd_clean(cfg)
    elif args.cmd == "infra-running":
        sys.exit(0 if read_pid(cfg, "postgres") and read_pid(cfg, "kafka") else 1)
    elif args.cmd == "status":
        sys.exit(cmd_status(cfg))
    elif args.cmd == "logs":
        cmd_logs(cfg, args.name, args.n)


if __name__ == "__main__":
    main()
