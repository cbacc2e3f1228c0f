"""The build's embed step on a Ray cluster: an Embedder whose texts go out in batches to actors
that each load the bundled model once (`python -m indexer build --ray ADDRESS`).

Only the embed step leaves the driver: reading, chunking and writing stay where they are, and
the generation is published by the same atomic rename, so a cluster build that fails publishes
nothing and the last good index keeps serving.

The cluster's batches are cut from the texts in the order a local build encodes them (longest
first) and hold a whole number of encoder batches, so each worker runs exactly the encoder calls
a local build would: the vectors are a local build's (to float rounding across thread counts).

Failures:
  - a worker that dies (its process killed, its node lost): its batches go back in the queue and
    run on another worker; a replacement worker is started while the cluster has room for one;
  - a batch that fails MAX_ATTEMPTS times, every worker gone, or no batch finishing for
    STALL_SECONDS: ClusterError, one line, and nothing is published;
  - nothing answering at the address: ClusterUnavailable before any work is done.

Ray is imported only here and only when a cluster build runs: without --ray nothing imports it.
"""

from __future__ import annotations

import os
import socket
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .embedder import BATCH_SIZE, Progress, Spans
from .embedders import embedder_name, make_embedder
from .errors import IndexerError

# Texts per cluster batch, in encoder batches: big enough that a round trip (~1 ms) is nothing
# beside encoding (~1.5 s of MiniLM on one core), small enough that a lost worker loses little.
ENCODER_BATCHES_PER_TASK = 8
# Batches queued on a worker beyond the one it is encoding, so it never waits for the driver.
IN_FLIGHT_PER_WORKER = 2
MAX_ATTEMPTS = 3
# A worker's first batch includes loading (and, on a new node, exporting) the model.
START_SECONDS = 600.0
STALL_SECONDS = 300.0
CONNECT_SECONDS = 5.0
# How long `close` waits for Ray to free its killed workers' CPUs.
RELEASE_SECONDS = 5.0
# Without a progress bar (not a terminal), a line of batches done at most this often.
PROGRESS_SECONDS = 10.0


class ClusterError(IndexerError):
    """The cluster could not finish the embed step; the build publishes nothing."""


class ClusterUnavailable(ClusterError):
    def __init__(self, address: str, reason: str):
        self.address = address
        super().__init__(f"no Ray cluster at {address!r} ({reason}); nothing was published. Start one with "
                         "`ray start --head`, or build without --ray")


@dataclass(frozen=True)
class ClusterOptions:
    address: str  # host:port of the head node's GCS, "auto", or ray://host:port
    kind: str = "minilm"  # the embedder kind (indexer/embedders.py) each worker loads
    batch_size: int = BATCH_SIZE  # texts per encoder call inside a worker
    cpus_per_worker: int = 1
    max_workers: int | None = None  # default: as many as the cluster has CPUs for
    max_attempts: int = MAX_ATTEMPTS
    start_seconds: float = START_SECONDS
    stall_seconds: float = STALL_SECONDS


@dataclass
class ClusterStats:
    """What the cluster did, for the build report."""

    address: str
    nodes: int = 0
    workers: int = 0
    batches: int = 0
    batches_retried: int = 0
    workers_lost: int = 0
    workers_replaced: int = 0
    seconds: float = 0.0
    per_worker: dict[str, int] = field(default_factory=dict)  # "host:pid" -> texts embedded

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class EmbedWorker:
    """One actor: loads the embedder once, then embeds the batches it is sent."""

    def __init__(self, kind: str, batch_size: int, threads: int):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        # The worker node's own model cache (its ~/.cache): the driver's path may not exist there.
        self.embedder = make_embedder(kind, batch_size, None, threads)

    def describe(self) -> dict[str, Any]:
        import ray

        from . import __version__

        return {"pid": os.getpid(), "host": socket.gethostname(), "node": ray.get_runtime_context().get_node_id(),
                "name": self.embedder.name, "dimension": int(self.embedder.dimension), "code_version": __version__}

    def embed(self, texts: list[str], spans: list | None) -> tuple[np.ndarray, list[np.ndarray]]:
        return self.embedder.embed_with_spans(texts, spans)


