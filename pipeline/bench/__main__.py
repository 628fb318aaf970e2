"""python -m pipeline.bench [--scale N] [--limit K] [--corpus DIR] [--generate N] [--keep]"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pipeline.bench.run import Options, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.bench",
        description="Run the real news_ingest DAG over NAEB pages served on 127.0.0.1 into a fresh warehouse "
                    "database and compare it with bare nlp.pipe and bare COPY. The last line is JSON.",
    )
    parser.add_argument("--scale", type=int, default=1, help="serve every page N times under distinct URLs")
    parser.add_argument("--limit", type=int, default=None, help="only the first K pages of the corpus")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="NAEB folder (default: NAEB_CORPUS, NAEB_DIR or ../shared/corpora/naeb)")
    parser.add_argument("--generate", type=int, default=None, metavar="N",
                        help="serve N generated pages instead of NAEB")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database and temporary folder")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="limit for the DAG run, seconds")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    logging.basicConfig(level=logging.WARNING)
    try:
        run(Options(scale=args.scale, limit=args.limit, corpus=args.corpus, generate=args.generate,
                    keep=args.keep, timeout_s=args.timeout))
    except (RuntimeError, TimeoutError, ValueError) as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
