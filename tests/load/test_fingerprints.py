"""Fingerprints and LSH bands of loaded articles, written per batch in a few set-based statements."""

from __future__ import annotations

from pipeline import stages
from pipeline.extract import dedup
from pipeline.load import warehouse
from tests.conftest import SEEDS, process_batches, query


def bands_by_article(dsn: str) -> dict[int, set[tuple[int, int]]]:
    found: dict[int, set[tuple[int, int]]] = {}
    for article_id, band, band_hash in query(dsn, "select article_id, band, band_hash from core.article_lsh_bands"):
        found.setdefault(article_id, set()).add((band, band_hash))
    return found


def test_every_loaded_article_has_its_signature_and_bands_and_a_reload_replaces_them(clean_dsn):
    run_id = stages.begin_run(clean_dsn, dag_id="news_ingest", dag_run_id="fingerprints")
    batch_ids = stages.ingest_seed_directory(clean_dsn, run_id, SEEDS)
    process_batches(clean_dsn, batch_ids)

    articles = {article_id: body for article_id, body in query(clean_dsn, "select article_id, body from core.articles")}
    signatures = {article_id: (sha, list(minhash)) for article_id, sha, minhash in query(
        clean_dsn, "select article_id, body_sha256, minhash from core.article_fingerprints")}
    assert set(signatures) == set(articles) and len(articles) == 5
    for article_id, body in articles.items():
        assert signatures[article_id] == (dedup.body_sha256(body), dedup.signature(body))
    expected = {article_id: set(dedup.bands(minhash)) for article_id, (_, minhash) in signatures.items()}
    assert bands_by_article(clean_dsn) == expected

    # Loading the same batches again (a retried task) leaves one signature and one set of bands each.
    with warehouse.connect(clean_dsn) as conn, conn.transaction():
        for batch_id in batch_ids:
            counts = warehouse.load_fingerprints_and_duplicates(conn, batch_id, run_id, dedup.bands)
            assert counts["fingerprints"] > 0
    assert query(clean_dsn, "select count(*) from core.article_fingerprints") == [(5,)]
    assert query(clean_dsn, "select count(*) from core.article_lsh_bands") == [(5 * dedup.BANDS,)]
    assert bands_by_article(clean_dsn) == expected


def test_bands_are_computed_at_load_for_signatures_staged_without_them(clean_dsn):
    run_id = stages.begin_run(clean_dsn, dag_id="news_ingest", dag_run_id="fingerprints-old-staging")
    batch_ids = stages.ingest_seed_directory(clean_dsn, run_id, SEEDS)
    process_batches(clean_dsn, batch_ids)
    expected = bands_by_article(clean_dsn)
    with warehouse.connect(clean_dsn) as conn, conn.transaction():
        conn.execute("update staging.fingerprints set band_hashes = null")
        for batch_id in batch_ids:
            warehouse.load_fingerprints_and_duplicates(conn, batch_id, run_id, dedup.bands)
    assert bands_by_article(clean_dsn) == expected and len(expected) == 5
