"""Quotes with their speaker, from a parsed article body (paragraphs separated by blank lines).

1. Quote spans come from a scan of each paragraph's quote marks: straight, curly and angle marks,
   mixed pairs, and unbalanced marks (an unclosed quote ends at its paragraph's end; a closing mark
   with no opener starts the quote at the paragraph's start).
2. Attribution comes from the parse: the verb of saying outside the quote nearest to it in the same
   sentence (else the sentence just before/after, when its subject names someone), "according to
   X", or a Russian-style dash clause inside the quote ("... – said the Minister. – ...").
3. Subjects are resolved in reading order: names through the article's entity mentions (an
   apposition names its noun: "the rector, Milena X,"; a title NER took into a name is dropped),
   pronouns to the latest person of their gender who was a subject, titles ("the Minister") to
   the person named with that title, role nouns ("the drummer") to the person named with that
   noun or to no one, documents ("the lawsuit alleges", "the resolution demands") to the party
   that filed or adopted them, a named law to no one. A quote with no cue of its own continues the
   latest speaker of its paragraph or of the one before; an unnamed speaker ("a source close to
   him") stays null.
4. Names, titles, terms and translations in quote marks are not speech and are dropped; a quote
   woven into the writer's sentence is "partial".
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

import numpy
from spacy.tokens import Doc, Span, Token

from pipeline.nlp.entities import TokenColumns, token_columns
from pipeline.records import EntityMention, Quote

CUE_LEMMAS = frozenset({
    "say", "tell", "add", "ask", "reply", "confirm", "explain", "warn", "note", "comment", "rebut", "acknowledge",
    "state", "insist", "stress", "claim", "argue", "announce", "declare", "write", "answer", "respond", "remark",
    "continue", "conclude", "admit", "emphasize", "emphasise", "observe", "suggest", "recall", "tweet", "deny",
    "report", "describe", "call", "urge", "promise", "vow", "predict", "agree", "complain", "notice", "quip",
    "retort", "counter", "point", "maintain", "underline", "brand", "accuse", "reflect", "recount", "shout",
    "concede", "boast", "caution", "plead", "allege", "assert", "contend", "lament", "exclaim", "whisper", "joke",
    "testify", "post", "speculate", "gush", "muse", "reveal", "demand", "propose",
})
OPENERS = {"“": "”", "«": "»", "„": "“", '"': '"'}
CLOSERS = {"”", "»", '"'}
PRONOUNS = frozenset({"he", "she", "they", "i", "we"})
# Every character find_quote_spans acts on: the rest of a paragraph is skipped.
_QUOTE_MARKS = re.compile("[" + "".join(sorted(set(OPENERS) | CLOSERS)) + "]")
_DASH_CLAUSE = re.compile(r"\s[–—-]{1,2}\s+([^–—\"“”«»]{3,120}?)(?:[.,]?\s*[–—-]{1,2}\s|[.,]\s*$|\.\s)")


@dataclass
class _Span:
    start: int  # content offsets, quote marks excluded
    end: int
    paragraph: int
    opened_in_paragraph: bool
    closed_in_paragraph: bool


def _paragraphs(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for match in re.finditer(r"\n\s*\n", text):
        bounds.append((start, match.start()))
        start = match.end()
    bounds.append((start, len(text)))
    return [(s, e) for s, e in bounds if text[s:e].strip()]


def _is_opening_straight(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    return before.isspace() or before in "([{—–-:,;" or i == 0


def find_quote_spans(text: str) -> list[_Span]:
    spans: list[_Span] = []
    for number, (p_start, p_end) in enumerate(_paragraphs(text)):
        open_at: int | None = None
        depth_closer: str | None = None
        first_in_paragraph = len(spans)
        for mark in _QUOTE_MARKS.finditer(text, p_start, p_end):
            i = mark.start()
            ch = text[i]
            if open_at is None:
                if ch in OPENERS and (ch != '"' or _is_opening_straight(text, i)):
                    open_at, depth_closer = i + 1, OPENERS[ch]
                elif ch in CLOSERS and len(spans) == first_in_paragraph and \
                        (ch != '"' or text[i - 1] in ".,!?…"):
                    # A closer with no opener (a straight one right after punctuation, as in
                    # `... loved you!" a second wrote`): the quote began at the paragraph's start.
                    _add(spans, text, p_start, i, number, opened=False, closed=True)
            else:
                if ch in CLOSERS and (ch == depth_closer or ch in {"”", '"', "»"}):
                    _add(spans, text, open_at, i, number, opened=True, closed=True)
                    open_at = None
                elif ch == "“" and text[i - 1].isspace() and depth_closer == "”":
                    # A new opener before the old one closed: the old one was left unclosed.
                    continue
        if open_at is not None:
            _add(spans, text, open_at, p_end, number, opened=True, closed=False)
    return spans


def _add(spans: list[_Span], text: str, start: int, end: int, paragraph: int, *, opened: bool, closed: bool) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start >= 2:
        spans.append(_Span(start, end, paragraph, opened, closed))


# --- referents: who a subject is ----------------------------------------------------------------

# Nouns that stand for a named person the article introduces elsewhere ("the Minister").
TITLE_NOUNS = frozenset({
    "minister", "president", "secretary", "spokesman", "spokeswoman", "spokesperson", "chancellor", "premier",
    "ambassador", "governor", "mayor", "senator", "chairman", "chairwoman", "chair", "director", "leader",
    "commander", "chief", "diplomat", "official", "envoy", "king", "queen", "prince", "rector", "coach",
    "ceo", "founder", "professor", "lawmaker", "congressman", "congresswoman", "sheriff", "judge", "dean", "provost",
})
# Words before a quote that make it a name, term or translation rather than speech.
_NAMING = re.compile(r"(?:\b(?:meaning|means|meant|translates? to|translated as|known as|nicknamed|nickname|"
                     r"so-called|the word|the term|the phrase|titled|entitled|dubbed|named|branded as)\s*[,:]?\s*"
                     r"(?:the |a |an )?)$", re.IGNORECASE)
_COUPLE = re.compile(r"\b([A-Z][a-z]+) and $")  # "Melody and [Nariman Tashakor]"
_PERSON_PRONOUNS = frozenset({"he", "she"})  # "I" outside quote marks is the writer
_GROUP_PRONOUNS = frozenset({"they", "we"})
_RELATIVE = frozenset({"who", "which", "that"})
_ORG_WORDS = frozenset({
    "office", "ministry", "department", "university", "council", "party", "agency", "press", "times", "news",
    "group", "commission", "committee", "company", "government", "court", "police", "observatory", "association",
    "institute", "democrats", "republicans", "board", "bank", "union", "service", "act", "law", "bill", "treaty",
    "report", "study", "model", "series", "show",
})
_TITLE_MODIFIERS = frozenset({"prime", "foreign", "defense", "defence", "home", "state", "interior", "finance"})
# Words that tell a person's gender, for "he"/"she" ("his wife, Elona", "Mrs May", "spokeswoman").
_FEMALE = frozenset({
    "mrs", "ms", "miss", "madam", "dame", "lady", "wife", "mother", "mom", "mum", "daughter", "woman", "sister",
    "grandmother", "girlfriend", "actress", "spokeswoman", "chairwoman", "congresswoman", "businesswoman",
    "queen", "princess", "aunt", "niece", "widow", "bride", "she", "her", "hers", "herself",
})
_MALE = frozenset({
    "mr", "sir", "lord", "husband", "father", "dad", "son", "man", "brother", "grandfather", "boyfriend", "actor",
    "spokesman", "chairman", "congressman", "businessman", "king", "prince", "uncle", "nephew", "widower", "groom",
    "he", "his", "him", "himself",
})
_GENDERED = _FEMALE | _MALE
_FEMALE_NOUNS = _FEMALE - {"she", "her", "hers", "herself"}
_MALE_NOUNS = _MALE - {"he", "his", "him", "himself"}
_NOT_NAMES = frozenset({"DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"})
_TITLE_PREFIXES = frozenset({"mr", "mrs", "ms", "dr", "sir", "dame", "prof", "lord", "lady"})
_TITLE_WORDS = TITLE_NOUNS | _TITLE_PREFIXES
_NOT_NAME_WORDS = _TITLE_WORDS | _ORG_WORDS
# Documents that "say" things: their words belong to the party the document speaks for. Nouns in
# one group stand for the same document ("the suit" after "a new lawsuit").
_DOCUMENTS = {
    "lawsuit": "suit", "suit": "suit", "complaint": "suit", "filing": "suit", "petition": "suit",
    "indictment": "indictment", "resolution": "resolution", "draft": "resolution", "statement": "statement",
    "letter": "letter", "report": "report", "brochure": "brochure", "memo": "memo", "ruling": "ruling",
    "study": "report", "survey": "report",
}
# Named laws say things with no author ("the Consumer Rights Act says").
_LAW_WORDS = frozenset({"act", "law", "bill", "treaty", "code", "convention", "constitution"})
# Lawyers speak for the client they are "for" ("Lawyers for Ozy Media allege in a new lawsuit").
_COUNSEL = frozenset({"lawyers", "attorneys", "solicitors"})


@dataclass(frozen=True)
class _Ref:
    name: str
    key: str | None
    person: bool


@dataclass(frozen=True)
class _Event:
    """A clause subject that names someone, in document order."""

    char: int
    paragraph: int
    ref: _Ref
    cue: bool  # subject of a verb of saying
    main: bool = True  # subject of the sentence's main clause
    sentence: int = 0  # token index where its sentence starts


class _Referents:
    """Resolves subjects to named people and organisations, reading the article in order."""

    def __init__(self, doc: Doc, mentions: list[EntityMention], spans: list[_Span],
                 paragraph_of: Callable[[int], int], tokens: TokenColumns) -> None:
        self.doc = doc
        self.tokens = tokens
        self.spans = spans
        self.quoted = _quoted_tokens(tokens.idx, spans)
        self.proper_nouns = [i for i, pos in enumerate(tokens.pos) if pos == "PROPN"]
        self.paragraph_of = paragraph_of
        self.mention_at: dict[int, EntityMention] = {}
        self.mention_spans: list[tuple[EntityMention, Span]] = []
        for mention in sorted(mentions, key=lambda m: m.start):
            span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
            if span is not None:
                self.mention_spans.append((mention, span))
                for i in range(span.start, span.end):
                    self.mention_at.setdefault(i, mention)
        self.mentions = sorted(mentions, key=lambda m: m.start)
        # People named outside quote marks (a name inside a quote is not who speaks next).
        self.person_spans = [(m, span) for m, span in self.mention_spans
                             if m.label == "PERSON" and not _inside(spans, m.start)]
        # One word that stands for a full name given earlier in the article: a surname (Lavrov ->
        # Sergei Lavrov) or a first name (Melody -> Melody Tashakor, also from "Melody and Nariman
        # Tashakor"); a word shared by two full names stands for neither.
        self.full_names: dict[str, _Ref | None] = {}
        for mention in self.mentions:
            name = _without_title(mention.canonical_name) if mention.label == "PERSON" else mention.canonical_name
            words = name.split()
            if len(words) > 1 and mention.label in {"PERSON", "ORG"}:
                ref = _Ref(name, mention.canonical_key, mention.label == "PERSON")
                self._add_name(words[-1].casefold(), ref)
                if mention.label == "PERSON":
                    self._first_name(words[0], ref)
        text = tokens.text
        for mention in self.mentions:
            words = mention.text.split()
            couple = _COUPLE.search(text, max(0, mention.start - 40), mention.start)
            if mention.label == "PERSON" and len(words) == 2 and couple and couple.end() == mention.start:
                first = couple.group(1)
                # A word NER named as a place or body stays one ("Russia and Sergei Lavrov"),
                # unless its span swallowed the "and" ("Sara and" as ORG): that span is broken.
                if not any(m.start <= couple.start() < m.end and m.label != "PERSON" and
                           not m.text.endswith(" and") for m in self.mentions):
                    self._first_name(first, _person(f"{first} {words[1]}"))
        self._names_from_parse()
        self.person_spans.sort(key=lambda pair: pair[0].start)
        self.person_starts = [m.start for m, _ in self.person_spans]
        self.gender: dict[str, dict[str, int]] = {}
        self._gender_from_words()
        self.events: list[_Event] = []
        self.event_chars: list[int] = []
        self.cache: dict[int, _Ref | None] = {}
        self.document_authors: list[tuple[int, str, _Ref]] | None = None
        dep, head, lower = tokens.dep, tokens.head, tokens.lower
        for i, quoted in enumerate(self.quoted):
            if quoted:
                continue
            if dep[i] in {"nsubj", "nsubjpass"}:
                token = doc[i]
                ref = self.resolve(token)
                if ref is not None:
                    self._push(token, ref, token.head.lemma_.lower() in CUE_LEMMAS)
            elif dep[i] == "pobj" and lower[head[i]] == "to" and head[i] > 0 and lower[head[i] - 1] == "according":
                token = doc[i]
                ref = self.resolve(token)  # "According to Schildkraut, ..." names a speaker too
                if ref is not None:
                    self._push(token, ref, True)

    def _vote(self, name: str, gender: str, weight: int = 1) -> None:
        votes = self.gender.setdefault(name, {"f": 0, "m": 0})
        votes[gender] += weight

    def gender_of(self, ref: _Ref) -> str | None:
        votes = self.gender.get(ref.name)
        if not votes or votes["f"] == votes["m"]:
            return None
        return "f" if votes["f"] > votes["m"] else "m"

    def _gender_from_words(self) -> None:
        """Honorifics and nouns right next to a name ("Mrs May", "his wife, Elona", "Elona, his
        wife"); pronouns are not counted, as a wrong resolution would feed itself."""
        for mention, span in self.person_spans:
            name = self._from_mention(mention).name
            words = {word.rstrip(".") for word in self.tokens.lower[max(0, span.start - 1):span.start]}
            root = span.root  # found by a scan of the span: once
            if root.dep_ == "appos" and 0 < span.start - root.head.i <= 3:
                words.add(root.head.lower_)  # "his wife, Elona", not a noun far before
            words |= {c.lower_ for c in root.children if c.dep_ == "appos"}
            if root.dep_ == "nsubj" and root.head.lemma_ == "be":
                words |= {c.lower_ for c in root.head.children if c.dep_ == "attr"}  # "Travis is dad to"
            for word in words:
                if word in _FEMALE_NOUNS:
                    self._vote(name, "f", 2)
                elif word in _MALE_NOUNS:
                    self._vote(name, "m", 2)
        self._gender_from_lone_subjects()

    def _gender_from_lone_subjects(self) -> None:
        """ "Kourtney went on to reflect on her condition": a sentence whose only person is its
        named subject, with pronouns of one gender after it, tells that person's gender (a weak
        vote, as a pronoun may point back to an earlier sentence)."""
        doc = self.doc
        if not doc.has_annotation("SENT_START"):
            return
        tokens, quoted = self.tokens, self.quoted
        pos, lower = tokens.pos, tokens.lower
        # Only mentions and proper nouns can name someone: visit those, sentence by sentence.
        candidates = sorted(set(self.mention_at).union(self.proper_nouns))
        k = 0
        for start, end in tokens.sentences:
            named: dict[int, str] = {}  # token -> person, from NER or a name given in full before
            while k < len(candidates) and candidates[k] < start:
                k += 1
            for i in candidates[k:bisect_left(candidates, end, k)]:
                if quoted[i]:
                    continue
                mention = self.mention_at.get(i)
                if mention is not None and mention.label == "PERSON":
                    named[i] = self._from_mention(mention).name
                elif pos[i] == "PROPN" and (ref := self.full_name(tokens.orth[i])) is not None and ref.person:
                    named[i] = ref.name
            subject = next((i for i in named if tokens.dep[i] == "nsubj"), None)
            if len(set(named.values())) != 1 or subject is None:
                continue
            after = [i for i in range(subject + 1, end) if not quoted[i]]
            if any(pos[i] in {"NOUN", "PROPN"} and lower[i] in _GENDERED for i in after):
                continue  # "her husband" is a second person
            genders = {"f" if lower[i] in _FEMALE else "m" for i in after
                       if pos[i] == "PRON" and lower[i] in _GENDERED}
            if len(genders) == 1:
                self._vote(named[subject], genders.pop(), 1)

    def _names_from_parse(self) -> None:
        """Full names NER missed ("Jade Black wants ...", "KATIE Price was ..."): a two- or three-word
        proper-noun compound outside quotes and outside other entities gives its surname and first
        name a full form, after the names the entity mentions give."""
        doc, tokens = self.doc, self.tokens
        pos, dep, orth, lower = tokens.pos, tokens.dep, tokens.orth, tokens.lower
        seen: set[str] = set()
        for i in self.proper_nouns:
            if dep[i] in {"compound", "flat"} or self.quoted[i]:
                continue
            left, right = _name_bounds(tokens, i)
            words = range(left, right)
            if not 2 <= len(words) <= 3 or not all(tokens.is_alpha[w] and orth[w][:1].isupper() for w in words):
                continue
            if any(w in self.mention_at and self.mention_at[w].label != "PERSON" for w in words) or \
                    any(lower[w].rstrip(".") in _NOT_NAME_WORDS for w in words):
                continue
            name = " ".join(orth[w].title() if orth[w].isupper() else orth[w] for w in words)
            if name in seen:
                continue
            seen.add(name)
            ref = _person(name)
            if lower[right - 1] not in self.full_names:
                self.full_names[lower[right - 1]] = ref
            if "first:" + lower[left] not in self.full_names:
                self._first_name(orth[left], ref)
            if left not in self.mention_at:
                span = doc[left:right]
                self.person_spans.append((EntityMention(span.text, span.start_char, span.end_char, "PERSON", name,
                                                        ref.key or ""), span))

    def _first_name(self, word: str, ref: _Ref) -> None:
        self._add_name("first:" + word.casefold(), ref)

    def _add_name(self, key: str, ref: _Ref) -> None:
        """One word for a full name; a word two different people share ("Von Erich") stands for
        neither, while a longer form of the same name wins ("Kevin Von" < "Kevin Von Erich")."""
        if key not in self.full_names:
            self.full_names[key] = ref
            return
        known = self.full_names[key]
        if known is None or known.name == ref.name:
            return
        old, new = set(known.name.casefold().split()), set(ref.name.casefold().split())
        if old <= new or new <= old:
            if len(ref.name) > len(known.name):
                self.full_names[key] = ref
        else:
            self.full_names[key] = None

    def full_name(self, word: str) -> _Ref | None:
        word = word.casefold()
        return self.full_names.get(word) or self.full_names.get("first:" + word)

    def _push(self, token: Token, ref: _Ref, cue: bool) -> None:
        start = self.tokens.sentence_first[token.i]
        main = token.head.dep_ == "ROOT" or (token.head.dep_ == "conj" and token.head.head.dep_ == "ROOT")
        self.events.append(_Event(token.idx, self.paragraph_of(token.idx), ref, cue, main, start))
        self.event_chars.append(token.idx)

    # -- one subject --

    def resolve(self, token: Token) -> _Ref | None:
        if token.i not in self.cache:
            self.cache[token.i] = None  # a cycle through documents and their authors ends here
            self.cache[token.i] = self._resolve(token)
        return self.cache[token.i]

    def _document_author(self, token: Token) -> _Ref | None:
        """Who a document speaks for, from its own phrase: "Ozy's lawsuit", "the U.N. Security
        Council resolution", "a letter from X", "the suit filed by / on behalf of X"."""
        for child in token.children:
            if child.dep_ == "poss":
                return self.resolve(child)
        mention = next((self.mention_at[t.i] for t in token.lefts
                        if t.dep_ == "compound" and t.i in self.mention_at
                        and self.mention_at[t.i].label in {"ORG", "PERSON", "NORP", "GPE"}), None)
        if mention is not None:
            return self._from_mention(mention)
        for child in token.children:
            preps = [child] if child.dep_ == "prep" else \
                [c for c in child.children if c.dep_ in {"agent", "prep"}] if child.dep_ == "acl" else []
            for prep in preps:
                if prep.lower_ in {"by", "from"} or prep.dep_ == "agent":
                    obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
                elif prep.lower_ == "on" and any(c.lower_ == "behalf" for c in prep.children):
                    behalf = next(c for c in prep.children if c.lower_ == "behalf")
                    of = next((c for c in behalf.children if c.lower_ == "of"), None)
                    obj = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
                else:
                    obj = None
                if obj is not None:
                    return self.resolve(obj)
        return None

    def _documents(self) -> list[tuple[int, str, _Ref]]:
        """Documents outside quotes with their author, in order: from their own phrase, else the
        subject of the verb they hang on ("Ozy Media filed a lawsuit", "Lawyers for X allege in a
        new lawsuit")."""
        if self.document_authors is None:
            self.document_authors = []
            pos = self.tokens.pos
            for i, lemma in enumerate(self.tokens.lemma):
                group = _DOCUMENTS.get(lemma.lower())
                if group is None or pos[i] != "NOUN" or self.quoted[i]:
                    continue
                token = self.doc[i]
                author = self._document_author(token)
                verb = token.head if token.dep_ in {"dobj", "pobj", "nsubjpass"} else None
                if verb is not None and token.dep_ == "pobj":
                    verb = verb.head
                if author is None and verb is not None and verb.pos_ in {"VERB", "AUX"}:
                    subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
                    if subject is not None and subject.lower_ in _COUNSEL:
                        subject = _client(subject)
                    if subject is not None and subject.i != token.i:
                        author = self.resolve(subject)
                if author is not None:
                    self.document_authors.append((token.idx, group, author))
        return self.document_authors

    def _document(self, token: Token) -> _Ref | None:
        author = self._document_author(token)
        if author is not None:
            return author
        if any(c.dep_ == "det" and c.lower_ in {"a", "an"} for c in token.children):
            return None  # "a side letter said": a new document, not one named before
        group = _DOCUMENTS[token.lemma_.lower()]
        authors = [(char, ref) for char, g, ref in self._documents() if g == group]
        earlier = [ref for char, ref in authors if char < token.idx]
        # "The lawsuit claims" is the article's lawsuit, even when its filer is named only later.
        return earlier[-1] if earlier else authors[0][1] if authors else None

    def _resolve(self, token: Token) -> _Ref | None:
        if token.pos_ == "NOUN" and token.lemma_.lower() in _DOCUMENTS:
            return self._document(token)
        if token.lower_ in _RELATIVE and token.head.dep_ in {"relcl", "acl"} and token.head.head.i != token.i:
            return self.resolve(token.head.head)
        if token.dep_ == "appos" and token.head.i != token.i and token.pos_ != "PROPN":
            return self.resolve(token.head)  # "Simon, a 60-year-old man who ..."
        for child in token.children:
            own = self.mention_at.get(token.i)
            if child.dep_ == "appos" and child.pos_ == "PROPN" and not (
                    token.pos_ == "PROPN" and token.doc[child.left_edge.i - 1].text == "(") and \
                    not (own is not None and own.label == "PERSON"):
                # An apposition after a name describes it ("Jeff Merkley (D-Ore.)", "Richard Gowan,
                # U.N. Director"); after a common noun it names it ("The rector, Milena X").
                named = self._named(child)
                if named is not None:
                    # "His dad, Sameer," / "The rector, Milena X,": a name in apposition to a
                    # common noun is a person, whatever label NER gave it.
                    between = token.doc[token.i + 1:child.i]
                    if all(t.is_punct or t.head.i == token.i or t.head.head.i == token.i for t in between) \
                            and len(between) <= 5:
                        # "his wife, Elona" / "her son-in-law, Nikita" tell the name's gender.
                        words = {t.lower_ for t in token.doc[token.left_edge.i:child.i] if t.dep_ != "poss"}
                        if words & _FEMALE:
                            self._vote(named.name, "f", 2)
                        elif words & _MALE:
                            self._vote(named.name, "m", 2)
                    return _Ref(named.name, named.key, named.person or token.pos_ == "NOUN")
        if token.pos_ == "PRON":
            return self._pronoun(token)
        if token.pos_ == "NOUN" and any(c.dep_ == "det" and c.lower_ in {"a", "an"} for c in token.children):
            return None  # "a spokesperson for ..." names no one
        if token.lower_ in TITLE_NOUNS and token.i not in self.mention_at:
            return self._title(token)
        person = self._person_in_phrase(token)
        if person is not None:
            return person
        if token.pos_ == "PROPN" or token.i in self.mention_at:
            if token.lower_ in _LAW_WORDS and token.pos_ == "PROPN":
                return None  # "the Consumer Rights Act says": a law speaks for no one
            named = self._named(token)
            if named is not None and not named.person and named.key is not None and \
                    token.head.lemma_.lower() in CUE_LEMMAS and self._looks_like_a_person(named):
                named = _Ref(named.name, named.key, True)  # "Olivia Colman (ORG) has said"
            if named is not None and not named.person and any(
                    c.dep_ == "appos" and c.like_num for c in token.children):
                named = _person(named.name) if named.key is None else _Ref(named.name, named.key, True)  # "Anna, 40,"
            return named
        if token.lemma_.lower() in TITLE_NOUNS:
            return self._title(token)
        if token.pos_ == "NOUN" and token.head.lemma_.lower() in CUE_LEMMAS and _is_role(token) and \
                any(c.dep_ == "det" and c.lower_ == "the" for c in token.children):
            return self._role(token)
        if any(c.lower_.endswith("-old") or c.lower_ == "old" for c in token.subtree if c.i <= token.i):
            return self.latest(token.idx, person=True)  # "the 25-year-old told the Guardian"
        return None

    def _person_in_phrase(self, token: Token) -> _Ref | None:
        """A PERSON named inside the subject phrase itself ("University ... professor Angela Speck")."""
        own = self.mention_at.get(token.i)
        if own is not None and own.label == "PERSON":
            return self._from_mention(own)
        skip: set[int] = set()
        for child in token.children:
            if child.dep_ in {"relcl", "acl", "advcl", "appos"}:
                skip.update(t.i for t in child.subtree)
        found = None
        for t in token.subtree:
            mention = self.mention_at.get(t.i)
            if t.i not in skip and mention is not None and mention.label == "PERSON" and t.pos_ == "PROPN":
                found = mention
        return self._from_mention(found) if found is not None else None

    def _named(self, token: Token) -> _Ref | None:
        if token.ent_type_ in _NOT_NAMES:
            return None  # "in September, when she was rushed ..." names no one
        mention = self.mention_at.get(token.i)
        if mention is not None:
            return self._from_mention(mention)
        full = self.full_names.get(token.text.casefold())
        if full is not None:
            return full  # "Russia Lavrov" glued by the parser: the surname decides
        words = [t for t in token.doc[slice(*_name_bounds(self.tokens, token.i))]
                 if t.lower_.rstrip(".") not in _TITLE_PREFIXES]
        if not words or not words[-1].text[:1].isupper():
            return None
        name = " ".join(t.text for t in words)
        full = self.full_name(name) if len(words) == 1 else None
        if full is not None:
            return full
        if any(w.lower_ in _ORG_WORDS for w in words):
            return _Ref(name, None, False)
        return _person(name)

    def _from_mention(self, mention: EntityMention) -> _Ref:
        name, key, label = mention.canonical_name, mention.canonical_key, mention.label
        if label == "PERSON":
            name = _without_title(name)
        if " " not in name:
            full = self.full_name(name)
            if full is not None:
                return full
        return _Ref(name, key, label == "PERSON")

    @staticmethod
    def _looks_like_a_person(ref: _Ref) -> bool:
        """NER labels unknown two-word names ORG often; one that is the subject of a verb of saying
        and has no organisation word and no alias entry is taken for a person."""
        words = ref.name.split()
        return ref.key is not None and ref.key.startswith(("ORG:", "WORK_OF_ART:", "PRODUCT:")) and len(words) == 2 \
            and not {w.casefold() for w in words} & _ORG_WORDS and all(w[:1].isupper() for w in words) \
            and _unknown_name(ref.name)

    def _pronoun(self, token: Token) -> _Ref | None:
        word = token.lower_
        if word in _PERSON_PRONOUNS:
            gender = "f" if word == "she" else "m"
            nouns = _FEMALE if gender == "f" else _MALE
            pos, lower = self.tokens.pos, self.tokens.lower
            # "She was nervous her husband would notice, but he didn't": "he" is the unnamed husband.
            if any(pos[i] == "NOUN" and lower[i] in nouns and i not in self.mention_at and
                   not any(c.dep_ == "appos" for c in self.doc[i].children)
                   for i in range(self.tokens.sentence_first[token.i], token.i)):
                return None
            return self.latest(token.idx, person=True, gender=gender)
        if word in _GROUP_PRONOUNS:
            # "they" is a group: an organisation just named, never one person.
            return self.latest(token.idx, person=False, within=0)
        if word == "it":
            return self.latest(token.idx, person=False, within=1)
        return None

    def latest(self, before: int, *, person: bool | None, within: int | None = None,
               gender: str | None = None) -> _Ref | None:
        found = self._latest_event(before, person=person, within=within, gender=gender)
        if person is not True:
            return found[0] if found else None
        # A person named as an object after the latest subject ("CBC News reached Lisa MacNeil. She
        # confirmed ...") is the antecedent, unless that sentence's own subject is a person ("He
        # denied that Russia supported Bashar Assad. ... he told").
        # Only people named before the pronoun's own sentence ("Speaking about Mr Butler's claim, he
        # said" is not Butler speaking).
        own = self.doc.char_span(before, before + 1, alignment_mode="expand")
        limit = before
        if own is not None:
            limit = self.tokens.idx[self.tokens.sentence_first[own.start]]
        index = bisect_right(self.person_starts, limit - 1) - 1
        while index >= 0 and gender is not None and \
                self.gender_of(self._from_mention(self.person_spans[index][0])) not in (None, gender):
            index -= 1
        if index >= 0:
            mention, span = self.person_spans[index]
            sentence_start = self.tokens.sentence_first[span.start]
            close = within is None or self.paragraph_of(before) - self.paragraph_of(mention.start) <= max(within, 1)
            if close and (found is None or found[1] < self.tokens.idx[sentence_start]):
                # The first person that sentence names: later ones sit in its modifiers.
                while index > 0 and self.person_spans[index - 1][1].start >= sentence_start and \
                        self.gender_of(self._from_mention(self.person_spans[index - 1][0])) in (None, gender):
                    index -= 1
                return self._from_mention(self.person_spans[index][0])
        return found[0] if found else None

    def _latest_event(self, before: int, *, person: bool | None, within: int | None,
                      gender: str | None = None) -> tuple[_Ref, int] | None:
        paragraph = self.paragraph_of(before)
        index = bisect_right(self.event_chars, before - 1) - 1
        while index >= 0:
            event = self.events[index]
            if within is not None and paragraph - event.paragraph > within:
                return None
            if (person is None or event.ref.person == person) and \
                    (gender is None or self.gender_of(event.ref) in (None, gender)):
                # "Elona ... struggled to believe that God would heal her husband. She recalls": the
                # main clause's subject is the antecedent, not an embedded one.
                if not event.main:
                    for earlier in reversed(self.events[max(0, index - 4):index]):
                        same_kind = earlier.ref.person == event.ref.person and \
                            (gender is None or self.gender_of(earlier.ref) in (None, gender))
                        if earlier.sentence == event.sentence and earlier.main and same_kind:
                            return earlier.ref, event.char
                return event.ref, event.char
            index -= 1
        return None

    def _title(self, token: Token) -> _Ref | None:
        """ "the Minister", "the prime minister": the person the article names with that title,
        else the lede's first named person, else the latest person."""
        words = [t.lower_ for t in token.subtree if t.i <= token.i and t.dep_ in {"compound", "amod"}
                 and t.pos_ in {"NOUN", "PROPN", "ADJ"} and t.is_alpha] + [token.lower_]
        words = [w for w in words if w in TITLE_NOUNS or w in _TITLE_MODIFIERS]
        named = self._named_with(words, token)
        if named is not None:
            return named
        lede = next((e.ref for e in self.events if e.ref.person and e.paragraph == 0), None)
        return lede or self.latest(token.idx, person=True)

    def _role(self, token: Token) -> _Ref | None:
        """ "the drummer said": the person the article names with that noun ("drummer Travis Barker",
        "Travis Barker, the drummer"); else no one, as "the officer" or "the driver" is often a
        person the article never names."""
        found = None
        for mention, span in self.mention_spans:
            if mention.label != "PERSON" or _inside(self.spans, mention.start):
                continue
            doc, root = self.doc, span.root
            described = (span.start > 0 and doc[span.start - 1].lower_ == token.lower_) or \
                (root.dep_ == "appos" and root.head.lower_ == token.lower_) or \
                any(c.dep_ == "appos" and c.lower_ == token.lower_ for c in root.children)
            if described and mention.start < token.idx:
                found = self._from_mention(mention)  # the latest before the noun
            elif described:
                return found or self._from_mention(mention)  # else the first after it
        return found

    def _named_with(self, words: list[str], token: Token) -> _Ref | None:
        """The person named right after (or in apposition to) all of `words`: the latest before
        `token`, else the first after it."""
        best_before = first_after = None
        if words:
            for mention, span in self.mention_spans:
                if mention.start == token.idx:
                    continue
                # Back to the sentence start, at most 8 tokens.
                start = max(self.tokens.sentence_first[span.start], span.start - 8, 0)
                before = set(self.tokens.lower[start:span.start])
                appos_head = span.root.head if span.root.dep_ == "appos" else None
                if appos_head is not None:
                    before |= {t.lower_ for t in appos_head.subtree if t.i < span.start}
                if all(w in before for w in words):
                    ref = self._from_mention(mention)
                    if not ref.person:
                        continue
                    if mention.start < token.idx:
                        best_before = ref
                    elif first_after is None:
                        first_after = ref
        return best_before or first_after

    def continuing(self, before: int, paragraph: int) -> tuple[_Ref | None, int]:
        """The speaker a cue-less quote continues, and where it was named: the latest person who is
        a subject in this paragraph ("she was nervous ... “I panic ...”"), else the latest subject of
        a verb of saying in the paragraph before."""
        index = bisect_right(self.event_chars, before - 1) - 1
        while index >= 0:
            event = self.events[index]
            if paragraph - event.paragraph > 1:
                break
            if event.cue or (event.paragraph == paragraph and event.ref.person):
                return event.ref, event.char
            index -= 1
        return None, -1


def _person(name: str) -> _Ref:
    """A person the parse names but NER missed ("Petr Nedoma told Czech TV"): keyed like the
    entity stage keys people, so the warehouse links the speaker to a canonical entity."""
    from pipeline.nlp.entities import entity_key

    return _Ref(name, entity_key("PERSON", name), True)


_ROLE_ENDINGS = ("ist", "ian", "er", "or", "ess", "ant", "eur")
# Nouns with those endings that are not people.
_NOT_ROLES = frozenset({
    "paper", "order", "letter", "number", "center", "centre", "water", "chapter", "other", "corner", "border",
    "power", "matter", "computer", "cancer", "weather", "river", "tower", "error", "factor", "sector", "motor",
    "floor", "door", "plant", "restaurant", "address", "process", "business", "success", "access", "press",
    "mirror", "monitor", "poster", "counter", "register", "trailer", "filter", "player", "speaker", "server",
    "flyer", "banner", "newspaper", "tabloid", "progress", "congress", "parliament", "government",
})


def _is_role(token: Token) -> bool:
    """A noun for a person by what they do or are ("the musician", "the drummer", "the actress")."""
    word = token.lower_
    if word in _GENDERED:
        return True
    return word.endswith(_ROLE_ENDINGS) and word not in _NOT_ROLES and word not in _ORG_WORDS and \
        word not in _DOCUMENTS and word not in TITLE_NOUNS


def _client(counsel: Token) -> Token | None:
    """ "Ozy's lawyers", "lawyers for Ozy": the party a filing by lawyers speaks for."""
    client = next((c for c in counsel.children if c.dep_ == "poss"), None)
    if client is None:
        prep = next((c for c in counsel.children if c.dep_ == "prep" and c.lower_ == "for"), None)
        client = next((c for c in prep.children if c.dep_ == "pobj"), None) if prep is not None else None
    return client


@functools.lru_cache(maxsize=1 << 14)  # a pure function of the name, asked for each mention again
def _without_title(name: str) -> str:
    """ "GSAS Dean Emma Dench" -> "Emma Dench": NER often takes a title written before a name into
    the name; the words after the last title word are the name when two or more remain."""
    words = name.split()
    titled = [i for i, w in enumerate(words) if w.casefold().rstrip(".") in _TITLE_WORDS]
    if titled and len(words) - titled[-1] - 1 >= 2:
        return " ".join(words[titled[-1] + 1:])
    return name


def _unknown_name(name: str) -> bool:
    from pipeline.nlp.entities import load_aliases, normalise_name

    return normalise_name(name) not in load_aliases()


def _name_bounds(tokens: TokenColumns, i: int) -> tuple[int, int]:
    """Token bounds of the proper-noun compound whose head is token i."""
    dep, pos, head = tokens.dep, tokens.pos, tokens.head
    left = i
    while left - 1 >= 0 and dep[left - 1] in {"compound", "flat"} and pos[left - 1] == "PROPN" \
            and left <= head[left - 1] <= i:
        left -= 1
    right = i + 1
    while right < len(dep) and dep[right] in {"compound", "flat"} and pos[right] == "PROPN" and head[right] == i:
        right += 1
    return left, right


# --- attribution ---------------------------------------------------------------------------------

@dataclass
class _Speaker:
    token_start: int
    token_end: int
    cue: str | None
    head: int | None = None  # the subject token


def _inside(spans: list[_Span], char: int) -> bool:
    # find_quote_spans returns disjoint spans in text order.
    index = bisect_right(spans, char, key=lambda s: s.start) - 1
    return index >= 0 and char < spans[index].end


def _quoted_tokens(chars: list[int], spans: list[_Span]) -> list[bool]:
    """_inside(spans, char) for every char at once (the same bisection, in numpy)."""
    if not spans:
        return [False] * len(chars)
    starts = numpy.array([s.start for s in spans])
    ends = numpy.array([s.end for s in spans])
    index = numpy.searchsorted(starts, chars, side="right") - 1
    return ((index >= 0) & (numpy.asarray(chars) < ends[index])).tolist()


def _speaker_phrase(token: Token) -> Span:
    """The subject's name or noun phrase: compound names and their determiner, not relative clauses."""
    doc = token.doc
    left = token.i
    for child in token.lefts:
        if child.dep_ in {"compound", "det", "amod", "poss", "nmod", "flat"} and child.i >= token.i - 4:
            left = min(left, child.i)
    right = token.i + 1
    for child in token.rights:
        if child.dep_ in {"compound", "flat"} and child.i == right:
            right = child.i + 1
    if doc[left].dep_ == "poss" and doc[left].pos_ != "PRON":
        left = token.i
    return doc[left:right]


def _subject_of(verb: Token) -> Token | None:
    subjects = [c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}]
    if subjects:
        # Two subjects when the parse runs a quote into its attribution: the nearest is the speaker.
        return min(subjects, key=lambda c: abs(c.i - verb.i))
    # "... and said there was a need": climb to the clause that has the subject, preferring a verb
    # of saying ("Lavrov said Russia backed ... and said" is Lavrov's, not Russia's).
    fallback = None
    node = verb
    for _ in range(3):
        if node.dep_ not in {"conj", "advcl", "relcl", "xcomp", "ccomp"} or node.head.i == node.i:
            break
        node = node.head
        subject = next((c for c in node.children if c.dep_ in {"nsubj", "nsubjpass"} and c.i < verb.i), None)
        if subject is not None:
            if node.lemma_.lower() in CUE_LEMMAS:
                return subject
            fallback = fallback or subject
        if verb.dep_ != "conj":
            break
    if fallback is not None:
        return fallback
    # A subject the parser lost ("Weizman said:" after a paragraph break): a name next to the verb.
    doc = verb.doc
    for i in (verb.i - 1, verb.i + 1):
        is_object = doc[i].head.i == verb.i and doc[i].dep_ in {"dobj", "dative"} if 0 <= i < len(doc) else True
        if 0 <= i < len(doc) and doc[i].pos_ == "PROPN" and not is_object:
            return doc[i]
    return None


