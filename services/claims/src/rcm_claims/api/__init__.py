"""HTTP routers of the claims service."""

from rcm_claims.api import claims, follow_ups, operations, reference

# Included side by side, not under one parent router: each level of inclusion costs
# FastAPI's routing some µs per request. Claims first: routes are tried in order, and
# claim intake is the busiest path.
routers = [claims.router, reference.router, operations.router, follow_ups.router]
direct_routes = claims.direct_routes

__all__ = ["direct_routes", "routers"]
