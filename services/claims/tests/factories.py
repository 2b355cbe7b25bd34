"""Realistic reference data and claims for the claims service's integration tests."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from rcm_shared.testing.fixtures import bearer

TODAY = date.today()
DOS = TODAY - timedelta(days=10)
STREET = {"line1": "100 Main St", "city": "Springfield", "state": "IL", "postal_code": "627011234"}
NPIS = ["1245319599", "1234567893", "1003000126", "1003000134", "1003000142"]


def clinic_body(npi: str = NPIS[0]) -> dict[str, Any]:
    return {
        "name": "Springfield Family Medicine",
        "npi": npi,
        "tax_id": "123456789",
        "taxonomy_code": "207Q00000X",
        "address": STREET,
    }


def payer_body(payer_id: str = "87726", **extra: Any) -> dict[str, Any]:
    return {
        "payer_id": payer_id,
        "name": "Acme Health Plan",
        "claim_filing_indicator": "CI",
        "timely_filing_days": 365,
        "appeal_window_days": 90,
        "prior_auth_procedures": ["72148"],
        **extra,
    }


def claim_body(clinic_id: str, payer_id: str = "87726", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "clinic_id": clinic_id,
        "payer_id": payer_id,
        "subscriber": {
            "member_id": f"M{uuid.uuid4().hex[:10].upper()}",
            "first_name": "Jane",
            "last_name": "Doe",
            "birth_date": "1980-04-02",
            "gender": "F",
            "address": {
                "line1": "5 Oak Ave",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62704",
            },
            "group_number": "GRP100",
        },
        "place_of_service": "11",
        "diagnosis_codes": ["E11.9", "I10"],
        "lines": [
            {
                "procedure_code": "99214",
                "modifiers": ["25"],
                "charge": "150.00",
                "service_date_from": DOS.isoformat(),
                "diagnosis_pointers": [1, 2],
            },
            {
                "procedure_code": "93000",
                "charge": "45.50",
                "service_date_from": DOS.isoformat(),
                "diagnosis_pointers": [2],
            },
        ],
        "total_charge": "195.50",
    }
    body.update(extra)
    return body


async def setup_tenant(api: httpx.AsyncClient, tenant: str) -> dict[str, str]:
    h = bearer(tenant)
    clinic = await api.post("/v1/clinics", json=clinic_body(), headers=h)
    assert clinic.status_code == 201, clinic.text
    payer = await api.post("/v1/payers", json=payer_body(), headers=h)
    assert payer.status_code == 201, payer.text
    provider = await api.post(
        "/v1/providers",
        json={
            "npi": NPIS[1],
            "first_name": "Gregory",
            "last_name": "House",
            "taxonomy_code": "207R00000X",
        },
        headers=h,
    )
    assert provider.status_code == 201, provider.text
    return {
        "clinic_id": clinic.json()["id"],
        "payer_id": "87726",
        "provider_id": provider.json()["id"],
    }


async def claim_of(api: httpx.AsyncClient, tenant: str, claim_id: str) -> dict[str, Any]:
    response = await api.get(f"/v1/claims/{claim_id}", headers=bearer(tenant))
    assert response.status_code == 200, response.text
    return dict(response.json())
