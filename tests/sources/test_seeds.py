"""The seed reader on the real seed files and on small texts, one general rule at a time."""

from __future__ import annotations

import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from pipeline.records import RejectedDocument
from pipeline.sources.seeds import (
    READER_VERSION,
    decode_text,
    list_seed_files,
    parse_seed_text,
    read_seed_file,
)

SEEDS = Path(__file__).parents[2] / "seeds"
TODAY = date(2026, 11, 23)  # the seeds are from 2015; any 2026 date would be invented


def read_seed(prefix: str, today: date | None = None):
    (path,) = [p for p in list_seed_files(SEEDS) if p.name.startswith(prefix)]
    document = read_seed_file(path, source="seeds", max_bytes=1_000_000)
    return parse_seed_text(decode_text(document.content), uri=document.uri, today=today)


def paragraphs(article) -> list[str]:
    return article.body.split("\n\n")


# --- the real seeds -------------------------------------------------------------------------------


def test_seed_000_plain_text_with_standfirst_dateline_and_a_repeated_body():
    article = read_seed("000")
    assert article.title == "Russia has role to play in fight against Islamic State: Lavrov"
    assert article.standfirst == ("In July, Moscow announced it was delivering combat helicopters and fighter jets "
                                  "to Iraq")
    assert article.standfirst not in paragraphs(article)
    assert article.dateline == "MOSCOW"
    assert article.published_at is None
    assert article.url is None
    assert not article.body.startswith("MOSCOW")
    lines = (SEEDS / "000_0f53512f327d8040.txt").read_text().splitlines()
    body_lines = lines[3:]
    assert len(body_lines) == 18 and body_lines[:9] == body_lines[9:]  # the file does repeat itself
    for line in body_lines:
        assert paragraphs(article).count(line) == 1, line
    assert len(paragraphs(article)) == 9
    assert paragraphs(article)[0].startswith("Russia on Monday offered its help")


def test_seed_001_markdown_with_date_and_original_url():
    article = read_seed("001")
    assert article.title == "Russia's Putin, Lavrov Vow to Assist in Iraq's Fight Against Islamic State"
    assert article.published_at == date(2015, 5, 21)
    assert article.url == ("https://www.themoscowtimes.com/2015/05/21/"
                           "russias-putin-lavrov-vow-to-assist-in-iraqs-fight-against-islamic-state-a46749")
    assert "Original url" not in article.body
    assert "themoscowtimes" not in article.body
    assert "May 21, 2015" not in article.body
    # The summary line above the body repeats a body paragraph: kept apart, and once in the body.
    summary = "Lavrov told reporters Moscow would make every effort to help the Baghdad government push back the militants."
    assert article.standfirst == summary
    assert paragraphs(article).count(summary) == 1
    assert paragraphs(article)[0].startswith("Moscow and Baghdad are expanding military cooperation")
    assert paragraphs(article)[-1].startswith('"We are helping both Iraq and Syria')


def test_seed_002_caption_dropped_and_broken_paragraph_joined():
    article = read_seed("002")
    assert article.title == "Russia Ready to Liaise With U.S. Coalition on Syria Strikes: Lavrov"
    assert article.published_at == date(2015, 9, 30)
    assert article.url == ("https://www.themoscowtimes.com/2015/09/30/"
                           "russia-ready-to-liaise-with-us-coalition-on-syria-strikes-lavrov-a49965")
    assert "Original url" not in article.body and "https://" not in article.body
    assert "Foreign Minister Sergei Lavrov" not in paragraphs(article)
    assert paragraphs(article)[0].startswith('Russia is ready to open "standing channels of communication"')
    assert ('Russia circulated a draft council resolution that President Vladimir Putin has said would be '
            '"aimed at coordinating the actions of all forces that confront Islamic State." Lavrov said it would '
            'be discussed over the next month.') in paragraphs(article)
    assert not any(p.startswith('"aimed at') for p in paragraphs(article))
    assert len(paragraphs(article)) == 8


def test_seed_003_web_page_dump_loses_its_page_furniture():
    article = read_seed("003")
    assert article.title == "Russia: Aim in Syria Is to Fight Terrorism, Not to Support Anyone"
    assert article.published_at == date(2015, 10, 1)
    for furniture in ("Live", "Audio Only", "google plus", "facebook", "twitter", "Photo: Reuters",
                      "addresses the media", "RELATED", "Comments", "Post with no comments", "News > World",
                      "Published", "Opinion"):
        assert furniture not in article.body, furniture
    assert "Comment" not in paragraphs(article) and "0" not in paragraphs(article)
    assert paragraphs(article)[0] == ("Russia began airstrikes against the Islamic State group in Syria "
                                      "with permission from Damascus.")
    assert '"You have to cooperate with all the forces," he told reporters' in article.body
    assert "We are not supporting anyone." in article.body
    assert "“You know this as a fact?” Lavrov asked the journalist" in article.body
    assert "we are polite people, we do not come if we are not asked." in article.body
    assert paragraphs(article)[-1].startswith("Regarding the often tense relations")


