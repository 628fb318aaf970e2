"""The stages end to end over the real seeds and real Postgres, without a scheduler."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from pipeline import stages
from tests.conftest import SEEDS, query, run_pipeline, table_counts, truncate_all

MOSCOW_TIMES_001 = ("https://www.themoscowtimes.com/2015/05/21/"
                    "russias-putin-lavrov-vow-to-assist-in-iraqs-fight-against-islamic-state-a46749")
MOSCOW_TIMES_002 = ("https://www.themoscowtimes.com/2015/09/30/"
                    "russia-ready-to-liaise-with-us-coalition-on-syria-strikes-lavrov-a49965")


def add_bad_files(seed_dir) -> None:
    (seed_dir / "900_empty.txt").write_bytes(b"")
    (seed_dir / "901_binary.txt").write_bytes(bytes(range(256)) * 40)
    (seed_dir / "902_latin1.txt").write_bytes("Caf\xe9 au lait\n\nUne histoire de caf\xe9.".encode("latin-1"))
    with (seed_dir / "903_huge.txt").open("wb") as handle:
        handle.write(b"Huge title\n\n" + b"All work and no play. " * (20 * 1024 * 1024 // 22))
    # Readable text that is not an article worth loading: fails the GX articles suite.
    (seed_dir / "904_stub.md").write_text("# Stub headline\n\nToo short to be an article.\n")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, warehouse_dsn):
    truncate_all(warehouse_dsn)
    seed_dir = tmp_path_factory.mktemp("seeds") / "seeds"
    shutil.copytree(SEEDS, seed_dir)
    add_bad_files(seed_dir)
    run_pipeline(warehouse_dsn, seed_dir, "run-1")
    return warehouse_dsn, seed_dir


def test_exactly_the_five_seed_articles_are_loaded(loaded):
    dsn, _ = loaded
    titles = [t for (t,) in query(dsn, "select title from mart.articles order by title")]
    assert len(titles) == 5
    assert "Russia's Putin, Lavrov Vow to Assist in Iraq's Fight Against Islamic State" in titles
    assert "Russia: Aim in Syria Is to Fight Terrorism, Not to Support Anyone" in titles


def test_urls_and_dates_are_the_stated_ones_and_never_invented(loaded):
    dsn, _ = loaded
    rows = {url: published for url, published in query(dsn, "select url, published_at from mart.articles")}
    assert rows[MOSCOW_TIMES_001] == date(2015, 5, 21)
    assert rows[MOSCOW_TIMES_002] == date(2015, 9, 30)
    telesur = query(dsn, "select published_at, body from mart.articles where title like 'Russia: Aim in Syria%%'")
    assert telesur[0][0] == date(2015, 10, 1)
    for line in ("RELATED", "Photo: Reuters", "google plus", "Post with no comments", "Comments"):
        assert line not in telesur[0][1]
    rome = query(dsn, "select published_at, dateline, body from mart.articles where body like '%%Gentiloni%%'")
    assert rome[0][0] in (None, date(2015, 12, 11))
    assert not rome[0][2].startswith("ROME")
    assert all(d is None or d.year <= 2015 for (d,) in query(dsn, "select published_at from mart.articles"))


def test_a_body_repeated_in_its_file_is_stored_once(loaded):
    dsn, _ = loaded
    (body,) = query(dsn, "select body from mart.articles where dateline like 'MOSCOW%%'")[0]
    paragraphs = body.split("\n\n")
    assert len(paragraphs) == len(set(paragraphs)) >= 8
    assert body.count("Russia on Monday offered its help") == 1


def test_each_bad_file_is_one_quarantine_row_with_a_clear_reason(loaded):
    dsn, _ = loaded
    rows = {key.split(":")[1]: (stage, code, reason) for stage, code, key, reason in query(
        dsn, "select stage, reason_code, record_key, reason from ops.quarantine where record_key like 'seeds:%%'")}
    assert rows["900_empty.txt"][1] == "empty"
    assert rows["901_binary.txt"][1] == "binary"
    assert rows["902_latin1.txt"][1] == "not_utf8"
    assert rows["903_huge.txt"][1] == "too_large" and "bytes" in rows["903_huge.txt"][2]
    stub = query(dsn, "select stage, reason, failed_expectations from ops.quarantine where record->>'title' = %s",
                 "Stub headline")
    assert stub and stub[0][0] == "validate" and "body" in stub[0][1]
    assert len(query(dsn, "select 1 from ops.quarantine")) == 5


def test_marts_are_filled_and_offsets_point_into_the_body(loaded):
    dsn, _ = loaded
    mentions = query(dsn, """select m.mention_text, substr(a.body, m.start_char + 1, m.end_char - m.start_char)
                             from mart.entity_mentions m join mart.articles a using (article_id)""")
    quotes = query(dsn, """select q.quote_text, substr(a.body, q.start_char + 1, q.end_char - q.start_char)
                           from mart.quotes q join mart.articles a using (article_id)""")
    assert len(mentions) > 50 and len(quotes) >= 20
    assert all(text == span for text, span in mentions + quotes)
    speakers = {s for (s,) in query(dsn, "select speaker_name from mart.quotes where speaker_entity_id is not null")}
    assert any("Lavrov" in s for s in speakers)
    counts = query(dsn, "select article_count from mart.entities where canonical_name like '%%Lavrov'")
    assert max(c for (c,) in counts) == 5


def test_validation_results_and_the_run_are_recorded(loaded):
    dsn, _ = loaded
    suites = {s for (s,) in query(dsn, "select suite from ops.validation_results")}
    assert suites == {"articles", "entity_mentions", "quotes"}
    (status, counts, model), = query(dsn, "select status, counts, nlp_model from ops.runs")
    assert status == "success" and counts["batches_loaded"] == counts["batches"] >= 1
    assert "core_web_sm" in model


def test_a_second_run_changes_nothing(loaded):
    dsn, seed_dir = loaded
    before = table_counts(dsn)
    snapshot = query(dsn, "select article_id, loaded_at, content_hash from core.articles order by 1")
    run_pipeline(dsn, seed_dir, "run-2")
    after = table_counts(dsn)
    # The run log grows by design; every data table keeps its row count.
    assert after.pop("ops.runs") == before.pop("ops.runs") + 1
    grown = {t for t in after if after[t] != before[t] and t not in {"ops.batches", "ops.validation_results"}}
    assert grown == set()
    assert query(dsn, "select article_id, loaded_at, content_hash from core.articles order by 1") == snapshot
    assert query(dsn, "select max(seen_count) from ops.quarantine") == [(2,)]


def test_an_edited_article_replaces_its_row_and_children(loaded, tmp_path):
    dsn, seed_dir = loaded
    path = next(seed_dir.glob("002_*"))
    original = path.read_text()
    path.write_text(original.replace("Lavrov said it would be discussed over the next month.",
                                     "Lavrov said it would be discussed next week."))
    try:
        run_pipeline(dsn, seed_dir, "run-edit")
        bodies = query(dsn, "select body from mart.articles where url = %s", MOSCOW_TIMES_002)
        assert len(bodies) == 1 and "discussed next week" in bodies[0][0]
        assert len(query(dsn, "select 1 from mart.articles")) == 5
        stale = query(dsn, """select count(*) from mart.quotes q join mart.articles a using (article_id)
                              where substr(a.body, q.start_char + 1, q.end_char - q.start_char) <> q.quote_text""")
        assert stale == [(0,)]
    finally:
        path.write_text(original)


def test_a_mostly_bad_batch_fails_its_task_visibly(clean_dsn, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWS_MIN_BAD_TO_FAIL", "2")
    for n in range(3):
        (tmp_path / f"stub{n}.md").write_text(f"# Stub {n}\n\nNot an article at all, number {n}.\n")
    shutil.copy(SEEDS / "004_962b241333455358.txt", tmp_path / "good.txt")
    run_id = stages.begin_run(clean_dsn, dag_id="news_ingest", dag_run_id="mostly-bad")
    (batch_id,) = stages.ingest_seed_directory(clean_dsn, run_id, tmp_path)
    stages.extract_batch(clean_dsn, batch_id)
    stages.analyse_batch(clean_dsn, batch_id)
    with pytest.raises(stages.BatchRejected, match="3 of 4 articles failed validation"):
        stages.validate_batch(clean_dsn, batch_id)
    assert len(query(clean_dsn, "select 1 from ops.quarantine where stage = 'validate'")) == 3
    with pytest.raises(RuntimeError, match="did not load"):
        stages.end_run(clean_dsn, run_id)
    assert query(clean_dsn, "select status from ops.runs") == [("failed",)]
