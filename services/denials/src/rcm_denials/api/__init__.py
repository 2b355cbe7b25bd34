from rcm_denials.api.denials import router

__all__ = ["router"]
