"""deploy/stack.py itself, on its own ports and state directory: `up` is idempotent,
`down` stops exactly what `up` started (the servers' own pids, ports free afterwards),
a port held by someone else is refused, and `clean` leaves no data behind."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from rcm_shared.testing.fixtures import REPO, stack_script

STACK = [sys.executable, str(REPO / "deploy" / "stack.py")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*STACK, *args], env=env, capture_output=True, text=True, timeout=240, check=False
    )


def test_up_down_clean_on_private_ports(tmp_path: Path) -> None:
    state = tmp_path / "state"
    ports = {
        "RCM_PG_PORT": free_port(),
        "RCM_KAFKA_PORT": free_port(),
        "RCM_KAFKA_CONTROLLER_PORT": free_port(),
    }
    env = {**os.environ, "RCM_STATE_DIR": str(state), **{k: str(v) for k, v in ports.items()}}

    # Someone else's listener on the PostgreSQL port: refused, with the variable to change.
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports["RCM_PG_PORT"]))
        squatter.listen()
        refused = run(env, "up", "--infra-only")
    assert refused.returncode != 0
    assert "RCM_PG_PORT" in refused.stderr

    tag = hashlib.sha1(str(state).encode()).hexdigest()[:10]
    try:
        first = run(env, "up", "--infra-only")
        assert first.returncode == 0, first.stdout + first.stderr
        pids = {
            name: int((state / "run" / f"{name}.pid").read_text()) for name in ("postgres", "kafka")
        }
        assert all(alive(pid) for pid in pids.values())
        if os.geteuid() == 0:
            assert (Path("/var/tmp") / f"rcm-pg-{tag}" / "data" / "PG_VERSION").exists()
        assert all(listening(port) for port in ports.values())

        again = run(env, "up", "--infra-only")
        assert again.returncode == 0, again.stdout + again.stderr
        assert {name: int((state / "run" / f"{name}.pid").read_text()) for name in pids} == pids, (
            "a second up must not start anything"
        )
        assert run(env, "infra-running").returncode == 0
        status = json.loads(run(env, "status").stdout)
        assert status["postgres"].startswith("running") and status["kafka"].startswith("running")
        assert status["claims"] == "stopped"

        down = run(env, "down")
        assert down.returncode == 0, down.stdout + down.stderr
        assert "killing" not in down.stdout, "a server ignored its stop signal"
        assert not any(alive(pid) for pid in pids.values())
        assert not any(listening(port) for port in ports.values())
        assert run(env, "infra-running").returncode == 1
    finally:
        for pid_file in (state / "run").glob("*.pid") if (state / "run").exists() else []:
            pid = int(pid_file.read_text())
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        cleaned = run(env, "clean")
    assert cleaned.returncode == 0
    assert not state.exists()
    # pytest's tmp dirs are 0700, so as root the data lived in the /var/tmp fallback
    assert not (Path("/var/tmp") / f"rcm-pg-{tag}").exists()


def test_kraft_cluster_ids_never_start_with_a_dash() -> None:
    """The storage tool reads an id that starts with "-" as an option and refuses to
    format: 1 in 64 random ids did, and failed a CI run."""
    stack = stack_script()
    ids = [stack.kraft_cluster_id() for _ in range(2000)]
    assert not any(i.startswith("-") for i in ids)
    assert all(len(i) == 22 for i in ids) and len(set(ids)) == len(ids)
