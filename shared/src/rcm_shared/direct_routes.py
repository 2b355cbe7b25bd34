"""Endpoints served by Starlette's router alone, ahead of FastAPI's routing.

FastAPI 0.165 resolves a request through its included-router layers, route contexts and
dependency solver: about 65-90 µs per request even for an endpoint that reads its own
token, headers and body (ASGI calls in a loop with no server: a Starlette route in front
took 14-23 µs). On the busiest endpoint that is a tenth of what a request costs. A direct
route keeps everything around the router (error handlers, observability, limits) and
leaves out only the per-route layers; its endpoint takes a Request and returns a Response.

The FastAPI route with the same path and method stays declared for the OpenAPI document
(tests check that every direct route is documented); it is never reached, because the
direct route matches first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from fastapi import FastAPI, Request, Response
from starlette.routing import Match, Route
from starlette.types import Scope


class DirectRoute(Route):
    def __init__(
        self, path: str, endpoint: Callable[[Request], Awaitable[Response]], method: str
    ) -> None:
        super().__init__(path, endpoint, methods=[method], include_in_schema=False)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is not Match.NONE:
            # as FastAPI's routes do: observability labels metrics with the route template
            child_scope["route"] = self
        return match, child_scope


def serve_directly(app: FastAPI, routes: Sequence[DirectRoute]) -> None:
    """Puts `routes` before every other route of the app."""
    app.router.routes[:0] = list(routes)
