"""Entity mentions from a spaCy Doc: cleaned spans, fixed labels and canonical names.

Cleanup here (needs the Doc); canonicalisation in pipeline.nlp.resolve (needs only the cleaned
mentions, so the warehouse can redo it after the alias table changes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc, Span

from pipeline.nlp.resolve import (  # noqa: F401  (re-exported for callers and tests)
    ALIASES_PATH, ENTITY_TYPES, Alias, AliasTable, canonical_key, entity_key, load_aliases, normalise_name,
    read_alias_rows, resolve_article, surname,
)
from pipeline.records import EntityMention

ENTITY_LABELS = frozenset(ENTITY_TYPES)
# Words that precede a name without being part of it ("Foreign Minister Sergei Lavrov").
TITLE_WORDS = frozenset({
    "the", "a", "an", "mr", "mrs", "ms", "dr", "sir", "president", "minister", "prime", "foreign", "defense",
    "defence", "secretary", "general", "chancellor", "king", "queen", "prince", "senator", "sen", "rep",
    "representative", "governor", "gov", "mayor", "spokesman", "spokeswoman", "spokesperson", "ambassador",
    "counterpart", "chief", "director", "commander", "leader", "deputy", "vice", "state", "premier",
    "finance", "interior",
})
_POSSESSIVES = frozenset({"'s", "’s", "'", "’"})
# "South America" is not America: a known one-word name after one of these is part of a region.
_REGION_WORDS = frozenset({"north", "south", "east", "west", "central", "latin", "northern", "southern", "eastern",
                           "western"})
# A title word that is the head of an organisation's name ("Defense Ministry") is kept.
_ORG_HEADS = frozenset({"ministry", "department", "office", "council", "committee", "agency", "army", "forces",
                        "force", "party", "court", "command", "guard", "guards", "corps", "bank", "union",
                        "group", "house", "senate", "university", "institute", "service"})


def ruler_patterns(tokenizer, path: Path = ALIASES_PATH) -> list[dict]:
    """Patterns for every alias so spaCy labels and bounds known names right. Acronyms match
    their exact spelling ("IS", never the verb "is"); names match in any case ("Islamic state")."""
    patterns = []
    for alias, _, entity_type, _ in read_alias_rows(path):
        alias = alias.strip()
        words = [t.text for t in tokenizer(alias)]
        exact = alias.replace(".", "").isupper()
        patterns.append({"label": entity_type.strip(),
                         "pattern": [{"ORTH": w} if exact else {"LOWER": w.lower()} for w in words]})
    return patterns


def _surname(name: str) -> str:
    return surname(name)


# --- span cleanup -------------------------------------------------------------------------------

def _clean_span(span: Span, label: str | None = None) -> Span | None:
    """Trim titles, articles and possessives; None when nothing name-like is left."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].lower_.rstrip(".") in TITLE_WORDS or doc[start].is_punct):
        # "Defense Ministry", "State Department": here the title word is part of the name.
        if label not in (None, "PERSON") and end - start > 1 and doc[start].lower_ != "the" \
                and doc[end - 1].lower_ in _ORG_HEADS:
            break
        start += 1
    # "Trump's years": the name is the possessor when only lower-case words follow.
    for i in range(start + 1, end - 1):
        if doc[i].lower_ in _POSSESSIVES and all(t.is_lower for t in doc[i + 1:end]):
            end = i
            break
    while end > start and (doc[end - 1].lower_ in _POSSESSIVES or doc[end - 1].is_punct):
        end -= 1
    if start >= end:
        return None
    cleaned = doc[start:end]
    if not any(ch.isalpha() for ch in cleaned.text) or not (cleaned.text[0].isupper() or cleaned.text[0].isdigit()):
        return None
    return cleaned


def _split_known_names(span: Span, label: str, aliases: AliasTable) -> list[tuple[Span, str]]:
    """A span that holds known names back to back ("Russian Federation Sergey Lavrov", "Russia
    Lavrov") is split; a one-word rest keeps the model's label and is resolved later."""
    doc = span.doc
    found: list[tuple[Span, str]] = []
    rest: list[int] = []
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
            rest.append(i)
            i += 1
    covered = sum(len(s) for s, _ in found)
    if found and (len(found) > 1 or covered < len(span)) and covered >= len(span) - 1:
        if rest and doc[rest[0]].is_alpha and doc[rest[0]].text[:1].isupper() \
                and doc[rest[0]].lower_ not in TITLE_WORDS:
            found.append((doc[rest[0]:rest[0] + 1], label))
        return sorted(found, key=lambda f: f[0].start)
    return []


