"""Quotes and speakers on real sentences from the seeds, and robustness on hostile input."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.nlp.entities import extract_mentions
from pipeline.nlp.quotes import extract_quotes, find_quote_spans


def quotes_of(nlp, text):
    doc = nlp(text)
    found = extract_quotes(doc, extract_mentions(doc))
    for q in found:
        assert text[q.start:q.end] == q.text
        if q.speaker_start is not None:
            assert text[q.speaker_start:q.speaker_end] == q.speaker_mention
    return found


def test_attribution_after_the_quote(nlp):
    text = ('"We will do this in parallel with promoting a broader aim," Russian Foreign Minister '
            'Sergei Lavrov said in remarks released by his ministry.')
    (q,) = quotes_of(nlp, text)
    assert (q.speaker, q.cue, q.kind) == ("Sergei Lavrov", "say", "direct")
    assert q.text.startswith("We will do this")


def test_a_quote_split_by_its_attribution_gives_two_quotes_by_one_speaker(nlp):
    text = ("Russian Foreign Minister Sergey Lavrov spoke at a press conference. He denied that Russia was "
            "supporting Syrian President Bashar Assad.\n\n"
            '"You have to cooperate with all the forces," he told reporters, "the goal is terrorism. '
            'We are not supporting anyone."')
    first, second = quotes_of(nlp, text)
    assert first.speaker == second.speaker == "Sergei Lavrov"
    assert first.speaker_mention == "he" and first.cue == "tell"
    assert second.kind == "direct"


def test_russian_style_dash_attribution_inside_the_quote(nlp):
    text = ("Lavrov met Paolo Gentiloni in Rome.\n\n"
            "“The coalition that created US, we regard as a potentially effective partner, – said the Minister. "
            "– For it to become truly effective, it would be important to rely on international law”.")
    quotes = quotes_of(nlp, text)
    assert [q.text[:14] for q in quotes] == ["The coalition ", "For it to beco"]
    assert {q.speaker for q in quotes} == {"Lavrov"} or {q.speaker for q in quotes} == {"Sergei Lavrov"}
    assert all(q.speaker_mention == "the Minister" for q in quotes)


def test_unbalanced_marks_end_at_the_paragraph(nlp):
    text = ("Russian Defense Ministry spokesperson Igor Konashenkov confirmed Wednesday that, “Russian "
            "aerospace force jets delivered pinpoint strikes on eight terror group targets.\n\n"
            "Lavrov called those accusing Russia of anything else wrong.")
    (q,) = quotes_of(nlp, text)
    assert q.text.endswith("targets.") and "\n" not in q.text
    assert q.speaker == "Igor Konashenkov"


def test_a_quote_only_paragraph_continues_the_previous_speaker(nlp):
    text = ('"We are also providing military assistance to Syria," Sergei Lavrov added.\n\n'
            '"These are our partners in Egypt, Lebanon, Yemen and Jordan."\n\n'
            "In July, Moscow announced it was delivering combat helicopters to Iraq.")
    quotes = quotes_of(nlp, text)
    assert [q.speaker for q in quotes] == ["Sergei Lavrov", "Sergei Lavrov"]


def test_partial_quotes_scare_quotes_and_press_questions(nlp):
    text = ('Russia is ready to open "standing channels of communication" with the coalition, '
            'Foreign Minister Sergei Lavrov said on Wednesday.\n\n'
            'Syria slammed the "moderate" rebels.\n\n'
            'The AP asked Lavrov, "Is this a diversionary strategy to take attention away from Ukraine?"')
    quotes = quotes_of(nlp, text)
    by_text = {q.text: q for q in quotes}
    assert by_text["standing channels of communication"].kind == "partial"
    assert by_text["standing channels of communication"].speaker == "Sergei Lavrov"
    assert "moderate" not in by_text
    question = by_text["Is this a diversionary strategy to take attention away from Ukraine?"]
    assert question.speaker_mention == "The AP" and question.cue == "ask"


def test_the_same_quote_twice_is_stored_once(nlp):
    paragraph = '"We have got a contribution to make to the joint efforts," Sergei Lavrov said in Paris.'
    assert len(quotes_of(nlp, paragraph + "\n\n" + paragraph)) == 1


@pytest.mark.parametrize("text", ["", " ", '"', '""""', "“”«»„", '"\n\n"', "« unclosed\n\nnext » closed"])
def test_degenerate_inputs_never_raise(nlp, text):
    quotes_of(nlp, text)


def test_a_huge_paragraph_with_random_marks_never_raises(nlp):
    rng = random.Random(7)
    words = ["said", "Lavrov", "“", "”", '"', "«", "»", "he", "the", "Minister", "–", ".", ",", "coalition"]
    text = " ".join(rng.choice(words) for _ in range(20000))
    quotes_of(nlp, text)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab “”"«»„‘’.,–\n')), max_size=300))
def test_quote_span_scan_never_raises_and_stays_in_bounds(text):
    for span in find_quote_spans(text):
        assert 0 <= span.start < span.end <= len(text)
        assert "\n\n" not in text[span.start:span.end]


def test_non_english_text_does_not_raise(nlp):
    quotes_of(nlp, "«Мы не поддерживаем никого», – сказал министр. 我们不支持任何人。")