def _according_to(tokens: TokenColumns, quoted: list[bool], start: int, end: int) -> _Speaker | None:
    lower = tokens.lower
    for i in range(start, end):
        if lower[i] == "according" and i + 1 < len(lower) and lower[i + 1] == "to":
            for obj in tokens.doc[i + 1].children:
                if obj.dep_ == "pobj" and not quoted[obj.i]:
                    phrase = _speaker_phrase(obj)
                    return _Speaker(phrase.start, phrase.end, "according to", obj.i)
    return None


def _cue_speaker(tokens: TokenColumns, quoted: list[bool], start: int, end: int, near: int) -> _Speaker | None:
    """The verb of saying outside quotes in tokens [start, end) nearest to char `near`, and its subject."""
    found = _according_to(tokens, quoted, start, end)
    best: tuple[int, _Speaker] | None = None
    pos = tokens.pos
    for i in range(start, end):
        if pos[i] not in {"VERB", "AUX"} or quoted[i]:
            continue
        token = tokens.doc[i]
        # A document "demands", "proposes", "contains": any verb of one quotes it. (Checked before
        # the subject: most verbs are neither, and both checks only read the parse.)
        if token.lemma_.lower() not in CUE_LEMMAS and not _document_verb(token):
            continue
        subject = _subject_of(token)
        if subject is None or quoted[subject.i]:
            continue
        phrase = _speaker_phrase(subject)
        distance = abs(token.idx - near)
        if best is None or distance < best[0]:
            best = (distance, _Speaker(phrase.start, phrase.end, token.lemma_.lower(), subject.i))
    if best:
        return best[1]
    return found


