"""Entity cleanup and canonical names on real sentences from the seeds."""

from collections import defaultdict
from pathlib import Path

import pytest

from pipeline.nlp.entities import extract_article_mentions, extract_mentions, load_aliases, normalise_name
from pipeline.sources import seeds

SEED_DIR = Path(__file__).resolve().parents[2] / "seeds"


def keys(nlp, text):
    return {(m.text, m.canonical_key) for m in extract_mentions(nlp(text))}


def test_titles_and_possessives_are_trimmed_and_offsets_stay_exact(nlp):
    text = "Russian Foreign Minister Sergei Lavrov's remarks were released. Mr. Putin agreed."
    mentions = extract_mentions(nlp(text))
    assert ("Sergei Lavrov", "PERSON:sergei lavrov") in {(m.text, m.canonical_key) for m in mentions}
    assert all(text[m.start:m.end] == m.text for m in mentions)
    assert not any(m.text.lower().startswith(("the ", "mr")) for m in mentions)


def test_a_title_and_country_glued_to_a_name_are_split(nlp):
    text = ("This was stated by Minister of foreign Affairs of the Russian Federation Sergey Lavrov "
            "following the meeting with Italian counterpart Paolo Gentiloni.")
    found = keys(nlp, text)
    assert ("Sergey Lavrov", "PERSON:sergei lavrov") in found
    assert ("Russian Federation", "GPE:russia") in found


def test_short_forms_resolve_to_the_full_name_in_the_same_article(nlp):
    text = ("Syrian President Bashar al-Assad met envoys. Later Assad said talks would go on. "
            "Foreign Minister Sergei Lavrov agreed. Lavrov replied, \"Yes.\"")
    found = keys(nlp, text)
    assert ("Assad", "PERSON:bashar al-assad") in found
    assert ("Lavrov", "PERSON:sergei lavrov") in found


@pytest.mark.parametrize("variant", ["Islamic State", "IS", "ISIS", "ISIL", "IG", "Daesh", "Islamic State group"])
def test_every_name_of_the_group_is_one_entity(variant):
    alias = load_aliases()[normalise_name(variant)]
    assert (alias.canonical_name, alias.entity_type, alias.wikidata_id) == ("Islamic State", "ORG", "Q2429253")


def test_us_spellings_are_one_key_and_normalisation_ignores_dots_and_accents():
    assert normalise_name("U.S.") == normalise_name("US") == "us"
    assert normalise_name("Sérgei  Lavrov") == "sergei lavrov"


def test_across_the_seeds_lavrov_and_islamic_state_are_one_entity_each(nlp):
    per_key = defaultdict(set)
    surface = defaultdict(set)
    for path in seeds.list_seed_files(SEED_DIR):
        article = seeds.parse_seed_text(seeds.decode_text(path.read_bytes()), uri=path.name)
        title, body = extract_article_mentions(nlp(article.title), nlp(article.body))
        for m in title + body:
            assert (article.title if m in title else article.body)[m.start:m.end] == m.text
        for m in body:
            per_key[m.canonical_key].add(path.name)
            surface[m.canonical_key].add(m.text)
            assert not (m.label == "PERSON" and ("Vow" in m.text or m.text.lower().startswith("the "))), m
        for m in title:
            assert "Vow" not in m.text
    assert len(per_key["PERSON:sergei lavrov"]) == 5
    assert len(per_key["ORG:islamic state"]) == 5
    assert {"ISIS", "ISIL", "IG", "IS"} <= surface["ORG:islamic state"]
    assert {"Sergei Lavrov", "Sergey Lavrov", "Lavrov"} <= surface["PERSON:sergei lavrov"]
    assert not [k for k in per_key if "lavrov" in k and k != "PERSON:sergei lavrov"]
    assert not [k for k in per_key if k.startswith("PERSON:") and "assad" in k and k != "PERSON:bashar al-assad"]
