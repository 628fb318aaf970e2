"""Entity evaluation on the annotated development set: the seeds plus NAEB articles.

Annotations (pipeline/nlp/annotations/entities/*.jsonl) hold offsets, labels and canonical
entities only; the texts are read in place (seeds/ and the NAEB corpus, never copied), and a
sha256 of each annotated text detects drift. Gold labels are PERSON, ORG and GPE.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import PROJECT_ROOT

ANNOTATIONS_DIR = Path(__file__).with_name("annotations") / "entities"
DEFAULT_NAEB_DIR = PROJECT_ROOT.parent / "shared" / "corpora" / "naeb"
SEED_DIR = PROJECT_ROOT / "seeds"
GOLD_LABELS = frozenset({"PERSON", "ORG", "GPE"})


@dataclass(frozen=True)
class Document:
    source: str
    document: str
    title: str
    text: str
    gold: list[tuple[int, int, str, str]]  # start, end, label, canonical entity


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def naeb_dir(path: Path | None = None) -> Path:
    return Path(path or os.environ.get("NAEB_DIR") or DEFAULT_NAEB_DIR)


def _annotations() -> Iterator[dict]:
    for path in sorted(ANNOTATIONS_DIR.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def load_documents(naeb: Path | None = None) -> tuple[list[Document], list[str], list[str]]:
    """(documents, notes, drifted): annotated texts read in place; drifted texts are left out."""
    from pipeline.sources import seeds

    notes: list[str] = []
    drifted: list[str] = []
    corpus_path = naeb_dir(naeb) / "news_articles.json"
    corpus = None
    if corpus_path.is_file():
        corpus = {str(a["id"]): a for a in json.loads(corpus_path.read_text(encoding="utf-8"))}
    else:
        notes.append(f"NAEB corpus not found at {corpus_path.parent}: evaluating the seeds only "
                     "(set --naeb or NAEB_DIR)")
    documents = []
    for record in _annotations():
        name = str(record["document"])
        if record["source"] == "seeds":
            path = SEED_DIR / name
            if not path.is_file():
                drifted.append(f"seeds/{name}: file missing")
                continue
            article = seeds.parse_seed_text(seeds.decode_text(path.read_bytes()), uri=name)
            title, text = article.title, article.body
        elif record["source"] == "naeb":
            if corpus is None:
                continue
            if name not in corpus:
                drifted.append(f"naeb/{name}: article missing")
                continue
            title, text = corpus[name]["title"] or "", corpus[name]["text"] or ""
        else:
            raise ValueError(f"unknown annotation source {record['source']!r}")
        if sha256_text(text) != record["sha256"]:
            drifted.append(f"{record['source']}/{name}: text changed since it was annotated")
            continue
        gold = [tuple(m) for m in record["mentions"]]
        documents.append(Document(record["source"], name, title, text, gold))
    return documents, notes, drifted


def _ratio(a: int, b: int) -> float:
    return round(a / b, 3) if b else 0.0


def score(documents: list[Document], predictions: list[list[tuple[int, int, str, str]]]) -> dict:
    """Mention precision/recall (exact offsets and label; also offsets only) and fragmentation:
    distinct predicted canonical ids per real entity, and real entities per predicted id."""
    tp = span_tp = n_pred = n_gold = 0
    ids_per_entity: dict[str, set[str]] = defaultdict(set)
    entities_per_id: dict[str, set[str]] = defaultdict(set)
    for doc, predicted in zip(documents, predictions):
        predicted = [p for p in predicted if p[2] in GOLD_LABELS]
        gold_spans = {(s, e): (label, entity) for s, e, label, entity in doc.gold}
        n_pred += len(predicted)
        n_gold += len(doc.gold)
        for start, end, label, key in predicted:
            found = gold_spans.get((start, end))
            if found is None:
                continue
            span_tp += 1
            tp += found[0] == label
            ids_per_entity[found[1]].add(key)
            entities_per_id[key].add(found[1])
    precision, recall = _ratio(tp, n_pred), _ratio(tp, n_gold)
    fragmented = {e: sorted(ids) for e, ids in ids_per_entity.items() if len(ids) > 1}
    merged = {k: sorted(es) for k, es in entities_per_id.items() if len(es) > 1}
    return {
        "documents": len(documents), "gold_mentions": n_gold, "predicted_mentions": n_pred,
        "precision": precision, "recall": recall,
        "f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0,
        "span_precision": _ratio(span_tp, n_pred), "span_recall": _ratio(span_tp, n_gold),
        "entities_found": len(ids_per_entity),
        "ids_per_entity": round(sum(len(v) for v in ids_per_entity.values()) / max(1, len(ids_per_entity)), 3),
        "entities_per_id": round(sum(len(v) for v in entities_per_id.values()) / max(1, len(entities_per_id)), 3),
        "fragmented_entities": fragmented,
        "merged_ids": merged,
    }


def predict(documents: list[Document]) -> list[list[tuple[int, int, str, str]]]:
    """Body mentions as the DAG finds them (title and body of an article resolved together)."""
    from pipeline.nlp.entities import extract_article_mentions
    from pipeline.nlp.model import load_model

    nlp = load_model()
    out = []
    for doc in documents:
        _, body = extract_article_mentions(nlp(doc.title), nlp(doc.text))
        out.append([(m.start, m.end, m.label, m.canonical_key) for m in body])
    return out


def evaluate(naeb: Path | None = None) -> dict:
    documents, notes, drifted = load_documents(naeb)
    predictions = predict(documents)
    report = {"notes": notes, "drifted": drifted, "all": score(documents, predictions)}
    for source in ("seeds", "naeb"):
        picked = [i for i, d in enumerate(documents) if d.source == source]
        if picked:
            report[source] = score([documents[i] for i in picked], [predictions[i] for i in picked])
    return report


def format_report(report: dict) -> str:
    lines = []
    for part in ("seeds", "naeb", "all"):
        if part not in report:
            continue
        r = report[part]
        lines.append(
            f"{part:5}  docs {r['documents']:3}  gold {r['gold_mentions']:4}  predicted {r['predicted_mentions']:4}  "
            f"precision {r['precision']:.3f}  recall {r['recall']:.3f}  f1 {r['f1']:.3f}  "
            f"(offsets only: P {r['span_precision']:.3f} R {r['span_recall']:.3f})  "
            f"canonical ids per real entity {r['ids_per_entity']:.3f} over {r['entities_found']} entities, "
            f"real entities per id {r['entities_per_id']:.3f}"
        )
    for entity, ids in sorted(report["all"]["fragmented_entities"].items()):
        lines.append(f"  split:  {entity} -> {', '.join(ids)}")
    for key, entities in sorted(report["all"]["merged_ids"].items()):
        lines.append(f"  merged: {key} <- {', '.join(entities)}")
    for item in report["drifted"]:
        lines.append(f"  DRIFT: {item}")
    return "\n".join(lines)