def test_seed_004_translation_with_a_yearless_dateline_and_a_sub_heading():
    article = read_seed("004")
    assert article.title == "Lavrov on joining the coalition of the US: ready for dialogue under visor will not take"
    assert article.dateline == "ROME, 11 December"
    assert article.published_at is None  # "11 December" has no year; 2014 in the body is not the date
    assert any("no year" in note for note in article.notes)
    assert not article.body.startswith("ROME")
    assert paragraphs(article)[0].startswith("Lavrov about the possibility of joining the coalition")
    assert "The coalition should rely on international law" in paragraphs(article)
    index = paragraphs(article).index("The coalition should rely on international law")
    assert paragraphs(article)[index + 1].startswith("Moscow considers the coalition")


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
@pytest.mark.parametrize("today", [None, TODAY])
def test_every_seed_is_a_clean_article_and_no_date_is_invented(prefix, today):
    article = read_seed(prefix, today=today)
    assert article.published_at is None or article.published_at.year == 2015
    assert article.extractor == "seed-reader" and article.extractor_version == READER_VERSION == "1.0"
    assert article.body == article.body.strip() and "\n\n\n" not in article.body
    for paragraph in paragraphs(article):
        assert paragraph and paragraph == " ".join(paragraph.split()), paragraph
    assert len(paragraphs(article)) == len(set(paragraphs(article)))
    assert article.title not in article.body


# --- files ----------------------------------------------------------------------------------------


def test_list_seed_files_takes_text_and_markdown_files_sorted_and_skips_the_rest(tmp_path):
    for name in ("b.txt", "a.MD", "c.markdown", "d.Txt", ".hidden.txt", "e.json", "f.txt.bak", "noext"):
        (tmp_path / name).write_text("x")
    (tmp_path / "dir.txt").mkdir()
    assert [p.name for p in list_seed_files(tmp_path)] == ["a.MD", "b.txt", "c.markdown", "d.Txt"]


def test_list_seed_files_finds_the_five_shipped_seeds():
    assert [p.name[:3] for p in list_seed_files(SEEDS)] == ["000", "001", "002", "003", "004"]


def test_read_seed_file_gives_name_bytes_and_media_type(tmp_path):
    (tmp_path / "one.txt").write_bytes(b"Title\nBody.")
    (tmp_path / "two.MARKDOWN").write_bytes(b"# Title\n\nBody.")
    plain = read_seed_file(tmp_path / "one.txt", source="seeds", max_bytes=100)
    markdown = read_seed_file(tmp_path / "two.MARKDOWN", source="seeds", max_bytes=100)
    assert (plain.uri, plain.content, plain.media_type, plain.source) == ("one.txt", b"Title\nBody.", "text/plain",
                                                                          "seeds")
    assert (markdown.uri, markdown.media_type) == ("two.MARKDOWN", "text/markdown")


def test_a_20_mb_file_is_rejected_as_too_large_without_being_read(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(RejectedDocument) as rejected:
            read_seed_file(big, source="seeds", max_bytes=5 * 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rejected.value.code == "too_large"
    assert "20971520" in rejected.value.reason and "5242880" in rejected.value.reason
    assert peak < 1024 * 1024  # nothing near the file's size was allocated


def test_the_size_limit_is_inclusive(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 10)
    assert read_seed_file(path, source="s", max_bytes=10).content == b"x" * 10
    with pytest.raises(RejectedDocument) as rejected:
        read_seed_file(path, source="s", max_bytes=9)
    assert rejected.value.code == "too_large"


# --- decoding -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (b"", "empty", "empty"),
        (b" \n\t\r\n  ", "empty", "whitespace"),
        (b"\xef\xbb\xbf", "empty", "whitespace"),
        (b"PK\x03\x04\x00\x00binary", "binary", "NUL"),
        (b"abc" + bytes(range(1, 9)) * 3, "binary", "control characters"),
        (b"caf\xe9 au lait", "not_utf8", "offset 3"),
        (b"\xef\xbb\xbfcaf\xe9", "not_utf8", "offset 6"),
        (b"\xff\xfeh\x00i\x00", "not_utf8", "UTF-16"),
    ],
)
def test_decode_text_rejects(content, code, words):
    with pytest.raises(RejectedDocument) as rejected:
        decode_text(content)
    assert rejected.value.code == code
    assert words in rejected.value.reason


