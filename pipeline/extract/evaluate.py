"""Extraction quality on NAEB: the project's `extract_html` against bare trafilatura, side by side.

Run: ``python -m pipeline.extract.evaluate [--corpus DIR] [--limit N] [--worst K] [--processes P]``.

The corpus is NAEB (``shared/corpora/naeb``: 421 real news pages with hand-cleaned gold title, date,
authors and body text; Apache-2.0). It is read in place and never copied; when the folder is absent
the command says so and exits 0.

For every page two systems are scored:

* **project**: ``extract_html(decode_body(html), url=link)``, as the DAG runs it on a fetched page; a ``RejectedDocument`` (or any
  other error, counted separately) is scored as an empty prediction.
* **bare trafilatura**: body from ``trafilatura.extract(html, url=link)`` with its defaults;
  title, date and authors from ``trafilatura.extract_metadata(html, default_url=link)`` with its
  defaults (htmldate with ``original_date=True, extensive_search=True``).

Metrics
-------
Body text is scored as the Scrapinghub *article-extraction-benchmark* (``evaluate.py`` of
scrapinghub/article-extraction-benchmark) scores ``articleBody``:

1. tokenise with the regex ``\\w+`` (Unicode word characters; punctuation and whitespace are
   separators). One deliberate difference: tokens are lower-cased here, the benchmark keeps case;
2. build the *multiset* of 4-token shingles (contiguous 4-grams; a text of 1 to 3 tokens gives one
   shorter shingle, an empty text none) of the prediction and of the gold text;
3. per article: TP = sum over shingles of min(count_pred, count_gold), FP = the prediction's surplus,
   FN = the gold's surplus; the three are divided by their sum so that long articles do not weigh
   more; precision = TP/(TP+FP), recall = TP/(TP+FN) (1.0 when FP = FN = 0);
4. ``body_precision`` is the mean of per-article precision over articles with a non-empty
   prediction (the benchmark leaves empty predictions out of the precision mean), ``body_recall`` the
   mean of per-article recall over articles with non-empty gold, and ``body_f1`` =
   2PR/(P+R) of those two means: this is the benchmark's headline F1.
5. Because step 4 does not punish empty output in precision, ``body_f1_mean`` is also reported: the
   mean over *all* articles of each article's own F1 (an empty prediction scores 0).

Metadata:

* ``title_acc``: share of articles whose predicted title equals the gold title after normalisation
  (Unicode NFKC, case-folded, quotes/dashes unified, every run of non-word characters made one space).
* ``date_acc``: share of articles with a gold date whose predicted date is exactly the same
  ``YYYY-MM-DD``; a missing prediction counts as wrong.
* ``author_f1``: per-article F1 between the *sets* of lower-cased ``\\w+`` tokens of all predicted
  author names and of the gold author string (so "Smith, Jane" and "Jane Smith" match; "By" dropped
  on both sides), averaged over all articles; both empty scores 1, one side empty scores 0.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

_REPO = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = _REPO.parent / "shared" / "corpora" / "naeb"
SYSTEMS = ("project", "bare")

_TOKEN = re.compile(r"\w+")


def default_corpus() -> Path:
    """NAEB_CORPUS when set, else ``../shared/corpora/naeb`` beside the repository."""
    return Path(os.environ.get("NAEB_CORPUS") or DEFAULT_CORPUS)


def corpus_available(corpus: Path) -> bool:
    return (corpus / "news_articles.json").is_file() and (corpus / "html").is_dir()


def load_gold(corpus: Path) -> list[dict[str, Any]]:
    with (corpus / "news_articles.json").open(encoding="utf-8") as handle:
        return json.load(handle)


# --- body: 4-token shingles ------------------------------------------------------------------------

def tokens(text: str | None) -> list[str]:
    return [token.lower() for token in _TOKEN.findall(text or "")]


def shingles(text: str | None, n: int = 4) -> Counter:
    words = tokens(text)
    return Counter(tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1)) if words[i:i + n])


def shingle_match(gold: str | None, pred: str | None, n: int = 4) -> tuple[float, float, float]:
    """Normalised (tp, fp, fn) between the shingle multisets, as the benchmark computes them."""
    true_counts, pred_counts = shingles(gold, n), shingles(pred, n)
    tp = fp = fn = 0.0
    for key in true_counts.keys() | pred_counts.keys():
        t, p = true_counts.get(key, 0), pred_counts.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision_score(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def recall_score(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def body_scores(gold: str | None, pred: str | None) -> dict[str, Any]:
    tp, fp, fn = shingle_match(gold, pred)
    p, r = precision_score(tp, fp, fn), recall_score(tp, fp, fn)
    return {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f1(p, r)}


# --- metadata ------------------------------------------------------------------------------------

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "′": "'", "“": '"', "”": '"', "„": '"',
                         "–": "-", "—": "-", "‐": "-", "‑": "-"})


def normalise_title(title: str | None) -> str:
    text = unicodedata.normalize("NFKC", title or "").translate(_QUOTES).casefold()
    return " ".join(re.findall(r"\w+", text))


def title_match(gold: str | None, pred: str | None) -> bool:
    return bool(normalise_title(gold)) and normalise_title(gold) == normalise_title(pred)


def author_tokens(names: Iterable[str] | str | None) -> set[str]:
    if names is None:
        return set()
    if isinstance(names, str):
        names = [names]
    return {token for name in names for token in tokens(name) if token != "by"}


def author_f1(gold: str | Iterable[str] | None, pred: Iterable[str] | str | None) -> float:
    g, p = author_tokens(gold), author_tokens(pred)
    if not g and not p:
        return 1.0
    if not g or not p:
        return 0.0
    common = len(g & p)
    return f1(common / len(p), common / len(g))


# --- running the systems -------------------------------------------------------------------------

@dataclass(frozen=True)
class Prediction:
    title: str | None
    date: str | None
    authors: tuple[str, ...]
    body: str
    error: str | None = None


def predict_project(html: bytes, url: str) -> Prediction:
    from pipeline.extract.html import extract_html
    from pipeline.records import RejectedDocument

    from pipeline.sources.fetch import decode_body

    try:
        # The DAG's path: bytes decoded as the fetcher does, then extract_html on the text.
        article = extract_html(decode_body(html, None)[0], url=url)
    except RejectedDocument as rejected:
        return Prediction(None, None, (), "", error=f"rejected: {rejected.reason}")
    except Exception as error:  # noqa: BLE001 - scored as empty output, counted as an error
        return Prediction(None, None, (), "", error=f"{type(error).__name__}: {error}")
    return Prediction(article.title, article.published_at.isoformat() if article.published_at else None,
                      article.authors, article.body)


def predict_bare(html: bytes, url: str) -> Prediction:
    import trafilatura

    try:
        body = trafilatura.extract(html, url=url) or ""
        meta = trafilatura.extract_metadata(html, default_url=url)
    except Exception as error:  # noqa: BLE001
        return Prediction(None, None, (), "", error=f"{type(error).__name__}: {error}")
    authors = tuple(a.strip() for a in (meta.author or "").split(";") if a.strip())
    return Prediction(meta.title, meta.date, authors, body)


def score(gold: dict[str, Any], pred: Prediction) -> dict[str, Any]:
    body = body_scores(gold.get("text"), pred.body)
    gold_date = gold.get("date") or None
    return {
        **{f"body_{k}": v for k, v in body.items()},
        "pred_empty": not tokens(pred.body),
        "gold_empty": not tokens(gold.get("text")),
        "title": title_match(gold.get("title"), pred.title),
        "date": None if gold_date is None else pred.date == gold_date,
        "author_f1": author_f1(gold.get("authors"), pred.authors),
        "error": pred.error,
        "pred_title": pred.title,
        "pred_date": pred.date,
        "pred_authors": list(pred.authors),
    }


def evaluate_page(item: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    corpus, gold = item
    html = (corpus / "html" / f"{gold['html_file']}.html").read_bytes()
    row: dict[str, Any] = {"id": gold["id"], "link": gold["link"]}
    for name, system in (("project", predict_project), ("bare", predict_bare)):
        started = time.perf_counter()
        row[name] = score(gold, system(html, gold["link"]))
        row[name]["seconds"] = time.perf_counter() - started
    return row


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def summarise(rows: list[dict[str, Any]], system: str) -> dict[str, Any]:
    scored = [row[system] for row in rows]
    precision = _mean([s["body_precision"] for s in scored if not s["pred_empty"]])
    recall = _mean([s["body_recall"] for s in scored if not s["gold_empty"]])
    dated = [s["date"] for s in scored if s["date"] is not None]
    return {
        "pages": len(scored),
        "body_f1": f1(precision, recall),
        "body_precision": precision,
        "body_recall": recall,
        "body_f1_mean": _mean([s["body_f1"] for s in scored]),
        "title_acc": _mean([float(s["title"]) for s in scored]),
        "date_acc": _mean([float(d) for d in dated]),
        "author_f1": _mean([s["author_f1"] for s in scored]),
        "empty_body": sum(s["pred_empty"] for s in scored),
        "errors": sum(1 for s in scored if s["error"] and not s["error"].startswith("rejected")),
        "seconds": sum(s["seconds"] for s in scored),
    }


def evaluate_corpus(corpus: Path, *, ids: Iterable[int] | None = None, limit: int | None = None,
                    processes: int | None = None) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Score both systems on the corpus (optionally only `ids`, or the first `limit` pages).

    Returns ({system: summary}, per-page rows).
    """
    golds = load_gold(corpus)
    if ids is not None:
        wanted = set(ids)
        golds = [g for g in golds if g["id"] in wanted]
    if limit is not None:
        golds = golds[:limit]
    items = [(corpus, gold) for gold in golds]
    processes = processes or min(len(items), os.cpu_count() or 1, 4) or 1
    if processes > 1:
        with multiprocessing.get_context("spawn" if sys.platform == "darwin" else "fork").Pool(processes) as pool:
            rows = pool.map(evaluate_page, items, chunksize=4)
    else:
        rows = [evaluate_page(item) for item in items]
    return {system: summarise(rows, system) for system in SYSTEMS}, rows


