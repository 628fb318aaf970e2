"""Entity mentions from a spaCy Doc: cleaned spans, fixed labels and canonical names.

Cleanup here (needs the Doc); canonicalisation in pipeline.nlp.resolve (needs only the cleaned
mentions, so the warehouse can redo it after the alias table changes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy
from spacy.attrs import DEP, HEAD, IDX, IS_ALPHA, IS_LOWER, IS_PUNCT, LEMMA, LOWER, ORTH, POS, SENT_START, SPACY
from spacy.tokens import Doc

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


# --- token columns ------------------------------------------------------------------------------

# Hash -> string for the columns below, shared by all docs (a string has one hash in every vocab);
# cleared when it grows past this size.
_STRINGS: dict[int, str] = {}
_STRINGS_MAX = 1 << 20


class TokenColumns:
    """A Doc's token attributes as plain lists, each read at once with Doc.to_array when first
    used. Hot loops index these: creating a spaCy Token per visit (`for token in doc`, doc[i]) cost
    more than the rules themselves."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc

    def _ints(self, attr: int) -> list[int]:
        return self.doc.to_array(attr).tolist()

    def _strings(self, attr: int) -> list[str]:
        hashes = self._ints(attr)
        try:
            return list(map(_STRINGS.__getitem__, hashes))
        except KeyError:  # strings not seen before: look each up once
            if len(_STRINGS) > _STRINGS_MAX:
                _STRINGS.clear()
            strings = self.doc.vocab.strings
            _STRINGS.update({h: strings[h] for h in set(hashes).difference(_STRINGS)})
            return list(map(_STRINGS.__getitem__, hashes))

    @cached_property
    def text(self) -> str:
        """Doc.text, from the columns: Doc.text creates every Token."""
        return "".join([word + " " if space else word for word, space in zip(self.orth, self._ints(SPACY))])

    @cached_property
    def idx(self) -> list[int]:
        return self._ints(IDX)

    @cached_property
    def orth(self) -> list[str]:  # Token.text
        return self._strings(ORTH)

    @cached_property
    def lower(self) -> list[str]:
        return self._strings(LOWER)

    @cached_property
    def pos(self) -> list[str]:
        return self._strings(POS)

    @cached_property
    def dep(self) -> list[str]:
        return self._strings(DEP)

    @cached_property
    def lemma(self) -> list[str]:
        return self._strings(LEMMA)

    @cached_property
    def head(self) -> list[int]:
        """Token.head.i (to_array stores the offset to the head, as unsigned)."""
        return (self.doc.to_array(HEAD).astype("int64") + numpy.arange(len(self.doc))).tolist()

    @cached_property
    def sentence_first(self) -> list[int]:
        """The first token of each token's sentence: the nearest index at or before it whose
        Token.is_sent_start is True, else 0."""
        starts = numpy.where(self.doc.to_array(SENT_START).astype("int64") == 1, numpy.arange(len(self.doc)), 0)
        return numpy.maximum.accumulate(starts).tolist() if len(starts) else []

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        """Token bounds of Doc.sents (which needs sentence annotation), read once."""
        return [(s.start, s.end) for s in self.doc.sents]

    @cached_property
    def is_punct(self) -> list[bool]:
        return self.doc.to_array(IS_PUNCT).astype(bool).tolist()

    @cached_property
    def is_alpha(self) -> list[bool]:
        return self.doc.to_array(IS_ALPHA).astype(bool).tolist()

    @cached_property
    def is_lower(self) -> list[bool]:
        return self.doc.to_array(IS_LOWER).astype(bool).tolist()

    def end_char(self, i: int) -> int:
        """Where token i ends in the text."""
        return self.idx[i] + len(self.orth[i])

    def span_text(self, start: int, end: int) -> str:
        """doc[start:end].text without building the Span."""
        return self.text[self.idx[start]:self.idx[end - 1] + len(self.orth[end - 1])] if end > start else ""


# The body Doc goes through extract_article_mentions, then extract_quotes: the columns of the few
# latest docs are kept for the next call. This assumes a Doc is not changed between the two calls
# (the stage never changes a parsed Doc).
_RECENT: list[TokenColumns] = []
_RECENT_SIZE = 4


