"""HTTP routers of the eligibility service."""

from rcm_eligibility.api.checks import router

__all__ = ["router"]
