"""Bearer JWTs naming the tenant (billing company), its scopes and optionally its clinics.

Scopes are `<service>:<read|write>` plus `admin`; a service checks only its own.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import jwt
from fastapi import Request

from rcm_shared.errors import Forbidden, Unauthorized

ALGORITHM = "HS256"
AUDIENCE = "rcm-api"
SERVICES = ("eligibility", "claims", "remittance", "denials", "patients")
ALL_SCOPES = (*(f"{s}:{a}" for s in SERVICES for a in ("read", "write")), "admin")


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    subject: str
    scopes: frozenset[str]
    clinic_ids: frozenset[str] | None = field(default=None)  # None: every clinic

    def may_see_clinic(self, clinic_id: str) -> bool:
        return self.clinic_ids is None or clinic_id in self.clinic_ids


def mint_token(
    secret: str,
    tenant_id: str,
    scopes: Iterable[str] = ALL_SCOPES,
    clinic_ids: Iterable[str] | None = None,
    subject: str | None = None,
    ttl_seconds: int = 12 * 3600,
    issuer: str = "rcm",
) -> str:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": subject or f"user-{uuid.uuid4().hex[:8]}",
        "tid": tenant_id,
        "scope": " ".join(sorted(set(scopes))),
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if clinic_ids is not None:
        claims["clinics"] = sorted(set(clinic_ids))
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


# Verified tokens, so a client that sends the same token on every request pays for the
# signature check once per process, not per request. Keyed by the whole token string (its
# signature covers the rest) with the secret and issuer it was checked against; an entry
# is used only before the token's `exp`. Oldest entries go first when it is full.
_VERIFIED: dict[tuple[str, str, str], tuple[Principal, float]] = {}
_VERIFIED_MAX = 4096


def verify_token(token: str, secret: str, issuer: str = "rcm") -> Principal:
    key = (token, secret, issuer)
    cached = _VERIFIED.get(key)
    if cached is not None:
        if time.time() < cached[1]:
            return cached[0]
        del _VERIFIED[key]
    principal, expires = _verify(token, secret, issuer)
    if len(_VERIFIED) >= _VERIFIED_MAX:
        del _VERIFIED[next(iter(_VERIFIED))]
    _VERIFIED[key] = (principal, expires)
    return principal


def _verify(token: str, secret: str, issuer: str) -> tuple[Principal, float]:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=issuer,
            options={"require": ["exp", "iat", "tid", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("token expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("invalid token") from exc
    tenant = claims["tid"]
    if not isinstance(tenant, str) or not tenant:
        raise Unauthorized("token names no tenant")
    clinics = claims.get("clinics")
    principal = Principal(
        tenant_id=tenant,
        subject=str(claims["sub"]),
        scopes=frozenset(str(claims.get("scope", "")).split()),
        clinic_ids=frozenset(clinics) if isinstance(clinics, list) else None,
    )
    # a token not yet valid (nbf) is refused above, and is not cached until it is
    return principal, float(claims["exp"])


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("missing bearer token")
    return token.strip()


def authorize(request: Request, scope: str) -> Principal:
    """The caller's principal, if its token carries `scope`. What `requires` runs, for an
    endpoint that reads its request itself (FastAPI's dependency machinery costs a busy
    endpoint more than the check does)."""
    settings = request.app.state.settings
    principal = verify_token(
        bearer_token(request), settings.jwt_secret.get_secret_value(), settings.jwt_issuer
    )
    if scope not in principal.scopes and "admin" not in principal.scopes:
        raise Forbidden(f"token lacks scope {scope}")
    request.state.tenant_id = principal.tenant_id
    return principal


def requires(scope: str) -> Callable[[Request], Awaitable[Principal]]:
    """FastAPI dependency: the caller's principal, if its token carries `scope`."""

    async def dependency(request: Request) -> Principal:
        return authorize(request, scope)

    dependency.__name__ = f"requires_{scope.replace(':', '_')}"
    return dependency