def _strip_compound_suffix(span: Span, aliases: AliasTable) -> tuple[int, int] | None:
    """ "U.S.-led" names the U.S.: keep the known name before a hyphenated modifier, also when the
    tokenizer kept it as one token."""
    match = re.match(r"^(.+?)-[a-z][\w-]*$", span.text)
    if match and normalise_name(match.group(1)) in aliases:
        return span.start_char, span.start_char + len(match.group(1))
    return None


@dataclass
class _Draft:
    text: str
    start: int
    end: int
    label: str
    field: str


def _compound_heads(doc: Doc, aliases: AliasTable) -> list[_Draft]:
    """Known names at the head of a hyphenated modifier the model did not tag ("U.S.-led")."""
    drafts = []
    for token in doc:
        if token.ent_type_ or "-" not in token.text:
            continue
        match = re.match(r"^([A-Z].*?)-[a-z][\w-]*$", token.text)
        head = match.group(1) if match else ""
        # Short heads must be written in capitals: "US-led" names the US, "Us-" does not.
        alias = aliases.get(normalise_name(head)) if head and (len(head) > 4 or head.replace(".", "").isupper()) \
            else None
        if alias:
            drafts.append(_Draft(match.group(1), token.idx, token.idx + len(match.group(1)), alias.entity_type, ""))
    return drafts


def _drafts(doc: Doc, field: str, aliases: AliasTable) -> list[_Draft]:
    drafts = []
    for draft in _compound_heads(doc, aliases):
        draft.field = field
        drafts.append(draft)
    for ent in doc.ents:
        if ent.label_ not in ENTITY_LABELS:
            continue
        if len(ent) == 1 and ent.start > 0 and doc[ent.start - 1].lower_ in _REGION_WORDS \
                and doc[ent.start - 1].text[:1].isupper():
            continue
        cleaned = _clean_span(ent, ent.label_)
        if cleaned is None:
            continue
        head = _strip_compound_suffix(cleaned, aliases)
        if head:
            text = doc.text[head[0]:head[1]]
            drafts.append(_Draft(text, head[0], head[1], aliases[normalise_name(text)].entity_type, field))
            continue
        pieces = _split_known_names(cleaned, ent.label_, aliases) or [(cleaned, ent.label_)]
        for piece, label in pieces:
            piece = _clean_span(piece, label) or piece
            alias = aliases.get(normalise_name(piece.text))
            drafts.append(_Draft(piece.text, piece.start_char, piece.end_char,
                                 alias.entity_type if alias else label, field))
    return sorted(drafts, key=lambda d: d.start)


def _anchor_title_drafts(title: list[_Draft], body: list[_Draft], aliases: AliasTable) -> list[_Draft]:
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


def _untagged_short_forms(doc: Doc, field: str, known: list[_Draft]) -> list[_Draft]:
    """The model sometimes leaves a surname untagged ("Lavrov about the possibility..."); once the
    article names the person in full, the bare surname is that person wherever it stands."""
    surnames = {d.text.split()[-1] for d in known if d.label == "PERSON" and len(d.text.split()) >= 2}
    taken = {(d.start, d.end) for d in known if d.field == field}
    found = []
    for token in doc:
        if token.text in surnames and not token.ent_type_ and token.pos_ == "PROPN" \
                and (token.idx, token.idx + len(token.text)) not in taken:
            found.append(_Draft(token.text, token.idx, token.idx + len(token.text), "PERSON", field))
    return found


def extract_article_mentions(
    title_doc: Doc | None, body_doc: Doc, aliases: AliasTable | None = None
) -> tuple[list[EntityMention], list[EntityMention]]:
    """(title mentions, body mentions) of one article, canonicalised together. The cleanup uses the
    curated table; resolution uses `aliases` (e.g. the warehouse's table) when given."""
    curated = load_aliases()
    body = _drafts(body_doc, "body", curated)
    title = _anchor_title_drafts(_drafts(title_doc, "title", curated), body, curated) if title_doc is not None else []
    body = sorted(body + _untagged_short_forms(body_doc, "body", body), key=lambda d: d.start)
    if title_doc is not None:
        title = sorted(title + _untagged_short_forms(title_doc, "title", body + title), key=lambda d: d.start)
    drafts = body + title
    resolved = resolve_article([(d.text, d.label) for d in drafts], aliases or curated)
    mentions = [(d.field, EntityMention(d.text, d.start, d.end, r.entity_type, r.canonical_name, r.canonical_key,
                                        ner_label=d.label))
                for d, r in zip(drafts, resolved)]
    return ([m for f, m in mentions if f == "title"], [m for f, m in mentions if f == "body"])


def extract_mentions(doc: Doc, aliases: AliasTable | None = None) -> list[EntityMention]:
    """Mentions of a single text (no title), for the command line and tests."""
    return extract_article_mentions(None, doc, aliases)[1]


def mentions_by_person(mentions: Iterable[EntityMention]) -> list[EntityMention]:
    return [m for m in mentions if m.label == "PERSON"]