METRICS = (
    ("body_f1", "body F1 (benchmark: F1 of mean P, mean R)"),
    ("body_precision", "body precision (mean, non-empty preds)"),
    ("body_recall", "body recall (mean)"),
    ("body_f1_mean", "body F1 (mean of per-page F1)"),
    ("title_acc", "title accuracy"),
    ("date_acc", "date accuracy"),
    ("author_f1", "author F1 (token sets)"),
    ("empty_body", "pages with empty body"),
    ("errors", "errors (exceptions)"),
    ("seconds", "extraction seconds (sum)"),
)


def format_table(summary: dict[str, dict[str, Any]]) -> str:
    lines = [f"{'metric':<42} {'project':>10} {'bare trafilatura':>17}", "-" * 71]
    for key, label in METRICS:
        values = [summary[s][key] for s in SYSTEMS]
        cells = [f"{v:>10.3f}" if isinstance(v, float) else f"{v:>10}" for v in values]
        lines.append(f"{label:<42} {cells[0]:>10} {cells[1]:>17}")
    lines.append(f"{'pages':<42} {summary['project']['pages']:>10} {summary['bare']['pages']:>17}")
    return "\n".join(lines)


def format_worst(rows: list[dict[str, Any]], count: int) -> str:
    worst = sorted(rows, key=lambda row: row["project"]["body_f1"] - row["bare"]["body_f1"])[:count]
    lines = [f"{'id':>5} {'proj F1':>8} {'bare F1':>8} {'P':>6} {'R':>6}  link / error"]
    for row in worst:
        p = row["project"]
        lines.append(f"{row['id']:>5} {p['body_f1']:>8.3f} {row['bare']['body_f1']:>8.3f} "
                     f"{p['body_precision']:>6.2f} {p['body_recall']:>6.2f}  {row['link']} {p['error'] or ''}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.extract.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None, help="NAEB folder (default: ../shared/corpora/naeb)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--processes", type=int, default=None, help="worker processes (default: CPUs, max 4)")
    parser.add_argument("--worst", type=int, default=0, help="also list the K pages where project trails bare most")
    parser.add_argument("--rows", type=Path, default=None, help="write per-page rows as JSON to this file")
    args = parser.parse_args(argv)
    corpus = args.corpus or default_corpus()
    if not corpus_available(corpus):
        print(f"NAEB corpus not found at {corpus} (needs news_articles.json and html/); nothing to evaluate.")
        return 0
    started = time.perf_counter()
    summary, rows = evaluate_corpus(corpus, limit=args.limit, processes=args.processes)
    print(format_table(summary))
    if args.worst:
        print()
        print(format_worst(rows, args.worst))
    if args.rows:
        args.rows.write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
    print(f"# {len(rows)} pages in {time.perf_counter() - started:.1f}s wall time")
    print(json.dumps({"corpus": str(corpus), "pages": len(rows),
                      **{system: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in summary[system].items()}
                         for system in SYSTEMS}}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
