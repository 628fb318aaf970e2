"""Score quote extraction on the annotated development set, for the project and for textacy.

Gold: pipeline/nlp/annotations/quotes/dev_set.json (guide: docs/quote_annotation_guide.md), the
seeds plus NAEB articles. NAEB texts are read in place from ``../shared/corpora/naeb`` (or
NAEB_CORPUS) and never copied; without that folder their articles are skipped and the report says so.

Matching rule: a predicted quote matches a gold quote when their character spans overlap by at
least half of the gold span and half of the predicted span (quote marks and outer spaces ignored);
pairs are taken one-to-one, largest overlap first. Predictions typed "indirect" are out of scope
(the gold set holds direct and partial quotes only) and are not scored.

- precision = matched predictions / predictions, recall = matched gold / gold;
- speaker accuracy = matched quotes whose speaker equals the gold speaker after name
  normalisation (aliases.csv, accents, case, a leading "the"); a gold speaker of null (an unnamed
  speaker such as "a source close to him") is right only when the prediction has none either.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.config import PROJECT_ROOT
from pipeline.nlp.entities import extract_article_mentions, load_aliases, normalise_name
from pipeline.nlp.quotes import extract_quotes
from pipeline.records import EntityMention

ANNOTATIONS = Path(__file__).with_name("annotations") / "quotes" / "dev_set.json"
DEFAULT_NAEB = PROJECT_ROOT.parent / "shared" / "corpora" / "naeb"
MIN_OVERLAP = 0.5
_MARKS = " \t\n\"“”«»„‘’'"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    speaker: str | None
    kind: str = "direct"


@dataclass(frozen=True)
class Article:
    source: str
    article: str
    title: str
    text: str
    gold: list[Span]
    split: str = "dev"  # "heldout": annotated after the extractor was tuned, never tuned on


@dataclass
class Score:
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    speaker_right: int = 0
    kind_right: int = 0
    errors: int = 0  # articles on which the system raised
    misses: list[Span] = field(default_factory=list)
    false_alarms: list[Span] = field(default_factory=list)
    wrong_speakers: list[tuple[Span, Span]] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.gold += other.gold
        self.predicted += other.predicted
        self.matched += other.matched
        self.speaker_right += other.speaker_right
        self.kind_right += other.kind_right
        self.errors += other.errors

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def speaker_accuracy(self) -> float:
        return self.speaker_right / self.matched if self.matched else 0.0


def naeb_folder() -> Path:
    return Path(os.environ.get("NAEB_CORPUS") or DEFAULT_NAEB)


def load_articles(annotations: Path = ANNOTATIONS, naeb: Path | None = None,
                  seed_dir: Path | None = None) -> tuple[list[Article], list[str]]:
    """The annotated articles whose text is at hand and unchanged, and notes on what was skipped."""
    from pipeline.sources.seeds import parse_seed_text

    data = json.loads(annotations.read_text(encoding="utf-8"))
    naeb = naeb or naeb_folder()
    seed_dir = seed_dir or PROJECT_ROOT / "seeds"
    naeb_texts: dict[str, tuple[str, str]] | None = None
    notes: list[str] = []
    articles: list[Article] = []
    for entry in data["articles"]:
        if entry["source"] == "seed":
            path = seed_dir / entry["article"]
            parsed = parse_seed_text(path.read_text(encoding="utf-8"), uri=str(path))
            title, text = parsed.title, parsed.body
        else:
            if naeb_texts is None:
                corpus = naeb / "news_articles.json"
                if not corpus.is_file():
                    naeb_texts = {}
                    notes.append(f"NAEB folder {naeb} is absent: its annotated articles are skipped")
                else:
                    rows = json.loads(corpus.read_text(encoding="utf-8"))
                    naeb_texts = {str(r["id"]): (r.get("title") or "", r["text"]) for r in rows}
                    notes.append(f"NAEB texts read in place from {naeb} (not copied)")
            if entry["article"] not in naeb_texts:
                continue
            title, text = naeb_texts[entry["article"]]
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != entry["sha256"]:
            notes.append(f"{entry['source']} {entry['article']}: text changed since it was annotated, skipped")
            continue
        gold = [Span(q["start"], q["end"], q["speaker"], q["kind"]) for q in entry["quotes"]]
        articles.append(Article(entry["source"], entry["article"], title, text, gold, entry.get("split", "dev")))
    return articles, notes


def same_speaker(predicted: str | None, gold: str | None) -> bool:
    if gold is None or predicted is None:
        return gold is None and predicted is None
    return _name_key(predicted) == _name_key(gold)


def _name_key(name: str) -> str:
    key = normalise_name(name)
    if key.startswith("the "):
        key = key[4:]
    alias = load_aliases().get(key)
    return normalise_name(alias.canonical_name) if alias else key


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _MARKS:
        start += 1
    while end > start and text[end - 1] in _MARKS:
        end -= 1
    return start, end


def score_article(text: str, gold: list[Span], predicted: list[Span]) -> Score:
    gold_spans = [_trim(text, g.start, g.end) for g in gold]
    pred_spans = [_trim(text, p.start, p.end) for p in predicted]
    pairs = []
    for gi, (gs, ge) in enumerate(gold_spans):
        for pi, (ps, pe) in enumerate(pred_spans):
            overlap = min(ge, pe) - max(gs, ps)
            if overlap > 0 and overlap >= MIN_OVERLAP * (ge - gs) and overlap >= MIN_OVERLAP * (pe - ps):
                pairs.append((overlap, gi, pi))
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    score = Score(gold=len(gold), predicted=len(predicted))
    for _, gi, pi in sorted(pairs, reverse=True):
        if gi in used_gold or pi in used_pred:
            continue
        used_gold.add(gi)
        used_pred.add(pi)
        score.matched += 1
        if same_speaker(predicted[pi].speaker, gold[gi].speaker):
            score.speaker_right += 1
        else:
            score.wrong_speakers.append((gold[gi], predicted[pi]))
        if predicted[pi].kind == gold[gi].kind:
            score.kind_right += 1
    score.misses = [g for i, g in enumerate(gold) if i not in used_gold]
    score.false_alarms = [p for i, p in enumerate(predicted) if i not in used_pred]
    return score


# --- the two systems -----------------------------------------------------------------------------

def project_quotes(doc: Doc, mentions: list[EntityMention]) -> list[Span]:
    return [Span(q.start, q.end, q.speaker, q.kind) for q in extract_quotes(doc, mentions) if q.kind != "indirect"]


def textacy_quotes(doc: Doc, mentions: list[EntityMention]) -> list[Span]:
    """textacy's direct_quotations; its speaker tokens get the same entity names the project uses
    (a pronoun stays a pronoun, as textacy does not resolve it). Raises as textacy does."""
    from textacy.extract.triples import direct_quotations

    found = []
    for triple in list(direct_quotations(doc)):
        content = triple.content
        speaker = " ".join(t.text for t in triple.speaker) if triple.speaker else None
        if triple.speaker:
            first, last = triple.speaker[0].idx, triple.speaker[-1].idx + len(triple.speaker[-1])
            named = [m for m in mentions if m.start < last and first < m.end]
            if named:
                speaker = named[0].canonical_name
        found.append(Span(content.start_char, content.end_char, speaker, "direct"))
    return found


SYSTEMS: dict[str, Callable[[Doc, list[EntityMention]], list[Span]]] = {
    "project": project_quotes,
    "textacy": textacy_quotes,
}


def evaluate(articles: list[Article], nlp: Language) -> dict[str, list[tuple[Article, Score]]]:
    """Per system, each article with its score. Titles are parsed too, as the DAG does, because
    entity canonicalisation reads them."""
    def texts() -> Iterable[str]:
        for article in articles:
            yield article.title
            yield article.text

    docs = iter(nlp.pipe(texts()))
    results: dict[str, list[tuple[Article, Score]]] = {name: [] for name in SYSTEMS}
    for article in articles:
        title_doc, body_doc = next(docs), next(docs)
        _, mentions = extract_article_mentions(title_doc, body_doc)
        for name, system in SYSTEMS.items():
            try:
                predicted = system(body_doc, mentions)
                errors = 0
            except Exception:  # noqa: BLE001 - a system that raises loses the article, as in production
                predicted, errors = [], 1
            score = score_article(article.text, article.gold, predicted)
            score.errors = errors
            results[name].append((article, score))
    return results


def totals(scored: list[tuple[Article, Score]]) -> Score:
    total = Score()
    for _, score in scored:
        total.add(score)
    return total


def format_report(results: dict[str, list[tuple[Article, Score]]], notes: list[str], *, details: bool = False) -> str:
    lines = list(notes)
    lines.append("")
    lines.append(f"{'system':<20} {'gold':>5} {'pred':>5} {'match':>5} {'precision':>9} {'recall':>7} "
                 f"{'speaker acc':>11} {'errors':>6}")
    splits = sorted({article.split for article, _ in next(iter(results.values()))})
    for subset in [None, *splits] if len(splits) > 1 else [None]:
        for name, scored in results.items():
            t = totals([(a, s) for a, s in scored if subset is None or a.split == subset])
            label = name if subset is None else f"{name} ({subset})"
            lines.append(f"{label:<20} {t.gold:>5} {t.predicted:>5} {t.matched:>5} {t.precision:>9.3f} "
                         f"{t.recall:>7.3f} {t.speaker_accuracy:>11.3f} {t.errors:>6}")
    project = totals(results["project"])
    if project.matched:
        share = project.kind_right / project.matched
        lines.append(f"project kind (direct/partial) agrees with the gold on {share:.3f} of matched quotes "
                     "(textacy types nothing)")
    lines.append("")
    lines.append("per article (precision / recall / speaker accuracy; E = the system raised):")
    names = list(results)
    header = f"{'article':<32} {'gold':>4} " + " ".join(f"{n:>20}" for n in names)
    lines.append(header)
    for i, (article, _) in enumerate(results[names[0]]):
        cells = []
        for n in names:
            s = results[n][i][1]
            cell = "E" if s.errors else f"{s.precision:.2f}/{s.recall:.2f}/{s.speaker_accuracy:.2f}"
            cells.append(f"{cell:>20}")
        name = f"{article.source} {article.article}" + (" (heldout)" if article.split == "heldout" else "")
        lines.append(f"{name:<32} {len(article.gold):>4} " + " ".join(cells))
    if details:
        for article, score in results["project"]:
            for g in score.misses:
                lines.append(f"MISS  {article.article} {g.start}-{g.end} {g.speaker!r}: "
                             f"{article.text[g.start:g.end][:80]!r}")
            for p in score.false_alarms:
                lines.append(f"EXTRA {article.article} {p.start}-{p.end} {p.speaker!r}: "
                             f"{article.text[p.start:p.end][:80]!r}")
            for g, p in score.wrong_speakers:
                lines.append(f"SPKR  {article.article} {g.start}-{g.end} gold {g.speaker!r} got {p.speaker!r}: "
                             f"{article.text[g.start:g.end][:60]!r}")
    return "\n".join(lines)
