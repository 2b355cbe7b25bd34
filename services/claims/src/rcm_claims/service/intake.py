"""Single-claim intake under load: the claims that concurrent POST /v1/claims requests
carry are taken in together, one read and one write for the lot (rcm_shared.coalesce),
each request still answered with its own claim or error."""

from __future__ import annotations

from collections.abc import Sequence

from rcm_claims.domain.claim import ClaimData
from rcm_claims.repository import IntakeRepository, NewClaim
from rcm_claims.service.claims import ClaimService
from rcm_shared.coalesce import Coalescer
from rcm_shared.db import driver_connection
from rcm_shared.errors import RcmError
from rcm_shared.runtime import Runtime

# Claims go together only when everything but the claim is the same: the tenant, the
# actor the history names, and the clinics the caller may use.
IntakeKey = tuple[str, str, frozenset[str] | None]
Intake = Coalescer[IntakeKey, ClaimData, NewClaim | RcmError]


def claim_intake(runtime: Runtime) -> Intake:
    """Made with the app; the runtime's sessions exist once the app has started."""

    async def run(key: IntakeKey, claims: Sequence[ClaimData]) -> list[NewClaim | RcmError]:
        tenant_id, actor, clinics = key
        assert runtime.engine is not None and runtime.sessions is not None
        # New claims touch no ORM object: their statements run on a bare pooled
        # connection (one atomic statement per batch of up to WRITE_CHUNK claims), not
        # through a session's transaction and flushes. The session is never used.
        async with driver_connection(runtime.engine) as pg, runtime.sessions() as session:
            intake = IntakeRepository(session, tenant_id, connection=pg)
            service = ClaimService(session, tenant_id, actor=actor, clinics=clinics, intake=intake)
            return await service.create_many(claims)

    # two writers: one batch's round trips overlap the next batch's Python work, and
    # the requests that arrive meanwhile gather into the batch after
    return Coalescer(run, name="claims.intake", writers=2)
