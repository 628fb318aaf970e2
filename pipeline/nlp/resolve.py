"""Canonical entities from cleaned mentions: pure Python, no spaCy, so stored mentions can be
re-resolved in the warehouse without re-running NLP.

Order per mention: the alias table (exact, then spelling variant, then fuzzy for long names),
then within the article a short form resolves to a full name that ends with it (Lavrov -> Sergei
Lavrov) or starts with it (Xi -> Xi Jinping), an acronym to the name it abbreviates (IRGC ->
Islamic Revolutionary Guard Corps) and two spellings of one organisation to the first, then a
surname that belongs to exactly one curated person (Assad -> Bashar al-Assad).
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

ALIASES_PATH = Path(__file__).with_name("aliases.csv")
ENTITY_TYPES = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "–": "-", "—": "-", "‐": "-"})
# Arabic article particles written with a hyphen: "al-Assad" and "Assad" are one name.
_PARTICLE = re.compile(r"(?<![\w'])(?:al|el|ad|as|ash|at|ar|an)-")
# Transliteration endings of given names: Sergey/Sergei, Dmitriy/Dmitri, Yuriy/Yuri.
_ENDINGS = ((re.compile(r"ey\b"), "ei"), (re.compile(r"iy\b"), "i"))
_SMALL_WORDS = frozenset({"of", "the", "and", "for", "de", "du", "la", "le", "&"})
# Fuzzy matching only for long, multi-word names: short names ("Iran"/"Iraq") differ by one letter.
FUZZY_MIN_LENGTH = 10
FUZZY_CUTOFF = 92.0


@dataclass(frozen=True)
class Alias:
    canonical_name: str
    entity_type: str
    wikidata_id: str | None = None


@dataclass(frozen=True)
class Resolved:
    canonical_name: str
    entity_type: str
    canonical_key: str
    wikidata_id: str | None = None
    curated: bool = False  # the name comes from the alias table


# Pure functions of a string, called for every span of every article (mostly the same names
# again): cached. Bounded so a long-running process does not grow without limit.
_NAME_CACHE_SIZE = 1 << 16


@functools.lru_cache(maxsize=_NAME_CACHE_SIZE)
def normalise_name(name: str) -> str:
    """Comparison form: accents, case, dots and spacing do not matter ("U.S." == "US")."""
    text = unicodedata.normalize("NFKD", name.translate(_APOSTROPHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace(".", "")
    return re.sub(r"\s+", " ", text).strip()


@functools.lru_cache(maxsize=_NAME_CACHE_SIZE)
def variant_key(name: str) -> str:
    """Spelling-variant form: also without Arabic particles, hyphens and transliterated endings."""
    words = _PARTICLE.sub("", normalise_name(name)).replace("-", " ").split()
    # Only given names: a surname such as Haley is not a transliteration.
    for i, word in enumerate(words[:-1]):
        for pattern, replacement in _ENDINGS:
            word = pattern.sub(replacement, word)
        words[i] = word
    return " ".join(words)


def canonical_key(entity_type: str, canonical_name: str) -> str:
    return f"{entity_type}:{normalise_name(canonical_name)}"


def surname(name: str) -> str:
    return variant_key(name).split(" ")[-1]


def initials(name: str) -> set[str]:
    """Acronyms a name may have: with and without its small words (BoE, UNSC)."""
    words = [w for w in re.split(r"[\s-]+", normalise_name(name)) if w]
    return {"".join(w[0] for w in words if w not in _SMALL_WORDS), "".join(w[0] for w in words if w != "the")}


@dataclass
class AliasTable:
    """Aliases by normalised spelling, with the lookups resolution needs built once."""

    by_name: dict[str, Alias] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_variant: dict[str, Alias] = {}
        for key, alias in self.by_name.items():
            self.by_variant.setdefault(variant_key(key), alias)
        people: dict[str, set[Alias]] = {}
        for alias in self.by_name.values():
            if alias.entity_type == "PERSON":
                people.setdefault(surname(alias.canonical_name), set()).add(alias)
        self.surnames = {s: next(iter(found)) for s, found in people.items() if len(found) == 1}
        self._fuzzy_choices = [k for k in self.by_variant if len(k) >= FUZZY_MIN_LENGTH and " " in k]

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str, str | None]]) -> AliasTable:
        """(alias, canonical_name, entity_type, wikidata_id); a later row wins over an earlier one."""
        table: dict[str, Alias] = {}
        for alias, name, entity_type, wikidata in rows:
            if alias and alias.strip() and name and name.strip():
                target = Alias(name.strip(), entity_type.strip(), (wikidata or "").strip() or None)
                table[normalise_name(alias)] = target
                # The newest row decides where its canonical name points, so chains have no cycles.
                table[normalise_name(target.canonical_name)] = target
        # Follow chains: "Sergey Lavrov" -> "Sergei Lavrov" -> a name an engineer preferred.
        for key, target in table.items():
            for _ in range(len(table)):
                following = table[normalise_name(target.canonical_name)]
                if following == target:
                    break
                target = following
            table[key] = target
        return cls(table)

    # Mapping-style access by normalised name, for cleanup code.
    def get(self, key: str, default=None) -> Alias | None:
        return self.by_name.get(key, default)

    def __getitem__(self, key: str) -> Alias:
        return self.by_name[key]

    def __contains__(self, key: object) -> bool:
        return key in self.by_name

    def __len__(self) -> int:
        return len(self.by_name)

    def lookup(self, name: str) -> Alias | None:
        """Exact spelling, then spelling variant, then a close fuzzy match of a long name."""
        alias = self.by_name.get(normalise_name(name))
        if alias:
            return alias
        key = variant_key(name)
        alias = self.by_variant.get(key)
        if alias or len(key) < FUZZY_MIN_LENGTH or " " not in key:
            return alias
        best = process.extractOne(key, self._fuzzy_choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        return self.by_variant[best[0]] if best else None


def read_alias_rows(path: Path = ALIASES_PATH) -> list[tuple[str, str, str, str | None]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(r["alias"], r["canonical_name"], r["entity_type"], r.get("wikidata_id") or None)
                for r in csv.DictReader(handle)]


@functools.lru_cache(maxsize=4)
def load_aliases(path: Path = ALIASES_PATH) -> AliasTable:
    """The curated table that ships with the project."""
    return AliasTable.from_rows(read_alias_rows(path))


# Not GPE: "Jordan" the country must not become Jordan Peterson.
_SHORT_FORM_LABELS = frozenset({"PERSON", "ORG", "NORP"})


def resolve_article(mentions: Sequence[tuple[str, str]], aliases: AliasTable) -> list[Resolved]:
    """Canonical entity of each (text, label) mention of one article (title and body together)."""
    looked_up = [aliases.lookup(text) for text, _ in mentions]
    # A short name the model calls a person makes the full name ending with it a person too
    # ("Nikki Haley" tagged ORG, "Haley" PERSON).
    person_words = {surname(t) for (t, label), a in zip(mentions, looked_up)
                    if label == "PERSON" and not a and " " not in t.strip()}
    mentions = [(t, "PERSON") if label == "ORG" and not a and 2 <= len(t.split()) <= 3
                and surname(t) in person_words and t.istitle() else (t, label)
                for (t, label), a in zip(mentions, looked_up)]
    people: dict[str, Counter] = {}
    curated_names = set()
    # Family name first ("Xi Jinping" -> "Xi"): a first word that belongs to one full name only.
    first_words: dict[str, set[str]] = {}
    full_orgs: dict[str, tuple[str, str]] = {}
    for (text, label), alias in zip(mentions, looked_up):
        name, kind = (alias.canonical_name, alias.entity_type) if alias else (text, label)
        if kind == "PERSON" and " " in name.strip():
            people.setdefault(surname(name), Counter())[name] += 1
            if alias:
                curated_names.add(name)
            first_words.setdefault(variant_key(name).split(" ")[0], set()).add(name)
        elif kind in {"ORG", "GPE"} and len(name.split()) >= 2:
            for acronym in initials(name):
                full_orgs.setdefault(acronym, (name, kind))
    # Two people with one surname ("Donald Trump", "Ivanka Trump"): the curated one, else the one
    # named most often, else the longer name.
    full_people = {last: max(names, key=lambda n: (n in curated_names, names[n], len(n)))
                   for last, names in people.items()}
    # One organisation spelled two ways in one article ("Asia Pacific"/"Asian-Pacific").
    variants: dict[str, str] = {}
    for (text, label), alias in zip(mentions, looked_up):
        if not alias and label in {"ORG", "GPE"} and len(text.split()) >= 2 and text not in variants:
            key = variant_key(text)
            close = process.extractOne(key, {t: variant_key(t) for t in set(variants.values())},
                                       scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            variants[text] = close[2] if close else text

    resolved = []
    for (text, label), alias in zip(mentions, looked_up):
        one_word = " " not in text.strip()
        acronym = text.replace(".", "").isupper() and len(text.replace(".", "")) >= 2
        if alias:
            name, kind = alias.canonical_name, alias.entity_type
        elif one_word and label in _SHORT_FORM_LABELS and surname(text) in full_people:
            name, kind = full_people[surname(text)], "PERSON"
        elif one_word and label == "PERSON" and len(first_words.get(variant_key(text), ())) == 1:
            name, kind = next(iter(first_words[variant_key(text)])), "PERSON"
        elif one_word and acronym and label in {"ORG", "GPE"} and normalise_name(text) in full_orgs:
            name, kind = full_orgs[normalise_name(text)]
        elif one_word and label in {"PERSON", "ORG", "NORP", "GPE"} and surname(text) in aliases.surnames:
            known = aliases.surnames[surname(text)]
            name, kind = known.canonical_name, known.entity_type
        else:
            name, kind = variants.get(text, text), label
        final = aliases.lookup(name)
        if final:
            name, kind = final.canonical_name, final.entity_type
        resolved.append(Resolved(name, kind, entity_key(kind, name), final.wikidata_id if final else None,
                                 final is not None))
    return resolved


def entity_key(entity_type: str, name: str) -> str:
    """Key of the canonical entity: spelling variants of a person's name not in the alias table
    (Sergey/Sergei, al-Assad/Assad) share it; other names only ignore case, accents and dots."""
    return f"{entity_type}:{variant_key(name) if entity_type == 'PERSON' else normalise_name(name)}"
