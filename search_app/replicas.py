"""`python -m search_app --ray-serve ADDRESS --replicas N`: the same app, from N replicas behind
Ray Serve's HTTP proxy on a Ray cluster.

Each replica is `create_app(settings)` as the plain server runs it: it opens the generation
published in the shared index folder (a path every node sees) and, like any server, its own
LiveIndex swaps to a new generation when CURRENT changes. The JSON API, the pages, the widget and
/mcp are the same app, so they are unchanged behind the proxy. Each response names the replica
that answered (X-Served-By), for operators following a request.

The proxy runs on the head node only (one address, like the plain server); on a real cluster
put a load balancer in front of proxies on every node instead (Serve's proxy_location).
Per-client rate limits are counted by each replica, as they are by each worker process.
"""

from __future__ import annotations

import logging
import signal
import time
from dataclasses import dataclass
from typing import Callable

from ray import serve

from indexer.errors import ConfigError
from indexer.settings import Settings

APP_NAME = "statement-search"
REPLICA_HEADER = "X-Served-By"
# Replicas answer within seconds of loading the model; this bounds a start that cannot happen
# (no CPUs for them on the cluster).
START_SECONDS = 300.0


@dataclass(frozen=True)
class ReplicaOptions:
    address: str  # the Ray cluster: host:port, auto or ray://host:port
    replicas: int = 2
    cpus_per_replica: float = 1.0


class ReplicaHeader:
    """ASGI middleware: every HTTP response says which replica made it."""

    def __init__(self, app, replica: str):
        self.app = app
        self.header = (REPLICA_HEADER.lower().encode(), replica.encode())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_header(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), self.header]}
            await send(message)

        await self.app(scope, receive, send_with_header)


@serve.ingress()
class SearchReplica:
    """One replica: the app built inside the replica's own process from the driver's settings."""

    def __init__(self, settings: Settings):
        self._settings = settings

    def __serve_build_asgi_app__(self):
        from .app import create_app

        app = create_app(self._settings)
        app.add_middleware(ReplicaHeader, replica=serve.get_replica_context().replica_id.unique_id)
        return app


def start_replicas(settings: Settings, options: ReplicaOptions, log: Callable[[str], None] = print) -> str:
    """Connect to the cluster, start Serve's proxy on settings.host:port and deploy the app with
    `options.replicas` replicas; returns the URL once every replica answers."""
    import ray

    if options.replicas < 1 or options.cpus_per_replica <= 0:
        raise ConfigError(f"--replicas must be at least 1 and --replica-cpus above 0, got {options.replicas} and "
                          f"{options.cpus_per_replica}")
    if not ray.is_initialized():
        try:
            ray.init(address=options.address, logging_level=logging.WARNING, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ConfigError(f"no Ray cluster at {options.address!r} ({str(exc).splitlines()[0]}); "
                              "start one with `ray start --head`") from None
    # No per-request access log from the proxy and the replicas: a log line per request is a
    # cost on every search, and the app logs what it needs itself.
    quiet = {"enable_access_log": False, "log_level": "WARNING"}
    serve.start(http_options={"host": settings.host, "port": settings.port}, proxy_location="HeadOnly",
                logging_config=quiet)
    deployment = serve.deployment(SearchReplica, name="search", num_replicas=options.replicas,
                                  ray_actor_options={"num_cpus": options.cpus_per_replica}, logging_config=quiet,
                                  # The app's own health check: /api/health answers 503 while no index.
                                  health_check_period_s=10)
    started = time.perf_counter()
    serve.run(deployment.bind(settings), name=APP_NAME, route_prefix="/", blocking=False)
    url = f"http://{settings.host if ':' not in settings.host else '[' + settings.host + ']'}:{settings.port}"
    log(f"statement-search: {options.replicas} replicas behind Ray Serve at {url}/ serving {settings.index} "
        f"(ready in {time.perf_counter() - started:.1f} s)")
    return url


def stop_replicas() -> None:
    """Remove the app and Serve's proxy from the cluster, and disconnect."""
    import ray

    try:
        serve.shutdown()
    finally:
        if ray.is_initialized():
            ray.shutdown()


def serve_until_interrupted(settings: Settings, options: ReplicaOptions) -> int:
    """The command line's --ray-serve: start, then hold until Ctrl-C or SIGTERM, then take the
    app down (the replicas would otherwise outlive this process on the cluster)."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)  # even where a shell started us ignoring it
    start_replicas(settings, options)
    try:
        while True:
            time.sleep(1.0)
    except KeyboardInterrupt:
        print("statement-search: stopping the replicas", flush=True)
    finally:
        stop_replicas()
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt
