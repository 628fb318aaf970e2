"""Entity mentions from a spaCy Doc: cleaned spans, fixed labels and canonical names.

Canonicalisation, in order: the curated alias table (aliases.csv; transliterations, acronyms),
then within the article a short form resolves to the full name that ends with it (Lavrov ->
Sergei Lavrov), then a surname known from the alias table (Assad -> Bashar al-Assad).
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc, Span

from pipeline.records import EntityMention

ALIASES_PATH = Path(__file__).with_name("aliases.csv")
ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT"})
# Words that precede a name without being part of it ("Foreign Minister Sergei Lavrov").
TITLE_WORDS = frozenset({
    "the", "a", "an", "mr", "mrs", "ms", "dr", "sir", "president", "minister", "prime", "foreign", "defense",
    "defence", "secretary", "general", "chancellor", "king", "queen", "prince", "senator", "sen", "rep",
    "representative", "governor", "gov", "mayor", "spokesman", "spokeswoman", "spokesperson", "ambassador",
    "counterpart", "chief", "director", "commander", "leader", "deputy", "vice", "state", "premier",
})
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "–": "-", "—": "-", "‐": "-"})


@dataclass(frozen=True)
class Alias:
    canonical_name: str
    entity_type: str
    wikidata_id: str | None


def normalise_name(name: str) -> str:
    """Comparison form: accents, case, dots and spacing do not matter ("U.S." == "US")."""
    text = unicodedata.normalize("NFKD", name.translate(_APOSTROPHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace(".", "")
    return re.sub(r"\s+", " ", text).strip()


@functools.lru_cache(maxsize=4)
def load_aliases(path: Path = ALIASES_PATH) -> dict[str, Alias]:
    aliases: dict[str, Alias] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            aliases[normalise_name(row["alias"])] = Alias(
                row["canonical_name"].strip(), row["entity_type"].strip(), (row.get("wikidata_id") or "").strip() or None
            )
    return aliases


def ruler_patterns(tokenizer, path: Path = ALIASES_PATH) -> list[dict]:
    """Patterns for every alias so spaCy labels and bounds known names right. Acronyms match
    their exact spelling ("IS", never the verb "is"); names match in any case ("Islamic state")."""
    patterns = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            alias = row["alias"].strip()
            words = [t.text for t in tokenizer(alias)]
            exact = alias.replace(".", "").isupper()
            patterns.append({"label": row["entity_type"],
                             "pattern": [{"ORTH": w} if exact else {"LOWER": w.lower()} for w in words]})
    return patterns


@functools.lru_cache(maxsize=4)
def _surnames(path: Path = ALIASES_PATH) -> dict[str, Alias]:
    """Last names of curated people that belong to exactly one of them."""
    seen: dict[str, set[Alias]] = {}
    for alias in load_aliases(path).values():
        if alias.entity_type == "PERSON":
            surname = _surname(alias.canonical_name)
            seen.setdefault(surname, set()).add(alias)
    return {surname: next(iter(found)) for surname, found in seen.items() if len(found) == 1}


def _surname(name: str) -> str:
    last = normalise_name(name).split(" ")[-1]
    return re.sub(r"^(al|el|ad|as|ash|at|bin|ibn)-", "", last)


def canonical_key(entity_type: str, canonical_name: str) -> str:
    return f"{entity_type}:{normalise_name(canonical_name)}"


# --- span cleanup -------------------------------------------------------------------------------

def _clean_span(span: Span) -> Span | None:
    """Trim titles, articles and possessives; None when nothing name-like is left."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].lower_.rstrip(".") in TITLE_WORDS or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].lower_ in {"'s", "’s", "'", "’"} or doc[end - 1].is_punct):
        end -= 1
    if start >= end:
        return None
    cleaned = doc[start:end]
    if not any(ch.isalpha() for ch in cleaned.text) or not (cleaned.text[0].isupper() or cleaned.text[0].isdigit()):
        return None
    return cleaned


def _split_known_names(span: Span, aliases: dict[str, Alias]) -> list[tuple[Span, str]]:
    """A span that holds known names back to back ("Russian Federation Sergey Lavrov") is split."""
    doc = span.doc
    found: list[tuple[Span, str]] = []
    i = span.start
    while i < span.end:
        match = None
        for j in range(span.end, i, -1):
            alias = aliases.get(normalise_name(doc[i:j].text))
            if alias:
                match = (doc[i:j], alias.entity_type)
                break
        if match:
            found.append(match)
            i = match[0].end
        else:
            i += 1
    covered = sum(len(s) for s, _ in found)
    if found and (len(found) > 1 or covered < len(span)) and covered >= len(span) - 1:
        return found
    return []


