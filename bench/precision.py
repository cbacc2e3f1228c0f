"""Encoder precision on this machine: fp32 (today's ONNX export) against int8 (ONNX Runtime's
dynamic quantization of the same export): speed, agreement and retrieval quality.

    .venv/bin/python bench/precision.py [--docs 5183] [--batch 64] [--scifact DIR]

- int8: `onnxruntime.quantization.quantize_dynamic` (QInt8 weights, per channel) of the cached
  fp32 export, written beside it. Nothing is shipped or switched by this script: it measures.
- speed: SciFact abstracts (title + text, as the JSONL reader joins them, cut at 256 tokens by
  the tokenizer) encoded by each precision at --batch, texts/s (best of two passes, one pass
  over more than 1,000 texts); one query's
  encode p50 over 200 claims.
- agreement: cosine between each document's int8 and fp32 vectors (mean, min).
- quality: SciFact nDCG@10 of plain dense retrieval over whole abstracts (one vector per
  document, exact inner product), test claims only, for each precision: the change int8 makes.
  This is not the product's chunked hybrid pipeline; it isolates the encoder.
- variants (speed and agreement only, on the first --variant-docs texts): fp32 with ONNX
  Runtime's transformer fusions (`onnxruntime.transformers.optimizer`: one Attention, BiasGelu
  and SkipLayerNormalization node per layer), and bf16 through torch's CPU autocast of the
  sentence-transformers model, each against fp32 on the same texts.
- `--run-tokens 256,512,1024,2048,100000 --batch 32` (only this): texts/s of fp32 and int8 when a batch of
  --batch texts runs through the graph in runs of at most that many tokens (rows x padded
  width; indexer/onnx_model.py RUN_TOKENS), on the first --docs texts (default 400), longest first
  as a build sends them. Results: bench/results/run_tokens.json.
- `--query-threads 0.2` (only this): one query's encode p50, fp32 and int8, on one thread and on
  all cores, back to back and after a 0.2 s pause before each query (the pace of a reader, whose
  queries find the encoder's threads asleep and its caches cold). It chose query_threads=1 for
  int8 (indexer/embedders.py). Results: bench/results/query_threads.json.
The machine (CPU flags: VNNI speeds int8 up; AVX2 alone less so; BF16/AMX speed bf16 up, without
them it is emulated) is recorded with the results.
Results: bench/results/precision.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_SCIFACT, load_scifact  # noqa: E402
from bench.machine import write_results  # noqa: E402
from bench.quality import ndcg_at  # noqa: E402
from indexer.embedder import MODEL_NAME, bundled_model_path  # noqa: E402
from indexer.host import model_cache_dir  # noqa: E402
from indexer.onnx_model import OnnxEmbedder, cached_model_file, int8_model_file  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "precision.json"


class FileEmbedder(OnnxEmbedder):
    """OnnxEmbedder on a given ONNX file (the int8 one) instead of the cached export."""

    def __init__(self, onnx_file: Path, **kwargs):
        self._file = onnx_file
        super().__init__(**kwargs)

    def _model_file(self, again: bool = False) -> Path:
        return self._file


def load_docs(scifact: Path, limit: int) -> tuple[list[str], list[str]]:
    ids, texts = [], []
    with open(scifact / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            ids.append(d["_id"])
            texts.append(f"{d.get('title', '')}\n\n{d['text']}")
            if limit and len(ids) == limit:
                break
    return ids, texts


def encode(embedder, texts: list[str], batch: int) -> tuple[np.ndarray, float]:
    best, vectors = float("inf"), None
    for _ in range(2 if len(texts) <= 1000 else 1):  # a long set is timed once
        started = time.perf_counter()
        vectors = np.vstack([embedder.embed_documents(texts[i:i + batch]) for i in range(0, len(texts), batch)])
        best = min(best, time.perf_counter() - started)
    return vectors, len(texts) / best


def query_p50(embedder, queries: list[str], gap_s: float = 0.0) -> float:
    """One query's encode p50 over the first 200; with `gap_s`, a pause (untimed) before each."""
    times = []
    for q in queries[:200]:
        time.sleep(gap_s)
        started = time.perf_counter()
        embedder.embed_query(q)
        times.append(1000 * (time.perf_counter() - started))
    return round(statistics.median(times), 2)


