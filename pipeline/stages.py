"""The stage entry points the DAG's tasks call: each reads its input from Postgres, runs the pure
stage functions, and writes its output back. Arguments and return values are ids only.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

from pipeline import __version__ as PIPELINE_VERSION
from pipeline.config import Settings, settings
from pipeline.extract import dedup
from pipeline.extract.articles import article_key, content_hash, detect_language, word_count
from pipeline.load import entity_store, warehouse
from pipeline.records import ParsedArticle, RawDocument, RejectedDocument
from pipeline.sources import inbox, seeds
from pipeline.validate import datadocs, suites

log = logging.getLogger(__name__)
SEED_SOURCE = "seeds"
INBOX_SOURCE = "inbox"
FILE_SOURCES = (SEED_SOURCE, INBOX_SOURCE)
SCOPES = ("all", "interval", "pending")
PENDING_MARGIN = timedelta(hours=1)


class BatchRejected(RuntimeError):
    """Raised when most of a batch fails validation: the task fails visibly, bad rows stay quarantined."""


def nlp_model_name() -> str:
    from pipeline.nlp.model import load_model, model_version

    return model_version(load_model(settings().spacy_model))


def begin_run(
    dsn: str,
    *,
    dag_id: str,
    dag_run_id: str,
    source: str = SEED_SOURCE,
    data_interval_start: datetime | None = None,
    data_interval_end: datetime | None = None,
) -> int:
    versions = {"reader": seeds.READER_VERSION, "nlp_model": nlp_model_name(), "pipeline": PIPELINE_VERSION}
    with warehouse.connect(dsn) as conn:
        return warehouse.start_run(
            conn, dag_id=dag_id, dag_run_id=dag_run_id, source=source,
            data_interval_start=data_interval_start, data_interval_end=data_interval_end, versions=versions,
        )


# --- discover: files -> raw.documents + batches -------------------------------------------------

def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _preview(path: Path, limit: int = 240) -> str:
    with path.open("rb") as handle:
        return repr(handle.read(limit))


def _file_document(path: Path, source: str, cfg: Settings) -> RawDocument:
    document = seeds.read_seed_file(path, source=source, max_bytes=cfg.max_document_bytes)
    seeds.decode_text(document.content)  # rejects unreadable text here, before it is stored
    arrived = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return replace(document, arrived_at=arrived)


def _store_file_documents(conn, run_id: int, source: str, paths: list[Path], cfg: Settings) -> list[int]:
    """Store readable files in raw.documents; quarantine unreadable ones. Returns document ids."""
    accepted = []
    for path in paths:
        try:
            accepted.append(_file_document(path, source, cfg))
        except RejectedDocument as rejected:
            digest = _file_sha256(path)
            log.warning("quarantined %s: %s", path.name, rejected.reason)
            warehouse.quarantine(
                conn, run_id=run_id, stage="discover", source=source,
                record_key=f"{source}:{path.name}:{digest}", reason_code=rejected.code,
                reason=rejected.reason,
                record={"path": str(path), "byte_size": path.stat().st_size, "sha256": digest,
                        "head": _preview(path)},
            )
    return warehouse.store_raw_documents(conn, run_id, accepted)


def _seed_files(seed_dir: Path) -> list[Path]:
    if not seed_dir.is_dir():
        raise FileNotFoundError(f"seed directory {seed_dir} does not exist")
    return seeds.list_seed_files(seed_dir)


def _modified_in(paths: list[Path], start: datetime, end: datetime | None = None) -> list[Path]:
    lower, upper = start.timestamp(), end.timestamp() if end else float("inf")
    return [p for p in paths if lower <= p.stat().st_mtime < upper]


def _file_documents_in_scope(conn, run_id: int, seed_dir: Path, cfg: Settings, scope: str,
                             start: datetime | None, end: datetime | None) -> list[int]:
    """Store the files a run reads and return the ids of the file documents it processes:
    all: every file present (manual runs, `make run`);
    interval: files that arrived in [start, end) (scheduled and backfill runs), from the warehouse,
      so a rerun of the interval reads the same documents even after the files are gone;
    pending: inbox documents that no successful run has processed (inbox events)."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, got {scope!r}")
    if scope == "interval" and start is None:
        scope = "all"  # a run without a data interval (asset-triggered) has no arrival window
    seed_files = [] if scope == "pending" else _seed_files(seed_dir)
    inbox_files = inbox.inbox_files(cfg.inbox_dir)
    if scope == "interval":
        seed_files, inbox_files = _modified_in(seed_files, start, end), _modified_in(inbox_files, start, end)
    elif scope == "pending":
        # Files older than the newest stored arrival (less a margin for clock steps) are stored already.
        newest = warehouse.latest_arrival(conn, INBOX_SOURCE)
        if newest is not None:
            inbox_files = _modified_in(inbox_files, newest - PENDING_MARGIN)
    ids = _store_file_documents(conn, run_id, SEED_SOURCE, seed_files, cfg)
    ids += _store_file_documents(conn, run_id, INBOX_SOURCE, inbox_files, cfg)
    if scope == "interval":
        return warehouse.documents_arrived(conn, FILE_SOURCES, start, end)
    if scope == "pending":
        return warehouse.unprocessed_documents(conn, INBOX_SOURCE)
    return list(dict.fromkeys(ids))