class SpansEmbedder:
    """What both cluster embedders derive from `embed_with_spans`, and closing as a context."""

    def embed_with_spans(self, texts: Sequence[str], spans: Spans | None,
                         progress: Progress = None) -> tuple[np.ndarray, list[np.ndarray]]:
        raise NotImplementedError

    def embed_documents(self, texts: Sequence[str], progress: Progress = None) -> np.ndarray:
        return self.embed_with_spans(texts, None, progress)[0]

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_with_spans([text], None)[0][0]

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class RayEmbedder(SpansEmbedder):
    """An Embedder for builds whose texts are encoded by workers on a Ray cluster. It connects on
    the first text it has to embed (a build with nothing new never touches the cluster); `close`
    stops its workers and disconnects."""

    def __init__(self, options: ClusterOptions, log: Callable[[str], None] = lambda message: None):
        self.options = options
        self.name = embedder_name(options.kind)
        self.stats = ClusterStats(address=options.address)
        self._log = log
        self._ray = None
        self._owns_connection = False
        self._workers: dict[Any, dict[str, Any]] = {}  # actor handle -> its describe()
        self._joining: dict[Any, Any] = {}  # describe() reference -> a replacement still loading
        self._actor_class = None
        self._dimension: int | None = None

    # -------------------------------------------------------------- Embedder

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self._start()
        return int(self._dimension)

    def embed_with_spans(self, texts: Sequence[str], spans: Spans | None,
                         progress: Progress = None) -> tuple[np.ndarray, list[np.ndarray]]:
        if not len(texts):
            return np.zeros((0, self.dimension), np.float32), []
        self._start()
        started = time.perf_counter()
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # as BatchEmbedder orders them
        per_task = self.options.batch_size * ENCODER_BATCHES_PER_TASK
        batches = [order[lo:lo + per_task] for lo in range(0, len(order), per_task)]
        out = np.empty((len(texts), self.dimension), np.float32)
        span_vectors: list[np.ndarray] = [np.zeros((0, self.dimension), np.float32)] * len(texts)

        finished = [0, time.perf_counter()]  # batches done, when progress was last told

        def done(number: int, result) -> None:
            vectors, pooled = result
            out[batches[number]] = vectors
            for i, v in zip(batches[number], pooled):
                span_vectors[i] = v
            finished[0] += 1
            if progress is not None:
                progress(len(batches[number]))
            elif time.perf_counter() - finished[1] >= PROGRESS_SECONDS or finished[0] == len(batches):
                finished[1] = time.perf_counter()
                self._log(f"embedded {finished[0]} of {len(batches)} batches on {len(self._workers)} workers")

        def payload(number: int):
            rows = batches[number]
            return [texts[i] for i in rows], None if spans is None else [list(spans[i]) for i in rows]

        self._run(len(batches), payload, done)
        self.stats.batches += len(batches)
        self.stats.seconds += time.perf_counter() - started
        return out, span_vectors

    # -------------------------------------------------------------- the cluster

    def _start(self) -> None:
        if self._workers:
            return
        if self._ray is None:  # connected once; after losing every worker, only workers are new
            self._ray, self._owns_connection = _connect(self.options.address)
        ray = self._ray
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        # Free CPUs, not all of them: actors already there (Serve replicas, say) keep theirs, and a
        # worker asked for beyond what is free would wait for a CPU that never comes.
        cpus = int(ray.cluster_resources().get("CPU", 0))
        free = int(ray.available_resources().get("CPU", 0))
        count = free // self.options.cpus_per_worker
        if self.options.max_workers:
            count = min(count, self.options.max_workers)
        if count < 1:
            raise ClusterError(f"the Ray cluster at {self.options.address!r} has {free} of {cpus} CPUs free, fewer "
                               f"than one worker needs ({self.options.cpus_per_worker}); nothing was published")
        for _ in range(count):
            self._add_worker()
        self._describe_new(list(self._workers))
        self.stats.nodes, self.stats.workers = len(nodes), len(self._workers)
        hosts = {w["node"] for w in self._workers.values()}
        self._log(f"Ray cluster at {self.options.address}: {len(self._workers)} workers on {len(hosts)} of "
                  f"{len(nodes)} nodes, each loading {self.name}")

    def _add_worker(self):
        if self._actor_class is None:
            self._actor_class = self._ray.remote(num_cpus=self.options.cpus_per_worker, max_restarts=0)(EmbedWorker)
        worker = self._actor_class.remote(self.options.kind, self.options.batch_size, self.options.cpus_per_worker)
        self._workers[worker] = {}
        return worker

    def _describe_new(self, workers: list) -> None:
        """Wait for new workers to load the model; refuse any that embeds with another model."""
        ray = self._ray
        refs = {w.describe.remote(): w for w in workers}
        ready, not_ready = ray.wait(list(refs), num_returns=len(refs), timeout=self.options.start_seconds)
        if not_ready and not ready:
            raise ClusterError(f"no worker on the Ray cluster at {self.options.address!r} loaded the model within "
                               f"{self.options.start_seconds:.0f} s; nothing was published")
        for ref in ready:
            try:
                info = ray.get(ref)
            except ray.exceptions.RayError as exc:
                self._forget(refs[ref], f"failed to start: {_first_line(exc)}")
                continue
            self._admit(refs[ref], info)
        for ref in not_ready:  # slow to start: it may still come, but not as one of ours
            self._forget(refs[ref], "did not load the model in time")
        if not self._workers:
            raise ClusterError(f"no worker could start on the Ray cluster at {self.options.address!r}; "
                               "nothing was published")

    def _admit(self, worker, info: dict[str, Any]) -> None:
        if info["name"] != self.name:
            raise ClusterError(f"a worker on node {info['host']} embeds with {info['name']!r}, not {self.name!r}: "
                               "install the same statement-search on every node; nothing was published")
        self._workers[worker] = info
        self._dimension = info["dimension"]

    def _forget(self, worker, why: str) -> None:
        info = self._workers.pop(worker, {}) or {}
        self._log(f"worker {info.get('host', '?')}:{info.get('pid', '?')} {why}")
        try:
            self._ray.kill(worker)
        except Exception:  # already gone
            pass

    def _run(self, count: int, payload: Callable[[int], tuple], done: Callable[[int, Any], None]) -> None:
        """Every batch through the workers, retrying those whose worker died."""
        ray = self._ray
        queue: deque[int] = deque(range(count))
        attempts = [0] * count
        in_flight: dict[Any, tuple[int, Any]] = {}
        load: dict[Any, int] = {}
        while queue or in_flight:
            for level in range(1, IN_FLIGHT_PER_WORKER + 1):  # one batch to each worker before a second
                for worker in list(self._workers):
                    if queue and load.get(worker, 0) < level:
                        number = queue.popleft()
                        attempts[number] += 1
                        in_flight[worker.embed.remote(*payload(number))] = (number, worker)
                        load[worker] = load.get(worker, 0) + 1
            if not in_flight and not self._joining:
                raise ClusterError(f"every worker on the Ray cluster at {self.options.address!r} was lost with "
                                   f"{len(queue)} batches still to embed; nothing was published")
            ready, _ = ray.wait(list(in_flight) + list(self._joining), num_returns=1,
                                timeout=self.options.stall_seconds)
            if not ready:
                raise ClusterError(f"no batch finished on the Ray cluster at {self.options.address!r} in "
                                   f"{self.options.stall_seconds:.0f} s; nothing was published")
            if ready[0] in self._joining:
                self._join(ready[0])
                continue
            number, worker = in_flight.pop(ready[0])
            load[worker] -= 1
            try:
                result = ray.get(ready[0])
            except (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError,
                    ray.exceptions.NodeDiedError) as exc:
                self._lose(worker, exc)
                queue.appendleft(number)
                self.stats.batches_retried += 1
            except ray.exceptions.RayTaskError as exc:  # the embedder itself failed on this batch
                if attempts[number] >= self.options.max_attempts:
                    raise ClusterError(f"batch {number + 1} of {count} failed {attempts[number]} times on the Ray "
                                       f"cluster: {_first_line(exc)}; nothing was published") from None
                queue.append(number)
                self.stats.batches_retried += 1
            else:
                info = self._workers.get(worker, {})
                key = f"{info.get('host', '?')}:{info.get('pid', '?')}"
                self.stats.per_worker[key] = self.stats.per_worker.get(key, 0) + len(result[0])
                done(number, result)
                continue
            if attempts[number] >= self.options.max_attempts:
                raise ClusterError(f"batch {number + 1} of {count} was lost with its worker {attempts[number]} times "
                                   "on the Ray cluster; nothing was published")

    def _lose(self, worker, exc: Exception) -> None:
        if worker not in self._workers:
            return  # already counted: its other batches fail the same way
        self.stats.workers_lost += 1
        self._forget(worker, f"was lost ({_first_line(exc)}); its batches go to the other workers")
        if self.stats.workers_replaced < self.stats.workers:  # replace, but never without end
            replacement = self._add_worker()
            self._workers.pop(replacement)  # not dispatched to until it has loaded the model
            self._joining[replacement.describe.remote()] = replacement
            self.stats.workers_replaced += 1

    def _join(self, ref) -> None:
        worker = self._joining.pop(ref)
        try:
            self._admit(worker, self._ray.get(ref))
        except self._ray.exceptions.RayError as exc:
            self._workers[worker] = {}
            self._forget(worker, f"(a replacement) failed to start: {_first_line(exc)}")

    def worker_info(self) -> list[dict[str, Any]]:
        """What each worker in use said of itself: pid, host, node, model name."""
        return [dict(info) for info in self._workers.values()]

    def close(self) -> None:
        """Stop the workers and disconnect (when this embedder made the connection)."""
        if self._ray is None:
            return
        workers = list(self._workers) + list(self._joining.values())
        try:
            held = min(self._ray.available_resources().get("CPU", 0) + len(workers) * self.options.cpus_per_worker,
                       self._ray.cluster_resources().get("CPU", 0))
        except Exception:  # the cluster is gone: nothing to wait for
            held = None
        for worker in workers:
            try:
                self._ray.kill(worker)
            except Exception:
                pass
        self._workers.clear()
        self._joining.clear()
        # Ray frees a killed actor's CPUs a moment later: wait (briefly) for them, so that a build
        # started right after this one finds them free instead of starting with fewer workers.
        deadline = time.monotonic() + RELEASE_SECONDS
        while held is not None and time.monotonic() < deadline:
            try:
                if self._ray.available_resources().get("CPU", 0) >= held:
                    break
            except Exception:
                break
            time.sleep(0.05)
        if self._owns_connection:
            self._ray.shutdown()
        self._ray = None


def _connect(address: str):
    """Ray, connected to the cluster at `address`, and whether this call made the connection
    (a driver already connected, as a test may be, keeps its own); a clear ClusterUnavailable
    when nothing answers there (Ray's own connect waits a minute and prints pages)."""
    host_port = address.removeprefix("ray://")
    if address != "auto" and ":" in host_port:
        host, _, port = host_port.rpartition(":")
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS).close()
        except ValueError:
            raise ClusterUnavailable(address, f"{port!r} is not a port") from None
        except OSError as exc:
            raise ClusterUnavailable(address, exc.strerror or str(exc)) from None
    import logging

    import ray

    if ray.is_initialized():
        return ray, False
    try:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ClusterUnavailable(address, _first_line(exc)) from None
    return ray, True


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