def fused_model_file(fp32: Path) -> Path:
    """The export with ONNX Runtime's BERT fusions applied, written beside it (once)."""
    target = fp32.with_name("model.fused.onnx")
    if not target.exists():
        from onnxruntime.transformers import optimizer

        config = json.loads((bundled_model_path() / "config.json").read_text())
        fused = optimizer.optimize_model(str(fp32), model_type="bert", num_heads=config["num_attention_heads"],
                                         hidden_size=config["hidden_size"], opt_level=1)
        fused.save_model_to_file(str(target))
    return target


class Bf16TorchEmbedder:
    """sentence-transformers' model under torch's bf16 CPU autocast: embed_documents only."""

    def __init__(self, threads: int):
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self.torch = torch
        self.model = SentenceTransformer(str(bundled_model_path()), device="cpu")

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        with self.torch.autocast("cpu", dtype=self.torch.bfloat16):
            vectors = self.model.encode(texts, batch_size=len(texts), convert_to_tensor=True)
        return self.torch.nn.functional.normalize(vectors.float(), dim=1).numpy()


def measure_variants(fp32, fp32_file: Path, options: dict, texts: list[str], batch: int) -> dict:
    """Speed of each variant against fp32 on the same texts, and the cosine of their vectors."""
    from indexer.host import available_cores

    reference, fp32_rate = encode(fp32, texts, batch)
    variants = {"texts": len(texts), "fp32_texts_per_s": round(fp32_rate, 2)}
    for name, make in (("fp32_fused", lambda: FileEmbedder(fused_model_file(fp32_file), **options)),
                       ("bf16_torch_autocast", lambda: Bf16TorchEmbedder(available_cores()))):
        vectors, rate = encode(make(), texts, batch)
        cosines = np.sum(reference * vectors, axis=1)
        variants[name] = {"texts_per_s": round(rate, 2), "speedup": round(rate / fp32_rate, 3),
                          "mean_cosine": round(float(cosines.mean()), 6), "min_cosine": round(float(cosines.min()), 6)}
        print(f"{name}: {rate:.2f} texts/s against fp32's {fp32_rate:.2f} ({rate / fp32_rate:.3f}x), "
              f"cosine to fp32 min {variants[name]['min_cosine']}")
    return variants


def measure_run_tokens(budgets: list[int], texts: list[str], batch: int, options: dict, int8_file: Path) -> dict:
    """Each precision's texts/s at each run budget, on the same texts sent longest first."""
    texts = sorted(texts, key=len, reverse=True)
    found: dict = {"texts": len(texts), "batch": batch}
    for name in ("fp32", "int8"):
        rates = {}
        for budget in budgets:
            embedder = (OnnxEmbedder(**options, run_tokens=budget) if name == "fp32"
                        else FileEmbedder(int8_file, **options, run_tokens=budget))
            embedder.embed_documents(texts[:batch])  # warm
            rates[budget] = round(encode(embedder, texts, batch)[1], 1)
            print(f"{name}, runs of <= {budget} tokens: {rates[budget]} texts/s", flush=True)
        widest = rates[max(budgets)]
        found[name] = {"texts_per_s": rates, "best": max(rates, key=rates.get),
                       "best_over_widest": round(max(rates.values()) / widest, 3)}
    return found


def measure_query_threads(options: dict, int8_file: Path, queries: list[str], gap_s: float) -> dict:
    """One query's encode p50 for each precision on one thread and on all, back to back (100
    claims) and with a pause of `gap_s` before each (60 other claims), as a reader searches."""
    from indexer.host import available_cores

    found: dict = {"back_to_back_queries": 100, "paused_queries": 60, "gap_s": gap_s}
    for name in ("fp32", "int8"):
        for threads in sorted({1, available_cores()}):
            embedder = (OnnxEmbedder(**options, threads=threads) if name == "fp32"
                        else FileEmbedder(int8_file, **options, threads=threads))
            embedder.embed_query("warm up the session")
            row = {"back_to_back_p50_ms": query_p50(embedder, queries[:100]),
                   "paused_p50_ms": query_p50(embedder, queries[100:160], gap_s)}
            found[f"{name}_{threads}_threads"] = row
            print(f"{name}, {threads} thread(s): query p50 {row['back_to_back_p50_ms']} ms back to back, "
                  f"{row['paused_p50_ms']} ms after a {gap_s} s pause", flush=True)
    return found