def token_columns(doc: Doc) -> TokenColumns:
    """The columns of `doc`, shared with the calls just before on the same Doc object."""
    for tokens in _RECENT:
        if tokens.doc is doc:
            return tokens
    tokens = TokenColumns(doc)
    _RECENT.insert(0, tokens)
    del _RECENT[_RECENT_SIZE:]
    return tokens


# --- span cleanup -------------------------------------------------------------------------------

def _clean_span(tokens: TokenColumns, start: int, end: int, label: str | None = None) -> tuple[int, int] | None:
    """Token bounds of the span with titles, articles and possessives trimmed; None when nothing
    name-like is left."""
    lower, punct = tokens.lower, tokens.is_punct
    while start < end and (lower[start].rstrip(".") in TITLE_WORDS or punct[start]):
        # "Defense Ministry", "State Department": here the title word is part of the name.
        if label not in (None, "PERSON") and end - start > 1 and lower[start] != "the" \
                and lower[end - 1] in _ORG_HEADS:
            break
        start += 1
    # "Trump's years": the name is the possessor when only lower-case words follow.
    for i in range(start + 1, end - 1):
        if lower[i] in _POSSESSIVES and all(tokens.is_lower[i + 1:end]):
            end = i
            break
    while end > start and (lower[end - 1] in _POSSESSIVES or punct[end - 1]):
        end -= 1
    if start >= end:
        return None
    text = tokens.span_text(start, end)
    if not any(ch.isalpha() for ch in text) or not (text[0].isupper() or text[0].isdigit()):
        return None
    return start, end


def _split_known_names(tokens: TokenColumns, start: int, end: int, label: str,
                       aliases: AliasTable) -> list[tuple[int, int, str]]:
    """A span that holds known names back to back ("Russian Federation Sergey Lavrov", "Russia
    Lavrov") is split; a one-word rest keeps the model's label and is resolved later."""
    if end - start < 2:
        return []  # one known name or none: nothing to split
    found: list[tuple[int, int, str]] = []
    rest: list[int] = []
    i = start
    while i < end:
        match = None
        for j in range(end, i, -1):
            alias = aliases.get(normalise_name(tokens.span_text(i, j)))
            if alias:
                match = (i, j, alias.entity_type)
                break
        if match:
            found.append(match)
            i = match[1]
        else:
            rest.append(i)
            i += 1
    covered = sum(e - s for s, e, _ in found)
    if found and (len(found) > 1 or covered < end - start) and covered >= end - start - 1:
        if rest and tokens.is_alpha[rest[0]] and tokens.orth[rest[0]][:1].isupper() \
                and tokens.lower[rest[0]] not in TITLE_WORDS:
            found.append((rest[0], rest[0] + 1, label))
        return sorted(found, key=lambda f: f[0])
    return []


_COMPOUND_SUFFIX = re.compile(r"^(.+?)-[a-z][\w-]*$")
_COMPOUND_HEAD = re.compile(r"^([A-Z].*?)-[a-z][\w-]*$")


def _strip_compound_suffix(text: str, start_char: int, aliases: AliasTable) -> tuple[int, int] | None:
    """ "U.S.-led" names the U.S.: keep the known name before a hyphenated modifier, also when the
    tokenizer kept it as one token."""
    match = _COMPOUND_SUFFIX.match(text) if "-" in text else None
    if match and normalise_name(match.group(1)) in aliases:
        return start_char, start_char + len(match.group(1))
    return None


@dataclass
class _Draft:
    text: str
    start: int
    end: int
    label: str
    field: str


def _compound_heads(tokens: TokenColumns, field: str, aliases: AliasTable) -> list[_Draft]:
    """Known names at the head of a hyphenated modifier the model did not tag ("U.S.-led")."""
    drafts = []
    for i, word in enumerate(tokens.orth):
        if "-" not in word or tokens.doc[i].ent_type_:
            continue
        match = _COMPOUND_HEAD.match(word)
        head = match.group(1) if match else ""
        # Short heads must be written in capitals: "US-led" names the US, "Us-" does not.
        alias = aliases.get(normalise_name(head)) if head and (len(head) > 4 or head.replace(".", "").isupper()) \
            else None
        if alias:
            start = tokens.idx[i]
            drafts.append(_Draft(match.group(1), start, start + len(match.group(1)), alias.entity_type, field))
    return drafts