def test_decode_text_strips_the_bom_and_normalises_line_endings():
    assert decode_text(b"\xef\xbb\xbfTitle\r\nBody\rEnd\n") == "Title\nBody\nEnd\n"
    assert decode_text("Moscow – «Lavrov»\tsaid\f".encode()) == "Moscow – «Lavrov»\tsaid\f"


# --- general rules on small texts -----------------------------------------------------------------


def parse(text: str, **kwargs):
    return parse_seed_text(text, uri=kwargs.pop("uri", "x.txt"), **kwargs)


@pytest.mark.parametrize(
    ("first", "dateline", "rest"),
    [
        ("MOSCOW: Russia offered help on Monday.", "MOSCOW", "Russia offered help on Monday."),
        ("WASHINGTON (Reuters) - The Senate voted on Tuesday.", "WASHINGTON (Reuters)", "The Senate voted on Tuesday."),
        ("LONDON — Britain said on Friday it would act.", "LONDON", "Britain said on Friday it would act."),
        ("ATLANTA -- Officials said the storm had passed.", "ATLANTA", "Officials said the storm had passed."),
        ("NEW YORK, May 21 (AP) — Stocks rose.", "NEW YORK, May 21 (AP)", "Stocks rose."),
        ("Rome, 11 December. Lavrov met Gentiloni.", "Rome, 11 December", "Lavrov met Gentiloni."),
    ],
)
def test_datelines_go_to_metadata_and_leave_the_body(first, dateline, rest):
    article = parse(f"A headline about events\n{first}\nA second paragraph follows here.", today=TODAY)
    assert article.dateline == dateline
    assert paragraphs(article) == [rest, "A second paragraph follows here."]
    assert article.published_at is None


@pytest.mark.parametrize("first", ["U.S. officials said on Monday they would act.", "Russia: the view from Moscow.",
                                   "UPDATE: the vote was delayed."])
def test_ordinary_first_paragraphs_are_not_datelines(first):
    article = parse(f"A headline\n{first}\nMore text here.")
    assert article.dateline is None
    assert paragraphs(article)[0] == first


def test_a_dateline_with_a_year_dates_the_article():
    article = parse("A headline\nPARIS, 3 March 2015. Ministers met.\nMore.", today=TODAY)
    assert (article.dateline, article.published_at) == ("PARIS, 3 March 2015", date(2015, 3, 3))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("May 21, 2015", date(2015, 5, 21)),
        ("21 May 2015", date(2015, 5, 21)),
        ("Published 1 October 2015", date(2015, 10, 1)),
        ("Published: Thursday, Oct. 1, 2015 10:32 GMT", date(2015, 10, 1)),
        ("2015-10-01", date(2015, 10, 1)),
        ("Updated 2015-10-01T08:00:00Z", date(2015, 10, 1)),
        ("Published 1 October", None),
        ("May 21", None),
    ],
)
def test_date_lines_need_a_year_and_leave_the_body(line, expected):
    article = parse(f"# A headline\n\n{line}\n\nThe body is one sentence.", today=TODAY)
    assert article.published_at == expected
    assert article.body == "The body is one sentence."


def test_published_date_is_preferred_over_updated_date():
    article = parse("A headline\nUpdated 3 October 2015\nPublished 1 October 2015\nBody text.", today=TODAY)
    assert article.published_at == date(2015, 10, 1)


def test_a_date_in_the_future_is_dropped_with_a_note():
    text = "A headline\nPublished 3 March 2031\nThe body is one sentence."
    assert parse(text, today=date(2032, 1, 1)).published_at == date(2031, 3, 3)
    article = parse(text, today=date(2030, 1, 1))
    assert article.published_at is None
    assert any("2031-03-03" in note and "later than 2030-01-01" in note for note in article.notes)


def test_dates_inside_sentences_are_not_publication_dates():
    article = parse("A headline\nThe group was founded on 15 October 2006.\nIt was banned (29 December 2014).")
    assert article.published_at is None


@pytest.mark.parametrize(
    "tail",
    [
        "Source: https://example.org/news/1",
        "Source:\n\n<https://example.org/news/1>",
        "Original URL: <https://example.org/news/1>",
        "original url:\n\nhttps://example.org/news/1",
        "Source URL: [the story](https://example.org/news/1)",
    ],
)
def test_source_url_lines_become_the_url(tail):
    article = parse(f"# A headline\n\nThe body is one sentence.\n\n{tail}\n", uri="x.md")
    assert article.url == "https://example.org/news/1"
    assert article.body == "The body is one sentence."