def _dash_attribution(doc: Doc, text: str, span: _Span) -> tuple[list[tuple[int, int]], _Speaker | None]:
    """Split “... – said the Minister. – ...” into the quoted parts and the attribution clause."""
    segment = text[span.start:span.end]
    for match in _DASH_CLAUSE.finditer(segment):
        clause_start, clause_end = span.start + match.start(1), span.start + match.end(1)
        clause = doc.char_span(clause_start, clause_end, alignment_mode="expand")
        if clause is None:
            continue
        cue = next((t for t in clause if t.lemma_.lower() in CUE_LEMMAS and t.pos_ in {"VERB", "AUX"}), None)
        if cue is None:
            continue
        subject = next((c for c in cue.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
        if subject is not None and subject.lower_ in {"i", "we", "you"}:
            continue  # "— it makes no sense, and I will continue to fight" is still the quote
        if subject is None:
            # Inverted order ("said the Minister"): the subject may be parsed as an object.
            subject = next((t for t in clause if t.i > cue.i and t.pos_ in {"PROPN", "NOUN"}), None)
        if subject is None:
            continue
        phrase = _speaker_phrase(subject)
        parts = [(span.start, span.start + match.start())]
        rest_start = span.start + match.end()
        if rest_start < span.end:
            parts.append((rest_start, span.end))
        return parts, _Speaker(phrase.start, phrase.end, cue.lemma_.lower(), subject.i)
    return [(span.start, span.end)], None


# --- speech or not -------------------------------------------------------------------------------

def _is_name_or_term(tokens: TokenColumns, quoted: list[bool], text: str, span: _Span,
                     sentence: Span | None) -> bool:
    """Titles, names, terms and translations in quote marks ("Make Your Bed", the so-called
    "ghosting effect"), which are not speech."""
    content = text[span.start:span.end].strip(" ,.;:!?")
    words = content.split()
    if not words or len(words) > 6:
        return False
    opener = span.start - 1 if span.start > 0 and text[span.start - 1] in OPENERS else span.start
    if _NAMING.search(text[max(0, opener - 40):opener].rstrip()):
        return True
    alphabetic = [w for w in words if any(ch.isalpha() for ch in w)]
    lowers = {"of", "the", "a", "an", "and", "in", "on", "for", "to", "at", "is", "your", "my"}
    title_case = alphabetic and all(w[0].isupper() or w in lowers for w in alphabetic) and \
        not all(w.isupper() for w in alphabetic) and alphabetic[0][0].isupper()
    if title_case and len(alphabetic) >= 2 and not content.endswith(("?", "!")) and len(alphabetic) <= 5 and \
            not re.search(r"\b(I|We|You|It|This|That|He|She|They)\b", content):
        return True
    if len(words) > 4 or sentence is None:
        return False
    doc = tokens.doc
    quote = doc.char_span(span.start, span.end, alignment_mode="expand")
    if quote is None or not len(quote):
        return True
    if content[:1].isupper() and text[span.start:span.end].rstrip(" ,”\"»").endswith((".", "!", "?")) and \
            any(t.pos_ in {"VERB", "AUX"} for t in quote):
        return False  # a whole short sentence ("It made us unique.") is speech
    # A short quote is speech only when a verb of saying governs it or sits in its sentence; a
    # passive "is called" names a term.
    node = quote.root
    while node.head.i != node.i:
        node = node.head
        if node.lemma_.lower() in {"call", "dub", "name", "label", "term"}:
            return not any(c.dep_ == "nsubj" for c in node.children)
        if node.lemma_.lower() in CUE_LEMMAS or _document_verb(node):
            return False
    return not any(tokens.pos[i] in {"VERB", "AUX"} and not quoted[i] and
                   (tokens.lemma[i].lower() in CUE_LEMMAS or _document_verb(doc[i]))
                   for i in range(sentence.start, sentence.end))


def _document_verb(verb: Token) -> bool:
    """A verb whose subject is one given document ("the report found", "the resolution demands")
    quotes it; "surprise letters are showing up" does not."""
    return verb.pos_ == "VERB" and any(
        c.dep_ == "nsubj" and c.pos_ == "NOUN" and c.tag_ == "NN" and c.lemma_.lower() in _DOCUMENTS and
        any(d.dep_ == "poss" or (d.dep_ == "det" and d.lower_ in {"the", "this", "its", "their"}) for d in c.children)
        for c in verb.children)


def _kind(text: str, start: int, paragraph_start: int) -> str:
    """ "partial" when the quote is woven into the writer's sentence (was "ineffective", to open
    "standing channels"); "direct" when it stands on its own after a sentence end, a colon, a
    comma or a dash ("Lavrov replied, "Yes ...")."""
    opener = start - 1 if start > paragraph_start and text[start - 1] in OPENERS else start
    before = text[paragraph_start:opener].rstrip()
    if not before or before[-1] in ".!?:,;–—-\"”»“«(":
        return "direct"
    return "partial"


# --- the extractor -------------------------------------------------------------------------------

def extract_quotes(doc: Doc, mentions: list[EntityMention]) -> list[Quote]:
    """Quotes of one body; never raises on odd input (empty text, stray marks, huge paragraphs)."""
    tokens = token_columns(doc)
    text = tokens.text
    if not text.strip():
        return []
    spans = find_quote_spans(text)
    if not spans:
        return []
    paragraphs = _paragraphs(text)
    starts = [p[0] for p in paragraphs]

    def paragraph_of(char: int) -> int:
        return max(0, bisect_right(starts, char) - 1)

    referents = _Referents(doc, mentions, spans, paragraph_of, tokens)
    quoted = referents.quoted
    # Sentence bounds once: Token.sent and Span.sents rescan the whole doc on every call.
    sentence_bounds = tokens.sentences if doc.has_annotation("SENT_START") else [(0, len(doc))]
    sentence_starts = [a for a, _ in sentence_bounds]
    quotes: list[Quote] = []
    seen_texts: set[str] = set()
    last: tuple[_Ref | None, int, int] | None = None  # speaker, paragraph, char of the latest quote
    for span in spans:
        first = doc.char_span(span.start, span.end, alignment_mode="expand")
        if first is None or not len(first):
            continue
        sentence = doc[slice(*sentence_bounds[bisect_right(sentence_starts, first.start) - 1])]
        parts, speaker = _dash_attribution(doc, text, span)
        if speaker is None:
            p_start, p_end = paragraphs[span.paragraph]
            window = doc.char_span(p_start, p_end, alignment_mode="expand")
            # The sentence(s) holding the quote, then one more on each side, never outside the paragraph.
            sentences = []
            if window is not None:
                first_sentence = bisect_right(sentence_starts, window.start) - 1
                last_sentence = bisect_right(sentence_starts, window.end - 1)
                sentences = [(max(a, window.start), min(b, window.end))
                             for a, b in sentence_bounds[max(0, first_sentence):last_sentence]]
            inside = [i for i, (a, b) in enumerate(sentences)
                      if a < b and tokens.idx[a] < span.end and span.start < tokens.end_char(b - 1)]
            if inside:
                lo, hi = max(0, inside[0] - 1), min(len(sentences) - 1, inside[-1] + 1)
                speaker = _cue_speaker(tokens, quoted, sentences[inside[0]][0], sentences[inside[-1]][1], span.start)
                if speaker is None:
                    speaker = _cue_speaker(tokens, quoted, sentences[lo][0], sentences[hi][1], span.start)
                    # A neighbouring sentence's cue attributes this quote only when it names someone
                    # ("Patients will often tell him excuses. “You do ...”" is the doctor's).
                    if speaker is not None and speaker.head is not None and \
                            referents.resolve(doc[speaker.head]) is None:
                        speaker = None
        if _is_name_or_term(tokens, quoted, text, span, sentence):
            continue
        if speaker is not None:
            head = doc[speaker.head] if speaker.head is not None else doc[speaker.token_start]
            ref = referents.resolve(head)
            phrase = doc[speaker.token_start:speaker.token_end]
            mention = (phrase.text, phrase.start_char, phrase.end_char)
            cue = speaker.cue
        else:
            ref, named_at = referents.continuing(span.start, span.paragraph)
            if last is not None and span.paragraph - last[1] <= 1 and last[2] > named_at:
                ref = last[0]
            mention, cue = (None, None, None), None
        last = (ref, span.paragraph, span.start)
        for start, end in parts:
            while end > start and text[end - 1] in " ,–—-":
                end -= 1
            if end - start < 2:
                continue
            normalised = " ".join(text[start:end].split()).casefold().rstrip(".,!?;:…")
            if normalised in seen_texts:
                continue  # pull quotes and repeated paragraphs are stored once
            seen_texts.add(normalised)
            quotes.append(Quote(text[start:end], start, end, ref.name if ref else None, ref.key if ref else None,
                                mention[0], mention[1], mention[2], cue,
                                _kind(text, start, paragraphs[span.paragraph][0])))
    return _without_pull_quotes(quotes)


def _without_pull_quotes(quotes: list[Quote]) -> list[Quote]:
    """A pull quote repeats a sentence of a longer quote elsewhere in the article: keep the longer."""
    texts = [" ".join(q.text.split()).casefold().rstrip(".,!?;:…") for q in quotes]
    kept = []
    for i, quote in enumerate(quotes):
        if len(texts[i].split()) >= 5 and any(j != i and len(texts[j]) > len(texts[i]) and texts[i] in texts[j]
                                               for j in range(len(quotes))):
            continue
        kept.append(quote)
    return kept

