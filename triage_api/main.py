"""The FastAPI application: ``create_app(settings)``; ``uvicorn triage_api.main:app`` serves it."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

import redis
from fastapi import FastAPI

from triage_api import __version__
from triage_api.engine.triage import warm_up
from triage_api.errors import install_error_handlers
from triage_api.limits import BodySizeLimit
from triage_api.logs import configure as configure_logs
from triage_api.metrics import RequestObserver
from triage_api.outbox import Relay
from triage_api.resources import open_resources
from triage_api.routers import auth, console, handoffs, health, intake, metrics, queue, reports, stats, triage
from triage_api.settings import Settings, get_settings
from triage_api.writer import Writer

__all__ = ["app", "create_app"]


@cache
def _freeze_loaded() -> None:
    """Take what start-up loaded (the engine's matchers and models: half a million objects that live as
    long as the process) out of the garbage collector's sight, once per process. Otherwise every full
    collection walks it all and stops the worker for ~350 ms: under a steady 500 reports/s each such
    pause queued ~90 requests and set the p95 (``make bench-intake``)."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logs(settings.log_format, settings.log_level)
        resources = open_resources(settings)
        app.state.sessions, app.state.cipher = resources.sessions, resources.cipher
        app.state.redis = (
            redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2) if settings.redis_url else None
        )
        relay = Relay(app.state.sessions, settings.redis_url, interval_s=settings.relay_interval_s) if settings.redis_url else None
        if relay is not None:
            relay.start()
        app.state.writer = writer = Writer(resources.sessions, on_urgent=relay.nudge if relay is not None else None)
        writer.start()
        if settings.warm_up:
            warm_up()
            _freeze_loaded()
        try:
            yield
        finally:
            writer.stop()
            if relay is not None:
                relay.stop()
            if app.state.redis is not None:
                app.state.redis.close()
            resources.close()

    app = FastAPI(
        title="Triage API — chống mua bán người",
        version=__version__,
        summary="Vietnamese triage of trafficking tips: urgency, indicators, entities.",
        lifespan=lifespan,
    )
    # read as request.app.state.settings: a dependency override would make FastAPI rebuild the
    # dependency's signature on every request of every endpoint (about 10 % of an intake request's CPU)
    app.state.settings = settings
    app.state.rate_windows = {}
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestObserver)  # outermost: counts and logs every answer, the size limit's too
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(triage.router)
    app.include_router(reports.router)
    app.include_router(intake.router)
    app.include_router(auth.router)
    app.include_router(stats.router)
    app.include_router(handoffs.router)
    app.include_router(queue.router)
    app.include_router(console.router)
    return app


app = create_app()