def ingest_seed_directory(dsn: str, run_id: int, seed_dir: Path | None = None, cfg: Settings | None = None) -> list[int]:
    """Store readable seed files in raw.documents and cut them into batches; quarantine unreadable ones."""
    cfg = cfg or settings()
    seed_dir = Path(seed_dir or cfg.seed_dir)
    with warehouse.connect(dsn) as conn:
        document_ids = _store_file_documents(conn, run_id, SEED_SOURCE, _seed_files(seed_dir), cfg)
        return warehouse.create_batches(conn, run_id, document_ids, cfg.batch_size)


def discover_documents(dsn: str, run_id: int, seed_dir: Path | None = None, cfg: Settings | None = None, *,
                       data_interval_start: datetime | None = None,
                       data_interval_end: datetime | None = None, scope: str = "all") -> list[int]:
    """The `discover` task: the seed and inbox files of the run's scope (see _file_documents_in_scope)
    and, with NEWS_FETCH=1, the registry's web sources for the data interval, with the pages due
    for a re-fetch; documents of one article share a batch. Inbox events (scope pending) read files only."""
    cfg = cfg or settings()
    seed_dir = Path(seed_dir or cfg.seed_dir)
    with warehouse.connect(dsn) as conn:
        file_ids = _file_documents_in_scope(conn, run_id, seed_dir, cfg, scope, data_interval_start,
                                            data_interval_end)
        conn.commit()
        if not cfg.fetch_enabled or scope == "pending":
            return warehouse.create_batches(conn, run_id, file_ids, cfg.batch_size)
    from pipeline.sources import web

    ingested = web.ingest_web(dsn, run_id, file_ids, cfg, start=data_interval_start, end=data_interval_end,
                              seed_source=SEED_SOURCE)
    with warehouse.connect(dsn) as conn:
        return warehouse.create_grouped_batches(conn, run_id, list(ingested.groups.values()), cfg.batch_size)


def current_extractor_versions() -> list[str]:
    """The extractor_version values this code writes: the seed reader's and the HTML extractor's."""
    from pipeline.extract import html

    return [seeds.READER_VERSION, html.extractor_version()]


def reextract_documents(dsn: str, run_id: int, cfg: Settings | None = None, *, source: str | None = None,
                        published_from: date | None = None, published_to: date | None = None,
                        outdated_only: bool = True) -> list[int]:
    """The `select_documents` task of news_reextract: the stored raw documents of loaded articles
    (of one source, published in a date range, by default only those a different extractor version
    made) in batches, so extract, NLP, validation and load run again without reading files or fetching."""
    cfg = cfg or settings()
    with warehouse.connect(dsn) as conn:
        groups = warehouse.article_document_groups(
            conn, source=source, published_from=published_from, published_to=published_to,
            current_versions=current_extractor_versions() if outdated_only else None,
        )
        return warehouse.create_grouped_batches(conn, run_id, groups, cfg.batch_size)


# --- extract: raw.documents -> staging.articles -------------------------------------------------

ARTICLE_COLUMNS = (
    "document_id", "article_key", "source", "url", "title", "standfirst", "dateline", "published_at",
    "language", "authors", "body", "word_count", "content_hash", "extractor", "extractor_version",
)