def _strip_compound_suffix(span: Span, aliases: dict[str, Alias]) -> Span:
    """ "U.S.-led" names the U.S.: keep the known name before a hyphenated modifier."""
    for token in span:
        if token.text == "-" and token.i > span.start:
            head = span.doc[span.start:token.i]
            if normalise_name(head.text) in aliases:
                return head
    return span


@dataclass
class _Draft:
    text: str
    start: int
    end: int
    label: str
    field: str


def _drafts(doc: Doc, field: str, aliases: dict[str, Alias]) -> list[_Draft]:
    drafts = []
    for ent in doc.ents:
        if ent.label_ not in ENTITY_LABELS:
            continue
        cleaned = _clean_span(ent)
        if cleaned is None:
            continue
        cleaned = _strip_compound_suffix(cleaned, aliases)
        pieces = _split_known_names(cleaned, aliases) or [(cleaned, ent.label_)]
        for piece, label in pieces:
            piece = _clean_span(piece) or piece
            alias = aliases.get(normalise_name(piece.text))
            drafts.append(_Draft(piece.text, piece.start_char, piece.end_char,
                                 alias.entity_type if alias else label, field))
    return drafts


def _anchor_title_drafts(title: list[_Draft], body: list[_Draft], aliases: dict[str, Alias]) -> list[_Draft]:
    """Headline capitals mislead NER ("Lavrov Vow", "Liaise With"): keep only the longest part of a
    title mention that the body or the alias table confirms as a name."""
    known = {normalise_name(d.text): d.label for d in body}
    known.update({_surname(d.text): d.label for d in body if d.label == "PERSON"})
    anchored = []
    for draft in title:
        words = list(re.finditer(r"\S+", draft.text))
        best = None
        for i in range(len(words)):
            for j in range(len(words), i, -1):
                piece = draft.text[words[i].start():words[j - 1].end()]
                key = normalise_name(piece)
                label = known.get(key) or (aliases[key].entity_type if key in aliases else None)
                if label and (best is None or j - i > best[2]):
                    best = (words[i].start(), words[j - 1].end(), j - i, label)
        if best:
            start, end, _, label = best
            anchored.append(_Draft(draft.text[start:end], draft.start + start, draft.start + end, label, "title"))
    return anchored


def _resolve(drafts: Sequence[_Draft], aliases: dict[str, Alias]) -> list[EntityMention]:
    """Canonical names: alias table, then the article's own full names, then curated surnames."""
    full_people: dict[str, str] = {}
    for d in drafts:
        alias = aliases.get(normalise_name(d.text))
        name = alias.canonical_name if alias else d.text
        if (alias.entity_type if alias else d.label) == "PERSON" and " " in name:
            surname = _surname(name)
            if len(name) > len(full_people.get(surname, "")):
                full_people[surname] = name
    surnames = _surnames()
    mentions = []
    for d in drafts:
        alias = aliases.get(normalise_name(d.text))
        if alias:
            name, label = alias.canonical_name, alias.entity_type
        elif " " not in d.text.strip() and _surname(d.text) in full_people and d.label in {"PERSON", "ORG", "NORP", "GPE"}:
            name, label = full_people[_surname(d.text)], "PERSON"
        elif " " not in d.text.strip() and _surname(d.text) in surnames and d.label in {"PERSON", "ORG", "NORP"}:
            known = surnames[_surname(d.text)]
            name, label = known.canonical_name, known.entity_type
        else:
            name, label = d.text, d.label
        final = aliases.get(normalise_name(name))
        if final:
            name, label = final.canonical_name, final.entity_type
        mentions.append((d.field, EntityMention(d.text, d.start, d.end, label, name, canonical_key(label, name))))
    return mentions


def extract_article_mentions(title_doc: Doc | None, body_doc: Doc) -> tuple[list[EntityMention], list[EntityMention]]:
    """(title mentions, body mentions) of one article, canonicalised together."""
    aliases = load_aliases()
    body = _drafts(body_doc, "body", aliases)
    title = _anchor_title_drafts(_drafts(title_doc, "title", aliases), body, aliases) if title_doc is not None else []
    resolved = _resolve(body + title, aliases)
    return ([m for f, m in resolved if f == "title"], [m for f, m in resolved if f == "body"])


def extract_mentions(doc: Doc) -> list[EntityMention]:
    """Mentions of a single text (no title), for the command line and tests."""
    return extract_article_mentions(None, doc)[1]


def mentions_by_person(mentions: Iterable[EntityMention]) -> list[EntityMention]:
    return [m for m in mentions if m.label == "PERSON"]