def test_a_source_that_is_not_a_url_stays_text():
    article = parse("A headline\nThe body is one sentence.\nSource: Reuters")
    assert article.url is None
    assert paragraphs(article) == ["The body is one sentence.", "Source: Reuters"]


@pytest.mark.parametrize(
    "junk",
    [
        "READ MORE: Other story about something",
        "Read more: other story",
        "See also: Another headline",
        "Related: A related headline",
        "RELATED",
        "12 comments",
        "Comments (3)",
        "Be the first to comment",
        "Photo: Reuters",
        "Image: AP Photo/Someone",
        "A man walks past a building. | Photo: AFP",
        "• Home",
        "Home > News > Europe",
        "Share on Facebook",
        "Twitter Facebook Email Print",
        "Analysis",
        "Advertisement",
        "* * *",
    ],
)
def test_boilerplate_lines_are_removed_from_the_body(junk):
    text = f"A headline\nFirst paragraph is a sentence.\n{junk}\nSecond paragraph is a sentence."
    assert paragraphs(parse(text)) == ["First paragraph is a sentence.", "Second paragraph is a sentence."]


def test_navigation_before_the_title_is_skipped():
    article = parse("• Live\n  • facebook\nNews > World\n\nThe Real Title Here\n\nBody sentence.")
    assert article.title == "The Real Title Here"
    assert article.body == "Body sentence."


def test_a_subtitle_without_full_stop_is_the_standfirst():
    article = parse("A headline\nA short summary of what happened in the story\nThe body begins here.\nMore body.")
    assert article.standfirst == "A short summary of what happened in the story"
    assert paragraphs(article) == ["The body begins here.", "More body."]


def test_a_markdown_subheading_under_the_title_is_the_standfirst():
    article = parse("# A headline\n\n## What the minister said in Rome\n\nThe body begins here.\n\nMore body.")
    assert article.standfirst == "What the minister said in Rome"
    assert article.body == "The body begins here.\n\nMore body."


def test_a_lead_paragraph_is_not_taken_for_a_standfirst():
    article = parse("A headline\nThe lead paragraph is a sentence that ends properly.\nSecond paragraph here.")
    assert article.standfirst is None
    assert paragraphs(article)[0] == "The lead paragraph is a sentence that ends properly."


def test_a_name_only_line_between_title_and_body_is_a_caption():
    article = parse("# A headline\n\nMay 21, 2015\n\nPrime Minister Jane Doe\n\nThe body begins here.", today=TODAY)
    assert article.standfirst is None
    assert article.body == "The body begins here."
    assert any("Prime Minister Jane Doe" in note for note in article.notes)


def test_broken_paragraphs_are_joined_but_sub_headings_are_kept():
    text = ("A headline\nThe minister said the plan would be\n“aimed at peace,” he added.\n"
            "A Sub-heading Without Punctuation\nThe next paragraph starts here.\nit was\nlower case.")
    assert paragraphs(parse(text)) == [
        "The minister said the plan would be “aimed at peace,” he added.",
        "A Sub-heading Without Punctuation",
        "The next paragraph starts here.",
        "it was lower case.",
    ]


def test_repeated_paragraphs_are_kept_once_in_order():
    text = "A headline\nOne sentence.\nTwo  sentences here.\nOne sentence.\nTwo sentences here.\nThree."
    article = parse(text)
    assert paragraphs(article) == ["One sentence.", "Two sentences here.", "Three."]
    assert any("repeated" in note for note in article.notes)


def test_markdown_soft_wrapped_lines_make_one_paragraph_and_markup_is_stripped():
    text = ("\n# **Lavrov** in [Rome](https://example.org/rome)\n\nMay 21, 2015\n\n"
            "The first paragraph is\nwrapped over two lines.\n\nThe second one is **bold**.\n")
    article = parse(text, uri="x.md", today=TODAY)
    assert article.title == "Lavrov in Rome"
    assert paragraphs(article) == ["The first paragraph is wrapped over two lines.", "The second one is bold."]


@pytest.mark.parametrize(
    "text",
    [
        "Only a title line",
        "• Live\n• facebook\nNews > World\n",
        "# A headline\n\nMay 21, 2015\n\nOriginal url:\n\n<https://example.org/a>\n",
        "x " * 200 + "\nThe body.",
    ],
)
def test_texts_without_title_or_body_are_rejected(text):
    with pytest.raises(RejectedDocument) as rejected:
        parse(text)
    assert rejected.value.code == "no_article"
    assert rejected.value.reason.startswith("x.txt: no article")
