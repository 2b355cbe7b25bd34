"""deploy/stack.py and the sandbox: the services are pointed at it, its mailbox folders are
the services' own, and it runs as one more child process with a pid file and its own port,
which `down` stops."""

from __future__ import annotations

import os
import signal
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from rcm_shared.testing.fixtures import stack_script


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_services_and_sandbox_share_the_mailboxes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RCM_SANDBOX_PORT", "18010")
    stack = stack_script()
    cfg = stack.Config(state=tmp_path)
    eligibility = stack.service_env(cfg, "eligibility")
    claims = stack.service_env(cfg, "claims")
    remittance = stack.service_env(cfg, "remittance")
    sandbox = stack.sandbox_env(cfg)
    assert eligibility["RCM_ELIGIBILITY_PAYER_URL"] == "http://127.0.0.1:18010/270"
    assert sandbox["RCM_SANDBOX_OUTBOUND_DIR"] == claims["RCM_CLAIMS_OUTBOUND_DIR"]
    assert sandbox["RCM_SANDBOX_INBOUND_DIR"] == claims["RCM_CLAIMS_INBOUND_DIR"]
    assert sandbox["RCM_SANDBOX_REMITTANCE_DIR"] == remittance["RCM_REMITTANCE_INBOUND_DIR"]
    assert sandbox["RCM_SANDBOX_PORT"] == "18010"


def test_sandbox_process_starts_is_ready_and_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("RCM_SANDBOX_PORT", str(port))
    stack = stack_script()
    cfg = stack.Config(state=tmp_path)
    try:
        stack.sandbox_start(cfg)
        pid = int((tmp_path / "run" / "sandbox.pid").read_text())
        stack.services_wait_ready(cfg, ["sandbox"])
        stack.sandbox_start(cfg)  # already running: nothing new
        assert int((tmp_path / "run" / "sandbox.pid").read_text()) == pid
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as resp:
            assert resp.status == 200
        stack.stop_pid(cfg, "sandbox", timeout=20)
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        assert not (tmp_path / "run" / "sandbox.pid").exists()
    finally:
        pid_file = tmp_path / "run" / "sandbox.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
            time.sleep(0.2)
