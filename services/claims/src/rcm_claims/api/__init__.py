"""HTTP routers of the claims service."""

from fastapi import APIRouter

from rcm_claims.api import claims, operations, reference

router = APIRouter()
# claims first: routes are tried in order, and claim intake is the busiest path
for module in (claims, reference, operations):
    router.include_router(module.router)