def _staging_article_row(document_id: int, source: str, parsed: ParsedArticle) -> tuple:
    return (
        document_id, article_key(parsed), source, parsed.url, parsed.title, parsed.standfirst,
        parsed.dateline, parsed.published_at, parsed.language or detect_language(parsed.body),
        list(parsed.authors), parsed.body, word_count(parsed.body), content_hash(parsed),
        parsed.extractor, parsed.extractor_version,
    )


def extract_batch(dsn: str, batch_id: int) -> int:
    """Parse each document by media type (text/html: extract_html, else the seed reader); duplicates
    of one article are set aside and linked at load time instead of staged."""
    from pipeline.extract import documents

    workers = settings().extract_workers or documents.default_workers()
    with warehouse.connect(dsn) as conn:
        batch = warehouse.batch_info(conn, batch_id)
        docs = warehouse.raw_documents_of_batch(conn, batch_id)
        jobs = [(bytes(doc["content"]), doc["media_type"], doc["uri"]) for doc in docs]
        rows = []
        for doc, outcome in zip(docs, documents.parse_documents(jobs, workers)):
            parsed = outcome.article
            if parsed is None:
                warehouse.quarantine(
                    conn, run_id=batch["run_id"], stage="extract", source=doc["source"],
                    record_key=f"{doc['source']}:{doc['uri']}:{doc['content_sha256']}",
                    reason_code=outcome.rejected_code, reason=outcome.rejected_reason,
                    record={"document_id": doc["document_id"], "uri": doc["uri"],
                            "text": bytes(doc["content"]).decode("utf-8", "replace")[:5000]},
                )
                continue
            row = _staging_article_row(doc["document_id"], doc["source"], parsed)
            rows.append({"document_id": doc["document_id"], "article_key": row[1], "body": parsed.body,
                         "published_at": parsed.published_at, "html": documents.is_html(doc["media_type"]),
                         "body_sha256": outcome.body_sha256, "minhash": outcome.minhash,
                         "band_hashes": outcome.band_hashes, "row": row})
        del jobs
        kept, fingerprints, duplicates = documents.set_aside_duplicates(conn, rows)
        warehouse.replace_staging_rows(conn, "articles", batch_id, ARTICLE_COLUMNS, [r["row"] for r in kept])
        warehouse.replace_staging_rows(conn, "fingerprints", batch_id, documents.FINGERPRINT_COLUMNS, fingerprints)
        warehouse.replace_staging_rows(conn, "duplicates", batch_id, documents.DUPLICATE_COLUMNS, duplicates)
        warehouse.mark_batch(conn, batch_id, "extracted")
    return batch_id


# --- analyse: staging.articles -> staging.entity_mentions, staging.quotes ----------------------

MENTION_COLUMNS = ("row_no", "article_key", "field", "mention_text", "start_char", "end_char", "label",
                   "canonical_name", "canonical_key", "ner_label", "wikidata_id", "curated")
QUOTE_COLUMNS = ("row_no", "article_key", "quote_text", "start_char", "end_char", "speaker_name", "speaker_key",
                 "speaker_mention", "speaker_start", "speaker_end", "cue", "kind")


def analyse_batch(dsn: str, batch_id: int) -> int:
    from pipeline.nlp.model import load_model
    from pipeline.nlp.stage import NlpInput, analyse

    nlp = load_model(settings().spacy_model)
    with warehouse.connect(dsn) as conn:
        # Resolved with the warehouse's alias table, as the load would: it then has nothing to re-resolve.
        entity_store.sync_curated_aliases(conn)
        aliases, aliases_version = entity_store.current_aliases(conn)
        conn.commit()
        articles = warehouse.staging_rows(conn, "articles", batch_id)
        inputs = (NlpInput(key=row["article_key"], title=row["title"] or "", body=row["body"] or "") for row in articles)
        mention_rows, quote_rows = [], []
        for result in analyse(inputs, nlp, aliases=aliases):
            for field, mentions in (("title", result.title_mentions), ("body", result.mentions)):
                for m in mentions:
                    mention_rows.append((len(mention_rows), result.key, field, m.text, m.start, m.end, m.label,
                                         m.canonical_name, m.canonical_key, m.ner_label, m.wikidata_id, m.curated))
            for q in result.quotes:
                quote_rows.append((len(quote_rows), result.key, q.text, q.start, q.end, q.speaker, q.speaker_key,
                                   q.speaker_mention, q.speaker_start, q.speaker_end, q.cue, q.kind))
        warehouse.replace_staging_rows(conn, "entity_mentions", batch_id, MENTION_COLUMNS, mention_rows)
        warehouse.replace_staging_rows(conn, "quotes", batch_id, QUOTE_COLUMNS, quote_rows)
        warehouse.mark_batch(conn, batch_id, "analysed")
        warehouse.set_batch_aliases_version(conn, batch_id, aliases_version)
    return batch_id


