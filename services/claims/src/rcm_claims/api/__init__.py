"""HTTP routers of the claims service."""

from fastapi import APIRouter

from rcm_claims.api import claims, reference

router = APIRouter()
for module in (reference, claims):
    router.include_router(module.router)
