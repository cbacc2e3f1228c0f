"""The Ray driver in a child process, for command-line cluster builds.

Ray's driver ends its own process when the cluster's control store (the head's GCS) stops
answering: a C++ fatal after about a minute, with a page of log, which no Python code can catch.
In a child process that is an EOF here, and the build ends with one `error:` line naming the
cluster, publishing nothing, while the last good index keeps serving. The build's own process
never imports Ray.

The child runs cluster.RayEmbedder and answers requests over a pipe: ("dimension",),
("embed", texts, spans, wants_progress) and ("close",); it sends back ("log", line), ("progress", n),
("result", value, stats) or ("error", message). What Ray writes to stderr goes to a file, whose
last line the error quotes.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from typing import Any, Callable, Sequence

import numpy as np

from .cluster import ClusterError, ClusterOptions, ClusterStats, SpansEmbedder
from .embedder import Progress, Spans
from .embedders import embedder_name

# How often the parent looks whether the child is still there while it waits for a reply.
POLL_SECONDS = 0.5


class ChildRayEmbedder(SpansEmbedder):
    """An Embedder that runs the cluster's driver in a child process (see the module docstring)."""

    def __init__(self, options: ClusterOptions, log: Callable[[str], None] = lambda message: None):
        self.options = options
        self.name = embedder_name(options.kind)
        self.stats = ClusterStats(address=options.address)
        self._log = log
        self._dimension: int | None = None
        self._process = None
        self._conn = None
        self._stderr = None

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self._dimension = int(self._request(("dimension",)))
        return self._dimension

    def embed_with_spans(self, texts: Sequence[str], spans: Spans | None,
                         progress: Progress = None) -> tuple[np.ndarray, list[np.ndarray]]:
        plain_spans = None if spans is None else [[tuple(s) for s in ss] for ss in spans]
        vectors, span_vectors = self._request(("embed", list(texts), plain_spans, progress is not None), progress)
        self._dimension = int(vectors.shape[1]) if vectors.size else self._dimension
        return vectors, span_vectors

    def _start(self) -> None:
        if self._process is not None:
            return
        context = multiprocessing.get_context("spawn")  # no forked copy of this process's threads
        self._conn, child_end = context.Pipe()
        self._stderr = tempfile.NamedTemporaryFile(prefix="statement-search-ray-", suffix=".log", delete=False)
        self._process = context.Process(target=_child, args=(child_end, self.options, self._stderr.name),
                                        name="statement-search-ray-driver", daemon=True)
        self._process.start()
        child_end.close()

    def _request(self, message: tuple, progress: Progress = None) -> Any:
        self._start()
        try:
            self._conn.send(message)
            while True:
                if not self._conn.poll(POLL_SECONDS):
                    if not self._process.is_alive():
                        raise EOFError
                    continue
                kind, *rest = self._conn.recv()
                if kind == "log":
                    self._log(rest[0])
                elif kind == "progress":
                    if progress is not None:
                        progress(rest[0])
                elif kind == "error":
                    raise ClusterError(rest[0])
                else:
                    value, stats = rest
                    self.stats = ClusterStats(**stats)
                    return value
        except (EOFError, BrokenPipeError, ConnectionResetError):
            raise ClusterError(f"the Ray cluster at {self.options.address!r} went away during the build "
                               f"({self._last_words()}); nothing was published") from None

    def _last_words(self) -> str:
        """The last line Ray's driver wrote before its process ended."""
        self._process.join(timeout=5)
        try:
            with open(self._stderr.name, encoding="utf-8", errors="replace") as fh:
                lines = [line.strip() for line in fh if line.strip()]
        except OSError:
            lines = []
        said = lines[-1] if lines else f"its driver process ended with code {self._process.exitcode}"
        # Ray's lines start with "[date time,ms E pid tid] file.h:204: "; keep what it says.
        said = said.split("] ", 1)[-1].split(": ", 1)[-1]
        return said.split(". ", 1)[0][:300]

    def close(self) -> None:
        if self._process is None:
            return
        try:
            if self._process.is_alive():
                self._conn.send(("close",))
                self._process.join(timeout=30)
        except (OSError, EOFError):
            pass
        if self._process.is_alive():
            self._process.kill()
        self._conn.close()
        self._stderr.close()
        os.unlink(self._stderr.name)
        self._process = None



def _child(conn, options: ClusterOptions, stderr_path: str) -> None:
    """The child: a RayEmbedder serving the parent's requests until ("close",)."""
    with open(stderr_path, "ab", buffering=0) as err:
        os.dup2(err.fileno(), 2)  # Ray's C++ logs too
    from .cluster import RayEmbedder

    embedder = RayEmbedder(options, log=lambda line: conn.send(("log", line)))
    try:
        while True:
            kind, *args = conn.recv()
            if kind == "close":
                break
            try:
                if kind == "dimension":
                    value = embedder.dimension
                else:
                    texts, spans, wants_progress = args
                    # Without a progress bar there, RayEmbedder logs batches done every few seconds.
                    report = (lambda n: conn.send(("progress", n))) if wants_progress else None
                    value = embedder.embed_with_spans(texts, spans, progress=report)
            except ClusterError as exc:
                conn.send(("error", str(exc)))
            except Exception as exc:  # a fault of ours, not the cluster's: say which
                conn.send(("error", f"the cluster build failed: {type(exc).__name__}: {exc}; nothing was published"))
            else:
                conn.send(("result", value, embedder.stats.as_dict()))
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        embedder.close()