# --- validate: GX suites over the staging rows of one batch -------------------------------------

def _letter_share(text: str | None) -> float:
    if not text:
        return 0.0
    letters = sum(ch.isalpha() for ch in text)
    return letters / max(1, sum(not ch.isspace() for ch in text))


def _span_matches(texts: dict, key: str, start, end, expected) -> bool:
    text = texts.get(key)
    if text is None or start is None or end is None:
        return False
    return 0 <= start < end <= len(text) and text[start:end] == expected


@dataclass
class BatchValidation:
    articles: suites.SuiteOutcome
    mentions: suites.SuiteOutcome
    quotes: suites.SuiteOutcome


def validate_frames(articles: list[dict], mentions: list[dict], quotes: list[dict], today: date) -> BatchValidation:
    """Pure part of validation: build the frames with derived check columns and run the suites."""
    article_frame = pd.DataFrame(articles, columns=list(ARTICLE_COLUMNS))
    article_frame["body_is_text"] = [_letter_share(body) >= 0.6 for body in article_frame["body"]]
    article_frame["url"] = article_frame["url"].astype(object)

    titles = {row["article_key"]: row["title"] for row in articles}
    bodies = {row["article_key"]: row["body"] for row in articles}
    mention_frame = pd.DataFrame(mentions, columns=["row_no", *MENTION_COLUMNS[1:]])
    mention_frame["offsets_match_text"] = [
        _span_matches(titles if m["field"] == "title" else bodies, m["article_key"], m["start_char"], m["end_char"],
                      m["mention_text"])
        for m in mentions
    ]
    quote_frame = pd.DataFrame(quotes, columns=["row_no", *QUOTE_COLUMNS[1:]])
    quote_frame["offsets_match_text"] = [
        _span_matches(bodies, q["article_key"], q["start_char"], q["end_char"], q["quote_text"]) for q in quotes
    ]
    quote_frame["speaker_offsets_match"] = [
        q["speaker_mention"] is None or q["speaker_start"] is None
        or _span_matches(bodies, q["article_key"], q["speaker_start"], q["speaker_end"], q["speaker_mention"])
        for q in quotes
    ]
    return BatchValidation(
        articles=suites.validate_rows("articles", article_frame, key_column="document_id",
                                      parameters={"today": today.isoformat()}),
        mentions=suites.validate_rows("entity_mentions", mention_frame, key_column="row_no"),
        quotes=suites.validate_rows("quotes", quote_frame, key_column="row_no"),
    )


def _failure_reason(failed: list[dict]) -> str:
    return "failed expectations: " + ", ".join(
        f"{f['expectation']}({f['kwargs'].get('column') or f['kwargs'].get('column_A', '')})" for f in failed
    )


