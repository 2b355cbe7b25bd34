"""Bearer tokens: what verify_token accepts and refuses, and the `requires` dependency."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import jwt
import pytest
from fastapi import Depends, FastAPI

from rcm_shared.auth import ALGORITHM, AUDIENCE, Principal, mint_token, requires, verify_token
from rcm_shared.errors import Unauthorized, install_error_handlers
from rcm_shared.settings import DEV_JWT_SECRET, ServiceSettings

SECRET = "s" * 64
Reader = Annotated[Principal, Depends(requires("claims:read"))]


def test_round_trip_keeps_tenant_scopes_clinics_and_subject() -> None:
    token = mint_token(
        SECRET,
        "tenant-a",
        scopes=["claims:read", "claims:write"],
        clinic_ids=["c2", "c1"],
        subject="alice",
    )
    principal = verify_token(token, SECRET)
    assert principal == Principal(
        tenant_id="tenant-a",
        subject="alice",
        scopes=frozenset({"claims:read", "claims:write"}),
        clinic_ids=frozenset({"c1", "c2"}),
    )


def test_token_without_clinics_sees_every_clinic() -> None:
    principal = verify_token(mint_token(SECRET, "tenant-a"), SECRET)
    assert principal.clinic_ids is None
    assert principal.may_see_clinic("any-clinic")


def test_may_see_clinic_limits_to_listed_clinics() -> None:
    principal = Principal("t", "u", frozenset(), clinic_ids=frozenset({"c1"}))
    assert principal.may_see_clinic("c1")
    assert not principal.may_see_clinic("c2")
    assert not Principal("t", "u", frozenset(), clinic_ids=frozenset()).may_see_clinic("c1")


def _claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": "rcm",
        "aud": AUDIENCE,
        "sub": "u",
        "tid": "t",
        "scope": "admin",
        "iat": now,
        "exp": now + 3600,  # minted at collection: still valid however late the test runs
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.mark.parametrize(
    ("token", "message"),
    [
        pytest.param(mint_token(SECRET, "t", ttl_seconds=-10), "token expired", id="expired"),
        pytest.param(mint_token("w" * 64, "t"), "invalid token", id="wrong-secret"),
        pytest.param(
            mint_token(SECRET, "t", issuer="someone-else"), "invalid token", id="wrong-issuer"
        ),
        pytest.param(
            jwt.encode(_claims(aud="other-api"), SECRET, algorithm=ALGORITHM),
            "invalid token",
            id="wrong-audience",
        ),
        pytest.param(
            jwt.encode(_claims(tid=None), SECRET, algorithm=ALGORITHM), "invalid token", id="no-tid"
        ),
        pytest.param(
            jwt.encode(_claims(tid=""), SECRET, algorithm=ALGORITHM),
            "token names no tenant",
            id="empty-tid",
        ),
        pytest.param(
            jwt.encode(_claims(), SECRET, algorithm="HS512"), "invalid token", id="other-algorithm"
        ),
        pytest.param("not.a.jwt", "invalid token", id="garbage"),
    ],
)
def test_bad_tokens_are_unauthorized(token: str, message: str) -> None:
    with pytest.raises(Unauthorized) as caught:
        verify_token(token, SECRET)
    assert caught.value.message == message


def test_a_verified_token_is_refused_once_it_expires() -> None:
    token = mint_token(SECRET, "tenant-a", ttl_seconds=1)
    assert verify_token(token, SECRET).tenant_id == "tenant-a"  # verified and remembered
    assert verify_token(token, SECRET).tenant_id == "tenant-a"  # from memory
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(Unauthorized) as caught:
        verify_token(token, SECRET)
    assert caught.value.message == "token expired"


def test_a_remembered_token_is_still_checked_against_another_secret_or_issuer() -> None:
    token = mint_token(SECRET, "tenant-a")
    verify_token(token, SECRET)
    with pytest.raises(Unauthorized):
        verify_token(token, "w" * 64)
    with pytest.raises(Unauthorized):
        verify_token(token, SECRET, issuer="someone-else")


def test_a_refused_token_stays_refused() -> None:
    token = mint_token(SECRET, "t", ttl_seconds=-10)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            verify_token(token, SECRET)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.state.settings = ServiceSettings(env="test")
    install_error_handlers(app)

    @app.get("/claims")
    async def read_claims(principal: Reader) -> dict[str, str]:
        return {"tenant": principal.tenant_id}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


def _bearer(*scopes: str) -> dict[str, str]:
    return {"authorization": f"Bearer {mint_token(DEV_JWT_SECRET, 'tenant-a', scopes=scopes)}"}


async def test_missing_header_is_401_with_bearer_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/claims")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized"


@pytest.mark.parametrize("header", ["Bearer garbage", "Basic dXNlcjpwdw==", "Bearer "])
async def test_unusable_token_is_401(client: httpx.AsyncClient, header: str) -> None:
    response = await client.get("/claims", headers={"authorization": header})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_token_signed_with_another_secret_is_401(client: httpx.AsyncClient) -> None:
    token = mint_token(SECRET, "tenant-a", scopes=["claims:read"])
    response = await client.get("/claims", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_token_lacking_scope_is_403(client: httpx.AsyncClient) -> None:
    response = await client.get("/claims", headers=_bearer("claims:write", "denials:read"))
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


@pytest.mark.parametrize("scope", ["claims:read", "admin"])
async def test_scope_or_admin_is_let_in(client: httpx.AsyncClient, scope: str) -> None:
    response = await client.get("/claims", headers=_bearer(scope))
    assert response.status_code == 200
    assert response.json() == {"tenant": "tenant-a"}
