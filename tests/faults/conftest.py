"""The fault tier's own stack: PostgreSQL, Kafka, the four services and the sandbox as real
processes (deploy/stack.py, as `make up` starts them) on free ports and in a state folder
of their own, so that killing the broker or restarting the database touches nothing else
the suite runs. Started once for the tier, stopped by pid at its end."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from rcm_shared.testing.fixtures import REPO, RUN_ID, free_listen_port, stack_script

if str(REPO) not in sys.path:  # deploy/ is not an installed package
    sys.path.insert(0, str(REPO))

TIMES: list[tuple[str, float]] = []  # (case, seconds from the fault to consistency)


class FaultStack:
    def __init__(self, stack: ModuleType, cfg: Any) -> None:
        self.stack, self.cfg = stack, cfg

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.cfg.service_port(name)}"

    def database_dsn(self, name: str) -> str:
        password = self.stack.service_db_password(name)
        return f"postgresql://rcm_{name}:{password}@127.0.0.1:{self.cfg.pg_port}/rcm_{name}"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.cfg.kafka_port}"


@pytest.fixture(scope="session")
def fault_stack() -> Iterator[FaultStack]:
    # every process the stack starts gets its own port (patients and the console too, or
    # they would take the defaults of a stack that may be up beside the tests)
    names = ["eligibility", "claims", "remittance", "denials", "patients", "sandbox", "console"]
    ports: list[int] = []
    while len(ports) < len(names) + 3:
        if (port := free_listen_port()) not in ports:
            ports.append(port)
    settings = {
        "RCM_PG_PORT": str(ports[0]),
        "RCM_KAFKA_PORT": str(ports[1]),
        "RCM_KAFKA_CONTROLLER_PORT": str(ports[2]),
        **{f"RCM_{n.upper()}_PORT": str(p) for n, p in zip(names, ports[3:], strict=True)},
        # the jars `make test` fetched for the suite's own broker
        "RCM_KAFKA_LIB": str(REPO / ".cache" / "kafka" / "lib"),
        # a brisk day: mailboxes read twice a second, 835s when the flow asks for them
        "RCM_CLAIMS_INBOUND_POLL_SECONDS": "0.5",
        "RCM_CLAIMS_DELIVERY_POLL_SECONDS": "0.5",
        "RCM_REMITTANCE_INBOUND_POLL_SECONDS": "0.5",
        "RCM_SANDBOX_MAILBOX_POLL_SECONDS": "0.5",
        "RCM_SANDBOX_REMIT_EVERY_SECONDS": "0",
    }
    saved = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    stack = stack_script()
    cfg = stack.Config(state=REPO / ".cache" / "faults" / RUN_ID)
    try:
        stack.cmd_up(cfg, infra_only=False)
        yield FaultStack(stack, cfg)
    finally:
        stack.cmd_clean(cfg)
        shutil.rmtree(cfg.state, ignore_errors=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TIMES:
        terminalreporter.section("faults: time from the fault to a consistent day")
        for case, seconds in TIMES:
            terminalreporter.write_line(f"{case:<52} {seconds:6.1f} s")