def validate_batch(dsn: str, batch_id: int, *, today: date | None = None) -> int:
    cfg = settings()
    today = today or date.today()
    with warehouse.connect(dsn) as conn:
        batch = warehouse.batch_info(conn, batch_id)
        run_id = batch["run_id"]
        articles = warehouse.staging_rows(conn, "articles", batch_id)
        mentions = warehouse.staging_rows(conn, "entity_mentions", batch_id)
        quotes = warehouse.staging_rows(conn, "quotes", batch_id)
        outcome = validate_frames(articles, mentions, quotes, today)

        bad_articles = set(outcome.articles.failed_keys)
        bad_article_keys = {row["article_key"] for row in articles if row["document_id"] in bad_articles}
        for row in articles:
            failed = outcome.articles.failed_keys.get(row["document_id"])
            if failed:
                warehouse.quarantine(
                    conn, run_id=run_id, stage="validate", source=row["source"],
                    record_key=f"article:{row['article_key']}:{row['content_hash']}", reason_code="expectations",
                    reason=_failure_reason(failed), record=row, failed_expectations=failed,
                )
        for table, rows, suite_outcome in (("entity_mentions", mentions, outcome.mentions),
                                           ("quotes", quotes, outcome.quotes)):
            bad_rows = set(suite_outcome.failed_keys)
            for row in rows:
                failed = suite_outcome.failed_keys.get(row["row_no"])
                if failed and row["article_key"] not in bad_article_keys:
                    text_column = "mention_text" if table == "entity_mentions" else "quote_text"
                    warehouse.quarantine(
                        conn, run_id=run_id, stage="validate", source=table,
                        record_key=f"{table}:{row['article_key']}:{row['start_char']}:{row['end_char']}:"
                                   f"{hashlib.sha256(row[text_column].encode()).hexdigest()[:16]}",
                        reason_code="expectations", reason=_failure_reason(failed), record=row,
                        failed_expectations=failed,
                    )
            # Children of a quarantined article are not loaded either.
            bad_rows |= {row["row_no"] for row in rows if row["article_key"] in bad_article_keys}
            warehouse.set_validity(conn, table, batch_id, "row_no", bad_rows)
        warehouse.set_validity(conn, "articles", batch_id, "document_id", bad_articles)
        for suite_outcome in (outcome.articles, outcome.mentions, outcome.quotes):
            warehouse.store_validation_result(conn, run_id=run_id, batch_id=batch_id, outcome=suite_outcome)
        warehouse.mark_batch(conn, batch_id, "validated")
        conn.commit()

    table_failures = [f for o in (outcome.articles, outcome.mentions, outcome.quotes) for f in o.table_failures]
    bad_share = len(bad_articles) / max(1, len(articles))
    if table_failures or (len(bad_articles) >= cfg.min_bad_to_fail and bad_share > cfg.max_bad_fraction):
        raise BatchRejected(
            f"batch {batch_id}: {len(bad_articles)} of {len(articles)} articles failed validation "
            f"(limit {cfg.max_bad_fraction:.0%}); table-level failures: {json.dumps(table_failures)}; "
            "see ops.quarantine and ops.validation_results"
        )
    return batch_id


# --- load: staging -> core ----------------------------------------------------------------------

def load_batch(dsn: str, batch_id: int) -> int:
    with warehouse.connect(dsn) as conn:
        batch = warehouse.batch_info(conn, batch_id)
        if batch["validated_at"] is None:
            raise RuntimeError(f"batch {batch_id} has not been validated; refusing to load it")
        with conn.transaction():
            # One loader at a time across runs (a daily run beside a backfill, an inbox event):
            # concurrent upserts of the same article or entity would otherwise race.
            warehouse.lock_core_writes(conn)
            counts = warehouse.load_batch_into_core(conn, batch_id, run_id=batch["run_id"],
                                                    nlp_model=batch["nlp_model"],
                                                    aliases_version=batch["aliases_version"])
            counts |= warehouse.load_fingerprints_and_duplicates(conn, batch_id, batch["run_id"], dedup.bands)
            # Data engineers may have extended the alias table since the batch was analysed.
            counts["entities"] = entity_store.resolve_stale_batch_articles(conn, batch_id)
            warehouse.mark_batch(conn, batch_id, "loaded")
    log.info("batch %s loaded: %s", batch_id, counts)
    return batch_id


def end_run(dsn: str, run_id: int) -> dict:
    """Close the run: record counts and status, drop its staging rows. Raises when a batch did not load."""
    with warehouse.connect(dsn) as conn:
        counts = dict(warehouse.run_counts(conn, run_id))
        status = "success" if counts["batches_loaded"] == counts["batches"] else "failed"
        batch_ids = [r["batch_id"] for r in conn.execute("select batch_id from ops.batches where run_id = %s",
                                                          (run_id,))]
        if status == "success":
            warehouse.clear_staging(conn, batch_ids)
        warehouse.finish_run(conn, run_id, status=status, counts=counts)
    datadocs.refresh_after_run(dsn)  # failed runs too: their validation results matter most
    if status != "success":
        raise RuntimeError(f"run {run_id}: {counts['batches'] - counts['batches_loaded']} batch(es) did not load")
    return counts

