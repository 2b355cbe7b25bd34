"""A small HTTP payer for the eligibility tests: it reads the 270 with our reader and
answers a 271 chosen by the member id's prefix, the way the sandbox will:

    ACT...  active, PPO, copay 25, coinsurance 20%, deductible 1500 (300 left), in network
    INA...  inactive (EB*6)
    BAD...  AAA 72 invalid member id (subscriber level, not retryable)
    NOF...  AAA 75 subscriber not found (subscriber level, not retryable)
    BUSY... AAA 42 unable to respond now (source level, retryable)
    SLOW... answers after 8 s (longer than the tests' timeout)
    JUNK... a 271 with a non-numeric EB07 (malformed)
    COB...  as ACT, and Medicare named as the primary payer (EB*R, 2120 NM1*PRP)
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from rcm_shared.x12.reader import read_interchange
from rcm_shared.x12.writer import Seg, TransactionSpec, build_interchange

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def answer_271(trace: str, member: str, control: int) -> str:
    source_aaa: list[Seg] = (
        [Seg("AAA", ("Y", None, "42", "P"))] if member.startswith("BUSY") else []
    )
    body: list[Seg] = [
        Seg("BHT", ("0022", "11", "R" + trace[:20], NOW.strftime("%Y%m%d"), "0800")),
        Seg("HL", ("1", None, "20", "1")),
        Seg("NM1", ("PR", "2", "ACME HEALTH PLAN", None, None, None, None, "PI", "87726")),
        *source_aaa,
    ]
    if not source_aaa:
        body += [
            Seg("HL", ("2", "1", "21", "1")),
            Seg(
                "NM1", ("1P", "2", "SPRINGFIELD CLINIC", None, None, None, None, "XX", "1245319599")
            ),
            Seg("HL", ("3", "2", "22", "0")),
            Seg("TRN", ("2", trace, "9877281234")),
            Seg("NM1", ("IL", "1", "DOE", "JANE", None, None, None, "MI", member)),
        ]
        if member.startswith(("BAD", "NOF")):
            code = "72" if member.startswith("BAD") else "75"
            body.append(Seg("AAA", ("N", None, code, "C")))
        else:
            body += [
                Seg("REF", ("6P", "GRP100")),
                Seg("DMG", ("D8", "19800402", "F")),
                Seg("DTP", ("346", "D8", "20260101")),
            ]
            if member.startswith("INA"):
                body.append(Seg("EB", ("6", None, "30")))
            else:
                amount = "2X5" if member.startswith("JUNK") else "25"
                body += [
                    Seg("EB", ("1", None, "30", "PR", "GOLD PPO")),
                    Seg(
                        "EB",
                        ("B", "IND", "30", None, None, "27", amount, None, None, None, None, "Y"),
                    ),
                    Seg(
                        "EB",
                        ("A", "IND", "30", None, None, "27", None, ".2", None, None, None, "Y"),
                    ),
                    Seg(
                        "EB",
                        ("C", "IND", "30", None, None, "23", "1500", None, None, None, None, "Y"),
                    ),
                    Seg(
                        "EB",
                        ("C", "IND", "30", None, None, "29", "300", None, None, None, None, "Y"),
                    ),
                ]
                if member.startswith("COB"):
                    body += [
                        Seg("EB", ("R", None, "30", "MB")),
                        Seg("LS", ("2120",)),
                        Seg(
                            "NM1", ("PRP", "2", "MEDICARE B", None, None, None, None, "PI", "00952")
                        ),
                        Seg("LE", ("2120",)),
                    ]
    return build_interchange(
        sender_qualifier="ZZ",
        sender_id="CLEARINGHOUSE",
        receiver_qualifier="ZZ",
        receiver_id="RCMBACKBONE",
        interchange_control=control,
        usage="T",
        ack_requested=False,
        functional_id="HB",
        app_sender="CLEARINGHOUSE",
        app_receiver="RCMBACKBONE",
        group_control=control,
        version="005010X279A1",
        timestamp=NOW,
        transactions=[TransactionSpec(set_id="271", control_number="0001", segments=body)],
    )


class Payer:
    def __init__(self) -> None:
        self.received: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.app = Starlette(routes=[Route("/270", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        text = (await request.body()).decode("latin-1")
        self.received.append(text)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            segments = read_interchange(text).groups[0].transactions[0].segments
            trace = next(s.get(2) for s in segments if s.id == "TRN")
            member = next(s.get(9) for s in segments if s.id == "NM1" and s.get(1) == "IL")
            if member.startswith("SLOW"):
                await asyncio.sleep(8)
            await asyncio.sleep(0.02)  # a payer takes a moment
            return Response(
                answer_271(trace, member, len(self.received)), media_type="application/edi-x12"
            )
        finally:
            self.in_flight -= 1


@contextlib.asynccontextmanager
async def running_payer() -> AsyncIterator[tuple[Payer, str]]:
    payer = Payer()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(payer.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.02)
    try:
        yield payer, f"http://127.0.0.1:{port}/270"
    finally:
        server.should_exit = True
        await task
