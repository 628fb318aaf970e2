"""Quotes with their speaker, from a parsed article body (paragraphs separated by blank lines).

1. Quote spans come from a scan of each paragraph's quote marks: straight, curly and angle marks,
   mixed pairs, and unbalanced marks (an unclosed quote ends at its paragraph's end; a closing mark
   with no opener starts the quote at the paragraph's start).
2. Attribution comes from the parse: a verb of saying outside the quote in the same sentence (or the
   sentence just before/after), its subject, "according to X", or a Russian-style dash clause inside
   the quote ("... – said the Minister. – ...").
3. Pronoun and title speakers ("he", "the Minister") resolve to the latest named person; a paragraph
   that is only a quote continues the previous paragraph's speaker.
4. Short quoted words inside reported speech are "partial"; one- or two-word quotes with no verb
   of saying nearby are scare quotes or titles and are dropped.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from pipeline.records import EntityMention, Quote

CUE_LEMMAS = frozenset({
    "say", "tell", "add", "ask", "reply", "confirm", "explain", "warn", "note", "comment", "rebut", "acknowledge",
    "state", "insist", "stress", "claim", "argue", "announce", "declare", "write", "answer", "respond", "remark",
    "continue", "conclude", "admit", "emphasize", "emphasise", "observe", "suggest", "recall", "tweet", "deny",
    "report", "describe", "call", "urge", "promise", "vow", "predict", "agree", "complain", "notice", "quip",
    "retort", "counter", "point", "maintain", "underline",
})
OPENERS = {"“": "”", "«": "»", "„": "“", '"': '"'}
CLOSERS = {"”", "»", '"'}
PRONOUNS = frozenset({"he", "she", "they", "i", "we"})
MIN_DIRECT_WORDS = 3
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
        for i in range(p_start, p_end):
            ch = text[i]
            if open_at is None:
                if ch in OPENERS and (ch != '"' or _is_opening_straight(text, i)):
                    open_at, depth_closer = i + 1, OPENERS[ch]
                elif ch in CLOSERS and ch != '"' and not spans_in(spans, number):
                    # A closer with no opener: the quote began at the paragraph's start.
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


def spans_in(spans: list[_Span], paragraph: int) -> bool:
    return any(s.paragraph == paragraph for s in spans)


def _add(spans: list[_Span], text: str, start: int, end: int, paragraph: int, *, opened: bool, closed: bool) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start >= 2:
        spans.append(_Span(start, end, paragraph, opened, closed))


# --- attribution ---------------------------------------------------------------------------------

@dataclass
class _Speaker:
    token_start: int
    token_end: int
    cue: str | None
    head: int | None = None  # the subject token, to pick the right mention inside a long phrase


def _inside(spans: list[_Span], char: int) -> bool:
    return any(s.start <= char < s.end for s in spans)


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
    if doc[left].dep_ == "poss":
        left = token.i
    return doc[left:right]


def _subject_of(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ in {"nsubj", "nsubjpass"}:
            return child
    # "... said the Minister" in a relative or conjoined clause: climb once.
    if verb.dep_ in {"conj", "advcl", "relcl"}:
        for child in verb.head.children:
            if child.dep_ in {"nsubj", "nsubjpass"} and child.i < verb.i:
                return child
    return None


def _according_to(doc: Doc, start: int, end: int, spans: list[_Span]) -> _Speaker | None:
    for token in doc[start:end]:
        if token.lower_ == "according" and token.i + 1 < len(doc) and doc[token.i + 1].lower_ == "to":
            for obj in doc[token.i + 1].children:
                if obj.dep_ == "pobj" and not _inside(spans, obj.idx):
                    phrase = _speaker_phrase(obj)
                    return _Speaker(phrase.start, phrase.end, "according to", obj.i)
    return None


def _cue_speaker(doc: Doc, start: int, end: int, spans: list[_Span], near: int) -> _Speaker | None:
    """The verb of saying outside quotes in tokens [start, end) nearest to char `near`, and its subject."""
    found = _according_to(doc, start, end, spans)
    best: tuple[int, _Speaker] | None = None
    for token in doc[start:end]:
        if token.pos_ not in {"VERB", "AUX"} or token.lemma_.lower() not in CUE_LEMMAS or _inside(spans, token.idx):
            continue
        subject = _subject_of(token)
        if subject is None or _inside(spans, subject.idx):
            continue
        phrase = _speaker_phrase(subject)
        distance = abs(token.idx - near)
        if best is None or distance < best[0]:
            best = (distance, _Speaker(phrase.start, phrase.end, token.lemma_.lower(), subject.i))
    if best:
        return best[1]
    return found


def _dash_attribution(doc: Doc, span: _Span) -> tuple[list[tuple[int, int]], _Speaker | None]:
    """Split “... – said the Minister. – ...” into the quoted parts and the attribution clause."""
    text = doc.text
    segment = text[span.start:span.end]
    for match in _DASH_CLAUSE.finditer(segment):
        clause_start, clause_end = span.start + match.start(1), span.start + match.end(1)
        clause = doc.char_span(clause_start, clause_end, alignment_mode="expand")
        if clause is None:
            continue
        cue = next((t for t in clause if t.lemma_.lower() in CUE_LEMMAS and t.pos_ in {"VERB", "AUX"}), None)
        if cue is None:
            continue
        subject = _subject_of(cue)
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


# --- speaker resolution --------------------------------------------------------------------------

def _resolve(doc: Doc, speaker: _Speaker, persons: list[EntityMention], person_starts: list[int],
             mentions: list[EntityMention]) -> tuple[str | None, str | None, Span]:
    phrase = doc[speaker.token_start:speaker.token_end]
    overlapping = [m for m in mentions if m.start < phrase.end_char and phrase.start_char < m.end]
    if overlapping:
        head = doc[speaker.head] if speaker.head is not None else phrase.root
        best = next((m for m in overlapping if m.start <= head.idx < m.end), None)
        best = best or next((m for m in overlapping if m.label == "PERSON"), overlapping[-1])
        return best.canonical_name, best.canonical_key, phrase
    is_pronoun = len(phrase) == 1 and phrase[0].lower_ in PRONOUNS
    is_title = any(t.pos_ == "NOUN" for t in phrase) and not any(t.pos_ == "PROPN" for t in phrase)
    titled = any(t.pos_ == "PROPN" and t.lower_ in {"minister", "president", "secretary"} for t in phrase)
    if is_pronoun or is_title or titled:
        person = _antecedent(doc, persons, person_starts, phrase.start_char)
        if person is not None:
            return person.canonical_name, person.canonical_key, phrase
        return None, None, phrase
    return phrase.text, None, phrase


def _antecedent(doc: Doc, persons: list[EntityMention], person_starts: list[int], before: int) -> EntityMention | None:
    """The latest person before `before` who was a clause subject ("Lavrov spoke ... He denied ... Assad"
    makes "he" Lavrov), else simply the latest person."""
    index = bisect_right(person_starts, before) - 1
    if index < 0:
        return None
    for candidate in reversed(persons[max(0, index - 12):index + 1]):
        span = doc.char_span(candidate.start, candidate.end, alignment_mode="expand")
        if span is not None and span.root.dep_ in {"nsubj", "nsubjpass"}:
            return candidate
    return persons[index]


def _kind(text: str, quote: tuple[int, int], sentence: Span | None, continues_quote: bool) -> str:
    content = text[quote[0]:quote[1]]
    words = len(content.split())
    starts_lower = content[:1].islower()
    if continues_quote:
        return "direct"  # the second half of a quote split by its attribution
    if sentence is not None and quote[0] - sentence.start_char > 1 and starts_lower:
        return "partial"
    if words < MIN_DIRECT_WORDS + 2 and starts_lower:
        return "partial"
    return "direct"


def extract_quotes(doc: Doc, mentions: list[EntityMention]) -> list[Quote]:
    """Quotes of one body; never raises on odd input (empty text, stray marks, huge paragraphs)."""
    text = doc.text
    if not text.strip():
        return []
    spans = find_quote_spans(text)
    persons = sorted((m for m in mentions if m.label == "PERSON"), key=lambda m: m.start)
    person_starts = [m.start for m in persons]
    quotes: list[Quote] = []
    seen_texts: set[str] = set()
    last_speaker: tuple[str | None, str | None, str | None, int | None, int | None, str | None] | None = None
    last_paragraph = -2
    previous_end: int | None = None
    previous_paragraph = -1
    paragraphs = _paragraphs(text)
    for span in spans:
        first = doc.char_span(span.start, span.end, alignment_mode="expand")
        if first is None:
            continue
        sentence = first[0].sent if len(first) else None
        parts, speaker = _dash_attribution(doc, span)
        if speaker is None:
            p_start, p_end = paragraphs[span.paragraph]
            window = doc.char_span(p_start, p_end, alignment_mode="expand")
            # The sentence(s) holding the quote, then one more on each side, never outside the paragraph.
            sentences = [(max(s.start, window.start), min(s.end, window.end)) for s in window.sents] if window else []
            inside = [i for i, (a, b) in enumerate(sentences)
                      if doc[a].idx < span.end and span.start < doc[b - 1].idx + len(doc[b - 1])]
            if inside:
                lo, hi = max(0, inside[0] - 1), min(len(sentences) - 1, inside[-1] + 1)
                near_first = _cue_speaker(doc, sentences[inside[0]][0], sentences[inside[-1]][1], spans, span.start)
                speaker = near_first or _cue_speaker(doc, sentences[lo][0], sentences[hi][1], spans, span.start)
        words = len(text[span.start:span.end].split())
        if speaker is None and words <= 2:
            continue  # scare quotes and titles, not speech
        if speaker is not None:
            name, key, phrase = _resolve(doc, speaker, persons, person_starts, mentions)
            resolved = (name, key, phrase.text, phrase.start_char, phrase.end_char, speaker.cue)
        else:
            p_start, p_end = paragraphs[span.paragraph]
            only_quote = text[p_start:span.start].strip(" \"“«„") == "" and \
                text[span.end:p_end].strip(" \"”».,") == ""
            if last_speaker and ((only_quote and span.paragraph - last_paragraph <= 1)
                                 or span.paragraph == last_paragraph):
                # A quote-only paragraph, or a later quote of the same paragraph without a cue of its
                # own, continues the previous speaker.
                resolved = last_speaker
            else:
                resolved = (None, None, None, None, None, None)
        continues_quote = previous_end is not None and span.paragraph == previous_paragraph and \
            span.start - previous_end < 80 and speaker is not None
        previous_end, previous_paragraph = span.end, span.paragraph
        for start, end in parts:
            while end > start and text[end - 1] in " ,–—-":
                end -= 1
            if end - start < 2:
                continue
            normalised = " ".join(text[start:end].split()).casefold().rstrip(".,!?;:…")
            if normalised in seen_texts:
                continue  # pull quotes and repeated paragraphs are stored once
            seen_texts.add(normalised)
            name, key, mention, m_start, m_end, cue = resolved
            quotes.append(Quote(text[start:end], start, end, name, key, mention, m_start, m_end, cue,
                                _kind(text, (start, end), sentence, continues_quote)))
        if resolved[0] is not None:
            last_speaker, last_paragraph = resolved, span.paragraph
    return quotes
