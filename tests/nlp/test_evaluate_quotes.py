"""The quote evaluation: its annotations, its matching rule, and a run on the seeds."""

import hashlib
import json
from pathlib import Path

import pytest

from pipeline.nlp import evaluate_quotes as ev
from pipeline.sources.seeds import parse_seed_text

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
MARKS = "\"“”«»„"


def seed_body(name):
    path = SEEDS / name
    return parse_seed_text(path.read_text(encoding="utf-8"), uri=str(path)).body


def test_the_annotation_set_is_large_enough_and_well_formed():
    data = json.loads(ev.ANNOTATIONS.read_text(encoding="utf-8"))
    quotes = [q for a in data["articles"] for q in a["quotes"]]
    assert len(quotes) >= 150
    assert {a["source"] for a in data["articles"]} == {"seed", "naeb"}
    for article in data["articles"]:
        spans = sorted((q["start"], q["end"]) for q in article["quotes"])
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:])), article["article"]
        for q in article["quotes"]:
            assert 0 <= q["start"] < q["end"] and q["kind"] in {"direct", "partial"}
            assert q["speaker"] is None or q["speaker"].strip() == q["speaker"] != ""


def test_seed_annotations_point_at_quoted_text_in_the_current_bodies():
    data = json.loads(ev.ANNOTATIONS.read_text(encoding="utf-8"))
    seeds = [a for a in data["articles"] if a["source"] == "seed"]
    assert len(seeds) == 5
    for article in seeds:
        body = seed_body(article["article"])
        assert hashlib.sha256(body.encode()).hexdigest() == article["sha256"]
        for q in article["quotes"]:
            span = body[q["start"]:q["end"]]
            assert "\n\n" not in span and span == span.strip()
            assert span[0] not in MARKS and span[-1] not in MARKS
            # Span = the text inside the marks: a mark opens it (or it starts a paragraph/part).
            assert body[q["start"] - 1] in MARKS + " \n" or body[q["start"] - 2:q["start"]] == "– "


def test_matching_needs_half_of_each_span_and_pairs_one_to_one():
    text = seed_body("000_0f53512f327d8040.txt")
    gold = [ev.Span(153, 347, "Sergei Lavrov")]
    half = ev.Span(153, 153 + 110, "Sergei Lavrov")  # more than half of the gold span
    third = ev.Span(153, 153 + 60, "Sergei Lavrov")
    assert ev.score_article(text, gold, [half]).matched == 1
    assert ev.score_article(text, gold, [third]).matched == 0
    score = ev.score_article(text, gold, [half, ev.Span(152, 348, "Lavrov")])
    assert (score.matched, score.predicted, len(score.false_alarms)) == (1, 2, 1)
    assert score.precision == 0.5 and score.recall == 1.0


def test_speakers_compare_after_name_normalisation():
    assert ev.same_speaker("Sergey Lavrov", "Sergei Lavrov")
    assert ev.same_speaker("the Migration Observatory", "The Migration Observatory")
    assert ev.same_speaker(None, None)
    assert not ev.same_speaker("Lavrov", None)
    assert not ev.same_speaker("Igor Konashenkov", "Sergei Lavrov")


def test_the_evaluation_runs_on_the_seeds_and_scores_both_systems(nlp, tmp_path):
    articles, notes = ev.load_articles(naeb=tmp_path / "absent")
    assert [a.source for a in articles] == ["seed"] * 5
    assert any("absent" in note and "skipped" in note for note in notes)
    results = ev.evaluate(articles, nlp)
    project, textacy = ev.totals(results["project"]), ev.totals(results["textacy"])
    assert project.gold == textacy.gold == sum(len(a.gold) for a in articles)
    assert project.recall >= 0.95 and project.precision >= 0.95 and project.speaker_accuracy >= 0.9
    # textacy gives up on the seed with an unbalanced quote mark: counted as no output, not a crash.
    assert textacy.errors >= 1 and textacy.recall < project.recall
    report = ev.format_report(results, notes)
    assert "project" in report and "textacy" in report and "003_26edf9139ea46a25.txt" in report


def test_an_article_whose_text_changed_is_skipped_with_a_note(tmp_path):
    data = json.loads(ev.ANNOTATIONS.read_text(encoding="utf-8"))
    data["articles"] = [a for a in data["articles"] if a["source"] == "seed"]
    data["articles"][0]["sha256"] = "0" * 64
    changed = tmp_path / "set.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    articles, notes = ev.load_articles(changed, naeb=tmp_path / "absent")
    assert len(articles) == 4
    assert any("changed since it was annotated" in note for note in notes)


@pytest.mark.skipif(not (ev.naeb_folder() / "news_articles.json").is_file(),
                    reason="NAEB corpus (../shared/corpora/naeb) is not on this machine")
def test_naeb_texts_still_match_their_annotations():
    data = json.loads(ev.ANNOTATIONS.read_text(encoding="utf-8"))
    articles, notes = ev.load_articles()
    assert not [n for n in notes if "changed" in n]
    assert len(articles) == len(data["articles"])
    for article in articles:
        for g in article.gold:
            span = article.text[g.start:g.end]
            assert "\n\n" not in span and span == span.strip() and span[0] not in MARKS
