"""HTTP routers of the remittance service."""

from rcm_remittance.api.remittances import router

__all__ = ["router"]
