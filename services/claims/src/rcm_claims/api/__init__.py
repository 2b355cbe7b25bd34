"""HTTP routers of the claims service."""

from fastapi import APIRouter

from rcm_claims.api import claims, operations, reference

router = APIRouter()
for module in (reference, claims, operations):
    router.include_router(module.router)
