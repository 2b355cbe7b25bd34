"""Analytics and pre-submission risk on a known data set, through Kafka."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from rcm_denials.app import create_app
from rcm_denials.config import DenialsSettings
from rcm_shared.testing.fixtures import bearer, running, settings_for, wait_for

from .events import (
    TODAY,
    adjudicated,
    cas,
    claim_created,
    line,
    reference,
    send,
    wait_reference,
)

DAY1 = TODAY - timedelta(days=9)  # a Monday or not, both days fall in the window
DAY2 = TODAY - timedelta(days=2)


@pytest.fixture(scope="module")
async def api(stack: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(settings_for(DenialsSettings, "denials"), run_workers=True)
    async with running(app) as client:
        yield client


async def test_rates_reasons_recovery_and_risk_on_a_known_data_set(
    stack: dict[str, Any], api: httpx.AsyncClient, tenant: str
) -> None:
    clinic, provider_a, provider_b = (str(uuid.uuid4()) for _ in range(3))
    h = bearer(tenant)
    claims = [str(uuid.uuid4()) for _ in range(6)]
    await send(stack, reference(tenant, clinic, provider_a))
    await wait_reference(stack, tenant)
    events = [
        claim_created(tenant, c, clinic, provider_a if i < 3 else provider_b)
        for i, c in enumerate(claims)
    ]
    gp = ["GP"]
    events += [
        # day 1: paid 97110 with GP, denied 97110 without GP (CO-4), paid 99213
        adjudicated(
            tenant,
            claims[0],
            clinic,
            [
                line(
                    "97110",
                    "100.00",
                    "80.00",
                    [cas("CO-45", "20.00")],
                    modifiers=gp,
                    allowed="80.00",
                )
            ],
            status="1",
            remittance_date=DAY1,
        ),
        adjudicated(
            tenant,
            claims[1],
            clinic,
            [line("97110", "100.00", "0.00", [cas("CO-4", "100.00")])],
            remittance_date=DAY1,
        ),
        adjudicated(
            tenant,
            claims[2],
            clinic,
            [line("99213", "200.00", "150.00", [cas("CO-45", "50.00")], allowed="150.00")],
            status="1",
            remittance_date=DAY1,
        ),
        # day 2: 97110 without GP denied again (CO-4), 97110 with GP denied (CO-50),
        # 99213 denied as a duplicate (CO-18)
        adjudicated(
            tenant,
            claims[3],
            clinic,
            [line("97110", "100.00", "0.00", [cas("CO-4", "100.00")])],
            remittance_date=DAY2,
        ),
        adjudicated(
            tenant,
            claims[4],
            clinic,
            [line("97110", "100.00", "0.00", [cas("CO-50", "100.00")], ["N386"], modifiers=gp)],
            remittance_date=DAY2,
        ),
        adjudicated(
            tenant,
            claims[5],
            clinic,
            [line("99213", "300.00", "0.00", [cas("CO-18", "300.00")])],
            remittance_date=DAY2,
        ),
    ]
    await send(stack, events)

    async def loaded() -> bool:
        response = await api.get("/v1/denials", headers=h)
        return len(response.json()["items"]) == 4

    await wait_for(loaded, timeout=60, what="four denials")
    items = {i["claim_id"]: i for i in (await api.get("/v1/denials", headers=h)).json()["items"]}
    # work two of them: one recovered by hand, one written off
    await api.post(
        f"/v1/denials/{items[claims[1]]['id']}/resolve",
        json={"recovered_amount": "60.00"},
        headers=h,
    )
    await api.post(
        f"/v1/denials/{items[claims[5]]['id']}/write-off",
        json={"reason": "duplicate_confirmed"},
        headers=h,
    )

    period = {"from": DAY1.isoformat(), "to": TODAY.isoformat()}
    by_payer = (
        await api.get("/v1/denials/analytics", params={**period, "group_by": "payer"}, headers=h)
    ).json()
    [row] = by_payer["rates"]
    assert (row["group"], row["claims"], row["denied"]) == ("87726", 6, 4)
    assert Decimal(row["denial_rate"]) == Decimal("0.6667")
    assert Decimal(row["charges"]) == Decimal("900.00")
    assert Decimal(row["denied_amount"]) == Decimal("600.00")
    assert Decimal(row["dollar_denial_rate"]) == Decimal("0.6667")
    assert [
        (r["carc"], r["denials"], Decimal(r["denied_amount"])) for r in by_payer["top_reasons"]
    ] == [("18", 1, Decimal("300.00")), ("4", 2, Decimal("200.00")), ("50", 1, Decimal("100.00"))]
    recovery = by_payer["recovery"]
    assert (recovery["denials"], recovery["resolved"], recovery["written_off"]) == (4, 1, 1)
    assert Decimal(recovery["recovered_amount"]) == Decimal("60.00")
    assert Decimal(recovery["recovery_rate"]) == Decimal("0.1000")  # 60 of 600
    assert Decimal(recovery["avg_days_to_resolve"]) == Decimal("0.00")  # closed the same day

    daily = (
        await api.get(
            "/v1/denials/analytics",
            params={**period, "group_by": "category", "interval": "day"},
            headers=h,
        )
    ).json()["rates"]
    assert [(r["period"], r["group"], r["claims"], r["denied"]) for r in daily] == [
        (DAY1.isoformat(), "coding", 3, 1),
        (DAY2.isoformat(), "coding", 3, 1),
        (DAY2.isoformat(), "duplicate", 3, 1),
        (DAY2.isoformat(), "medical_necessity", 3, 1),
    ]
    by_procedure = (
        await api.get(
            "/v1/denials/analytics", params={**period, "group_by": "procedure_code"}, headers=h
        )
    ).json()["rates"]
    assert {r["group"]: (r["claims"], r["denied"]) for r in by_procedure} == {
        "97110": (4, 3),
        "99213": (2, 1),
    }
    by_provider = (
        await api.get(
            "/v1/denials/analytics", params={**period, "group_by": "rendering_provider"}, headers=h
        )
    ).json()["rates"]
    assert {r["group"]: (r["claims"], r["denied"]) for r in by_provider} == {
        provider_a: (3, 1),
        provider_b: (3, 3),
    }
    by_clinic = (
        await api.get(
            "/v1/denials/analytics",
            params={**period, "group_by": "clinic", "interval": "week"},
            headers=h,
        )
    ).json()["rates"]
    assert sum(r["claims"] for r in by_clinic) == 6 and {r["group"] for r in by_clinic} == {clinic}

    # pre-submission risk: 97110 without GP was denied every time, with GP half the time
    risk = (
        await api.get(
            "/v1/denials/risk",
            params={"payer_id": "87726", "procedure_code": "97110", "no_modifiers": "true"},
            headers=h,
        )
    ).json()
    assert (risk["lines"], risk["denied"], Decimal(risk["denial_rate"])) == (2, 2, Decimal(1))
    assert risk["top_reasons"] == [{"carc": "4", "category": "coding", "denied": 2}]
    assert risk["message"] == (
        "payer 87726 denied 100% of 97110 without modifiers in the last 90 days (2 of 2 lines)"
    )
    assert risk["sufficient_history"] is False
    assert [(m["modifiers"], m["lines"], m["denied"]) for m in risk["by_modifiers"]] == [
        ([], 2, 2),
        (["GP"], 2, 1),
    ]
    with_gp = (
        await api.get(
            "/v1/denials/risk",
            params={"payer_id": "87726", "procedure_code": "97110", "modifier": "GP"},
            headers=h,
        )
    ).json()
    assert Decimal(with_gp["denial_rate"]) == Decimal("0.5000")
    batch = (
        await api.post(
            "/v1/denials/risk/batch",
            headers=h,
            json={
                "window_days": 30,
                "items": [
                    {"payer_id": "87726", "procedure_code": "97110", "modifiers": []},
                    {"payer_id": "87726", "procedure_code": "99213"},
                    {"payer_id": "87726", "procedure_code": "G0283"},
                ],
            },
        )
    ).json()["results"]
    assert [(r["lines"], r["denied"]) for r in batch] == [(2, 2), (2, 1), (0, 0)]
    assert batch[2]["denial_rate"] is None
    bad = await api.post(
        "/v1/denials/risk/batch",
        headers=h,
        json={"items": [{"payer_id": "87726", "procedure_code": "971"}]},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["path"] == "body.items[0].procedure_code"
    bad = await api.get("/v1/denials/analytics", params={"group_by": "planet"}, headers=h)
    assert bad.status_code == 422 and bad.json()["detail"][0]["path"] == "query.group_by"
