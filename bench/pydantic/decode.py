#!/usr/bin/env python3
"""Decode-throughput peer for bench/compare.sh: pydantic v2 on an OBReadTransaction6 document.

Usage: decode.py INPUT.json [--repeat N] [--gc on|off] [--models PATH]

Reads INPUT once, then times OBReadTransaction6.model_validate_json(data) N times (default 5)
with the models that bench/pydantic/setup.sh generates from the OBIE v3.1.10 account-info spec
(bench/out/obie_account_info_models.py unless --models is given). Checks that every run decodes
as many transactions as the document holds (counted independently with the json module) and
prints one line of JSON:
  {"impl": "pydantic", "pydantic": ..., "bytes": ..., "transactions": ..., "best_s": ...,
   "median_s": ..., "mb_per_s": bytes / best_s / 1e6, "peak_rss_mb": ...}
--gc off disables Python's cyclic garbage collector during the timed calls (as timeit does).
The default keeps it on, as a service would run: on CPython 3.11 its collections, triggered by the
millions of objects a large document allocates, can take more time than the validation itself.
peak_rss_mb is the growth of the process's peak RSS over the timed runs (the peak before them
already includes the interpreter, the models and the input bytes).
"""

import argparse
import gc
import importlib.util
import json
import resource
import statistics
import sys
import time
from pathlib import Path

DEFAULT_MODELS = Path(__file__).resolve().parent.parent / "out" / "obie_account_info_models.py"


def load_models(path: Path):
    # Registered in sys.modules before running it, so pydantic can resolve the module's
    # forward references (it is generated with `from __future__ import annotations`).
    spec = importlib.util.spec_from_file_location("obie_account_info_models", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--gc", choices=("on", "off"), default="on")
    ap.add_argument("--models", type=Path, default=DEFAULT_MODELS)
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")

    import pydantic
    import pydantic_core

    models = load_models(args.models)
    data = args.input.read_bytes()
    validate = models.OBReadTransaction6.model_validate_json

    gc.collect()
    rss_before = peak_rss_mb()
    times = []
    counts = set()
    for _ in range(args.repeat):
        if args.gc == "off":
            gc.disable()
        start = time.perf_counter()
        try:
            doc = validate(data)
        except pydantic.ValidationError as e:
            gc.enable()
            print(f"decode.py: {args.input} is not a valid OBReadTransaction6: "
                  f"{e.error_count()} errors, first: {e.errors(include_url=False)[:3]}",
                  file=sys.stderr)
            return 1
        times.append(time.perf_counter() - start)
        gc.enable()
        counts.add(len(doc.Data.Transaction or []))
        del doc  # freed outside the timed region, so runs never hold two documents
        gc.collect()
    rss_growth = peak_rss_mb() - rss_before

    # Independent count, after the timed runs so it does not raise the RSS baseline.
    expected = len(json.loads(data)["Data"].get("Transaction") or [])
    if counts != {expected}:
        print(f"decode.py: decoded {sorted(counts)} transactions, document has {expected}",
              file=sys.stderr)
        return 1

    best = min(times)
    print(json.dumps({
        "impl": "pydantic",
        "pydantic": pydantic.VERSION,
        "pydantic_core": pydantic_core.__version__,
        "python": sys.version.split()[0],
        "bytes": len(data),
        "transactions": expected,
        "repeat": args.repeat,
        "gc": args.gc,
        "best_s": round(best, 6),
        "median_s": round(statistics.median(times), 6),
        "mb_per_s": round(len(data) / best / 1e6, 3),
        "peak_rss_mb": round(rss_growth, 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