def _drafts(tokens: TokenColumns, field: str, aliases: AliasTable) -> list[_Draft]:
    doc = tokens.doc
    drafts = _compound_heads(tokens, field, aliases)
    for ent in doc.ents:
        label = ent.label_
        if label not in ENTITY_LABELS:
            continue
        if ent.end - ent.start == 1 and ent.start > 0 and tokens.lower[ent.start - 1] in _REGION_WORDS \
                and tokens.orth[ent.start - 1][:1].isupper():
            continue
        cleaned = _clean_span(tokens, ent.start, ent.end, label)
        if cleaned is None:
            continue
        head = _strip_compound_suffix(tokens.span_text(*cleaned), tokens.idx[cleaned[0]], aliases)
        if head:
            text = tokens.text[head[0]:head[1]]
            drafts.append(_Draft(text, head[0], head[1], aliases[normalise_name(text)].entity_type, field))
            continue
        pieces = _split_known_names(tokens, *cleaned, label, aliases) or [(*cleaned, label)]
        for start, end, piece_label in pieces:
            start, end = _clean_span(tokens, start, end, piece_label) or (start, end)
            text = tokens.span_text(start, end)
            alias = aliases.get(normalise_name(text))
            drafts.append(_Draft(text, tokens.idx[start], tokens.end_char(end - 1),
                                 alias.entity_type if alias else piece_label, field))
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


def _untagged_short_forms(tokens: TokenColumns, field: str, known: list[_Draft]) -> list[_Draft]:
    """The model sometimes leaves a surname untagged ("Lavrov about the possibility..."); once the
    article names the person in full, the bare surname is that person wherever it stands."""
    surnames = {d.text.split()[-1] for d in known if d.label == "PERSON" and len(d.text.split()) >= 2}
    taken = {(d.start, d.end) for d in known if d.field == field}
    found = []
    for i, word in enumerate(tokens.orth):
        if word in surnames and not tokens.doc[i].ent_type_ and tokens.pos[i] == "PROPN" \
                and (tokens.idx[i], tokens.end_char(i)) not in taken:
            found.append(_Draft(word, tokens.idx[i], tokens.end_char(i), "PERSON", field))
    return found


def extract_article_mentions(
    title_doc: Doc | None, body_doc: Doc, aliases: AliasTable | None = None
) -> tuple[list[EntityMention], list[EntityMention]]:
    """(title mentions, body mentions) of one article, canonicalised together. The cleanup uses the
    curated table; resolution uses `aliases` (e.g. the warehouse's table) when given."""
    curated = load_aliases()
    body_tokens = token_columns(body_doc)
    title_tokens = token_columns(title_doc) if title_doc is not None else None
    body = _drafts(body_tokens, "body", curated)
    title = _anchor_title_drafts(_drafts(title_tokens, "title", curated), body, curated) \
        if title_tokens is not None else []
    body = sorted(body + _untagged_short_forms(body_tokens, "body", body), key=lambda d: d.start)
    if title_tokens is not None:
        title = sorted(title + _untagged_short_forms(title_tokens, "title", body + title), key=lambda d: d.start)
    drafts = body + title
    resolved = resolve_article([(d.text, d.label) for d in drafts], aliases or curated)
    mentions = [(d.field, EntityMention(d.text, d.start, d.end, r.entity_type, r.canonical_name, r.canonical_key,
                                        ner_label=d.label, wikidata_id=r.wikidata_id, curated=r.curated))
                for d, r in zip(drafts, resolved)]
    return ([m for f, m in mentions if f == "title"], [m for f, m in mentions if f == "body"])


def extract_mentions(doc: Doc, aliases: AliasTable | None = None) -> list[EntityMention]:
    """Mentions of a single text (no title), for the command line and tests."""
    return extract_article_mentions(None, doc, aliases)[1]


def mentions_by_person(mentions: Iterable[EntityMention]) -> list[EntityMention]:
    return [m for m in mentions if m.label == "PERSON"]
