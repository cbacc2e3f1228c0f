"""The generation being served, and a watcher that swaps to a newly published one.

A request takes `LiveIndex.current()` once and uses that (Generation, Searcher) pair until it
is done; the watcher replaces the pair with one attribute assignment. The old generation is
never closed, only dropped: requests still holding it finish on it, and its connections go
when the last reference does.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from indexer.errors import CorruptIndex, IndexerError, ModelMismatch
from indexer.generation import DocumentInfo, Generation
from indexer.layout import IndexDir

from .errors import IndexUnavailable
from .quotes import QuoteChecker
from .searcher import Searcher, Stages

log = logging.getLogger("search_app")

BUILD_HINT = "build the index with: python -m indexer build"
REBUILD_HINT = "rebuild it with: python -m indexer build --full"


def model_hint(exc: ModelMismatch) -> str:
    """Sound, but another model's vectors: a plain build with the server's embedder re-embeds.
    On this machine, since `auto` picks by the CPU (another CPU may pick another model)."""
    return (f"build it again with the server's embedder (model {exc.expected!r}): python -m indexer build on this "
            "machine, with the server's STATEMENT_SEARCH_EMBEDDER")


@dataclass(frozen=True)
class Live:
    generation: Generation
    searcher: Searcher

    @cached_property
    def documents(self) -> list[DocumentInfo]:
        # A generation never changes, so its document list is read once.
        return self.generation.documents()

    @cached_property
    def quotes(self) -> QuoteChecker:
        return QuoteChecker(self.searcher)


@dataclass(frozen=True)
class Problem:
    reason: str
    hint: str

    def __str__(self) -> str:
        return f"{self.reason}; {self.hint}"


def read_positions_later(generation: Generation, multilingual: bool = False) -> threading.Thread:
    """Every chunk's place into memory (ranking reads it on every search), in the background:
    at a million chunks it is a 3-9 s scan of the chunks table, which neither a start-up nor a
    swap should wait for; until it is done, and if it fails, searches read them from SQLite.
    With `multilingual`, the multilingual vectors too, so the first foreign question does not
    wait for them."""
    def read() -> None:
        try:
            generation.positions()
        except IndexerError as exc:
            log.error("%s; searches keep reading chunk positions from SQLite", exc)
        if multilingual:
            try:
                generation.multilingual_vectors()
            except IndexerError as exc:  # the first foreign question will say so too
                log.error("%s", exc)

    thread = threading.Thread(target=read, name=f"positions-{generation.name}", daemon=True)
    thread.start()
    return thread


class LiveIndex:
    """Holds the live pair; `refresh()` looks at index/CURRENT and swaps when it moved."""

    def __init__(self, index_path: Path, embedder, interval: float = 0.5, executor=None,
                 stages: Stages = Stages(), encoder=None, multilingual=None):
        self.index_dir = IndexDir(Path(index_path))
        self.embedder = embedder
        # Handed to each generation's Searcher: the pool for the keyword half of hybrid search,
        # the search stages, and the query encoder (its cache outlives a generation).
        self.executor = executor
        self.stages = stages
        self.encoder = encoder
        self.multilingual = multilingual  # the multilingual encoder, when the server has one
        self.interval = interval
        self.live: Live | None = None
        # Why nothing is served (no live pair), or why the newest generation was refused.
        self.problem: Problem | None = None
        self._seen: str | None = None  # the last generation name we tried to open
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def current(self) -> Live:
        live = self.live
        if live is None:
            raise IndexUnavailable(str(self.problem or Problem("the index is not open yet", BUILD_HINT)))
        return live

    def refresh(self) -> bool:
        """Open the generation CURRENT names if it is new to us; True if we swapped."""
        with self._lock:
            name = self.index_dir.current_name()
            if name is None:
                if self.live is None:
                    self.problem = Problem(f"no published index generation in {self.index_dir.path}", BUILD_HINT)
                return False
            if name == self._seen:
                return False
            self._seen = name
            try:
                generation = self._open(name)
            except IndexerError as exc:
                self.problem = Problem(str(exc), model_hint(exc) if isinstance(exc, ModelMismatch) else REBUILD_HINT)
                if self.live is None:
                    # Nothing served yet (a start-up on a damaged index): an older generation
                    # still on disk is better than no answers; health keeps naming the problem.
                    fallback = self._open_older(name)
                    if fallback is not None:
                        log.error("refused index generation %s: %s (serving the older %s instead)",
                                  name, exc, fallback.name)
                        self.live = self._live(fallback)
                        return True
                kept = f"still serving {self.live.generation.name}" if self.live else "nothing to serve"
                log.error("refused index generation %s: %s (%s)", name, exc, kept)
                return False
            self.live = self._live(generation)
            self.problem = None
            log.info("serving index generation %s (%s)", name, generation.counts())
            return True

    def _live(self, generation: Generation) -> Live:
        searcher = Searcher(generation, self.embedder, self.stages, executor=self.executor, encoder=self.encoder,
                            multilingual=self.multilingual)
        if self.multilingual is not None and searcher.multilingual is None:
            log.warning("generation %s has no multilingual vectors from %s (build with --multilingual): questions in "
                        "other languages are searched without them", generation.name, self.multilingual.name)
        # Sorted here, before the swap, so no question waits for it (the unknown-word check reads it).
        searcher.stats.sorted_terms()
        read_positions_later(generation, multilingual=searcher.multilingual is not None)
        return Live(generation, searcher)

    def _open(self, name: str) -> Generation:
        path = self.index_dir.path / name
        if not path.is_dir():
            raise CorruptIndex(path, "CURRENT names it, but the folder does not exist")
        return Generation.open(path, expect_model=self.embedder.name, expect_dimension=self._embedder_dimension())

    def _open_older(self, name: str) -> Generation | None:
        """The newest generation older than `name` that opens and verifies, if any."""
        for older in sorted((n for n in self.index_dir.generation_names() if n < name), reverse=True):
            try:
                return self._open(older)
            except IndexerError:
                continue
        return None

    def _embedder_dimension(self) -> int | None:
        """What the query vectors will be, so an index of another dimension is refused here
        rather than failing every search. None when the model cannot say (it failed to load:
        the first query reports that), and the other checks still run."""
        try:
            return int(self.embedder.dimension)
        except Exception:
            return None

    # ------------------------------------------------------------ the watcher

    def start(self) -> None:
        self.refresh()
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, name="index-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.refresh()
            except Exception:  # the watcher must outlive any one bad look at the folder
                log.exception("index watcher: unexpected error; will look again")