def write_both(name: str, found: dict) -> None:
    """A results file of figures measured on both ONNX precisions."""
    out = RESULTS.with_name(name)
    write_results(out, found, encoder={"kind": "minilm, minilm-int8", "backend": "onnxruntime", "precision": "fp32, int8"})
    print(f"written to {out.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=0, help="documents to encode (0: all)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--scifact", type=Path, default=DEFAULT_SCIFACT)
    parser.add_argument("--variant-docs", type=int, default=128, help="texts the variants are timed on")
    parser.add_argument("--run-tokens", default="", metavar="N,N,...",
                        help="only: texts/s at each of these run budgets (tokens), fp32 and int8")
    parser.add_argument("--query-threads", type=float, default=None, metavar="GAP",
                        help="only: one query's p50 on 1 thread and on all, back to back and after GAP s pauses")
    args = parser.parse_args()
    cache = model_cache_dir({})
    options = dict(model_path=bundled_model_path(), cache_dir=cache, name=MODEL_NAME, batch_size=args.batch)
    fp32 = OnnxEmbedder(**options)  # exports the fp32 graph on a fresh cache: int8 is made from it
    int8_file = int8_model_file(cached_model_file(bundled_model_path(), cache))
    if args.run_tokens:
        budgets = [int(b) for b in args.run_tokens.split(",")]
        found = measure_run_tokens(budgets, load_docs(args.scifact, args.docs or 400)[1], args.batch, options, int8_file)
        write_both("run_tokens.json", found)
        return
    if args.query_threads is not None:
        queries = list(load_scifact(args.scifact, "test")[0].values())
        write_both("query_threads.json", measure_query_threads(options, int8_file, queries, args.query_threads))
        return
    int8 = FileEmbedder(int8_file, **options)
    ids, texts = load_docs(args.scifact, args.docs)
    queries, qrels = load_scifact(args.scifact, "test")
    results: dict = {"documents": len(texts), "batch": args.batch,
                     "model_mb": {"fp32": round(cached_model_file(bundled_model_path(), cache).stat().st_size / 2**20, 1),
                                  "int8": round(int8_file.stat().st_size / 2**20, 1)}}
    vectors = {}
    for name, embedder in (("fp32", fp32), ("int8", int8)):
        vectors[name], rate = encode(embedder, texts, args.batch)
        doc_matrix = vectors[name]
        ndcgs = []
        for qid, text in queries.items():
            scores = doc_matrix @ embedder.embed_query(text)
            top = np.argsort(-scores)[:10]
            ndcgs.append(ndcg_at([ids[i] for i in top], qrels[qid]))
        results[name] = {"texts_per_s": round(rate, 1), "query_p50_ms": query_p50(embedder, list(queries.values())),
                         "scifact_dense_ndcg@10": round(statistics.fmean(ndcgs), 4)}
        print(f"{name}: {rate:.1f} texts/s, query p50 {results[name]['query_p50_ms']} ms, "
              f"SciFact dense nDCG@10 {results[name]['scifact_dense_ndcg@10']:.4f}")
    cosines = np.sum(vectors["fp32"] * vectors["int8"], axis=1)
    results["agreement"] = {"mean_cosine": round(float(cosines.mean()), 4), "min_cosine": round(float(cosines.min()), 4)}
    results["int8_speedup"] = round(results["int8"]["texts_per_s"] / results["fp32"]["texts_per_s"], 2)
    results["ndcg_change"] = round(results["int8"]["scifact_dense_ndcg@10"] - results["fp32"]["scifact_dense_ndcg@10"], 4)
    print(f"int8 vs fp32: {results['int8_speedup']}x texts/s, cosine mean {results['agreement']['mean_cosine']} "
          f"(min {results['agreement']['min_cosine']}), nDCG@10 change {results['ndcg_change']:+.4f}")
    results["variants"] = measure_variants(fp32, cached_model_file(bundled_model_path(), cache), options,
                                           texts[:args.variant_docs], args.batch)
    write_results(RESULTS, results, encoder={"kind": "minilm", "backend": "onnxruntime and torch",
                                             "precision": "fp32, int8, fp32 fused, bf16"})
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
