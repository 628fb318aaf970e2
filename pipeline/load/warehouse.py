"""Postgres I/O for the stages: runs, raw documents, batches, staging, quarantine and core upserts.

Bulk rows go in with COPY and move between layers with set-based SQL; one transaction per batch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb


def connect(dsn: str) -> psycopg.Connection:
    return psycopg.connect(dsn, row_factory=dict_row, application_name="news_pipeline")


# --- runs -------------------------------------------------------------------------------------

def start_run(
    conn: psycopg.Connection,
    *,
    dag_id: str,
    dag_run_id: str,
    source: str,
    data_interval_start: datetime | None,
    data_interval_end: datetime | None,
    versions: dict[str, str],
) -> int:
    """Record a run; a retried start of the same Airflow run reuses its row."""
    row = conn.execute(
        """
        insert into ops.runs (dag_id, dag_run_id, source, data_interval_start, data_interval_end,
                              reader_version, nlp_model, pipeline_version)
        values (%s, %s, %s, %s, %s, %s, %s, %s)
        on conflict (dag_id, dag_run_id) do update
           set status = 'running', ended_at = null, started_at = now()
        returning run_id
        """,
        (dag_id, dag_run_id, source, data_interval_start, data_interval_end,
         versions.get("reader"), versions.get("nlp_model"), versions.get("pipeline")),
    ).fetchone()
    return row["run_id"]


def finish_run(conn: psycopg.Connection, run_id: int, *, status: str, counts: dict) -> None:
    conn.execute(
        "update ops.runs set status = %s, ended_at = now(), counts = %s where run_id = %s",
        (status, Jsonb(counts), run_id),
    )


def run_counts(conn: psycopg.Connection, run_id: int) -> dict[str, Any]:
    return conn.execute(
        """
        select count(*) as batches,
               count(*) filter (where loaded_at is not null) as batches_loaded,
               coalesce(sum(cardinality(document_ids)), 0) as documents,
               (select count(*) from ops.quarantine where last_run_id = %(run)s) as quarantined,
               (select count(*) from core.articles where last_run_id = %(run)s) as articles_changed
        from ops.batches where run_id = %(run)s
        """,
        {"run": run_id},
    ).fetchone()


# --- raw documents and batches ----------------------------------------------------------------

def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def store_raw_documents(conn: psycopg.Connection, run_id: int, documents: Iterable) -> list[int]:
    """Insert documents not seen before (by source, uri, sha256); returns ids of all given documents.
    Pipelined: one network round trip for the lot instead of one per document."""
    documents = list(documents)
    if not documents:
        return []
    with conn.pipeline():
        cursors = []
        for doc in documents:
            digest = sha256_hex(doc.content)
            cursors.append(conn.execute(
                """
                with inserted as (
                    insert into raw.documents (source, uri, media_type, content_sha256, byte_size, content,
                                               first_run_id, arrived_at)
                    values (%s, %s, %s, %s, %s, %s, %s, %s)
                    on conflict (source, uri, content_sha256) do nothing
                    returning document_id)
                select document_id from inserted
                union all
                select document_id from raw.documents where source = %s and uri = %s and content_sha256 = %s
                limit 1
                """,
                (doc.source, doc.uri, doc.media_type, digest, len(doc.content), doc.content, run_id,
                 doc.arrived_at, doc.source, doc.uri, digest),
            ))
    return [cursor.fetchone()["document_id"] for cursor in cursors]


def create_batches(conn: psycopg.Connection, run_id: int, document_ids: Sequence[int], size: int) -> list[int]:
    """Split documents into batches; idempotent for a retried task of the same run."""
    return create_grouped_batches(conn, run_id, [[document_id] for document_id in document_ids], size)


def batch_info(conn: psycopg.Connection, batch_id: int) -> dict:
    # With the run's model, so the load task need not load spaCy just to name it.
    row = conn.execute(
        "select b.*, r.nlp_model from ops.batches b join ops.runs r using (run_id) where b.batch_id = %s",
        (batch_id,),
    ).fetchone()
    if row is None:
        raise LookupError(f"batch {batch_id} does not exist")
    return row


def mark_batch(conn: psycopg.Connection, batch_id: int, step: str) -> None:
    if step not in {"extracted", "analysed", "validated", "loaded"}:
        raise ValueError(step)
    conn.execute(f"update ops.batches set {step}_at = now() where batch_id = %s", (batch_id,))


def set_batch_aliases_version(conn: psycopg.Connection, batch_id: int, version: str) -> None:
    conn.execute("update ops.batches set aliases_version = %s where batch_id = %s", (version, batch_id))


def raw_documents_of_batch(conn: psycopg.Connection, batch_id: int) -> list[dict]:
    return conn.execute(
        """
        select d.document_id, d.source, d.uri, d.media_type, d.content, d.content_sha256
        from ops.batches b cross join unnest(b.document_ids) as ids(document_id)
        join raw.documents d using (document_id)
        where b.batch_id = %s
        order by d.document_id
        """,
        (batch_id,),
    ).fetchall()


# --- which documents a run processes ----------------------------------------------------------

def latest_arrival(conn: psycopg.Connection, source: str) -> datetime | None:
    return conn.execute(
        "select max(arrived_at) as newest from raw.documents where source = %s", (source,)
    ).fetchone()["newest"]


def documents_arrived(conn: psycopg.Connection, sources: Sequence[str], start: datetime, end: datetime) -> list[int]:
    """File documents that arrived in [start, end): what a daily run (or its rerun) processes."""
    rows = conn.execute(
        """
        select document_id from raw.documents
        where source = any(%s) and arrived_at >= %s and arrived_at < %s
        order by arrived_at, document_id
        """,
        (list(sources), start, end),
    )
    return [row["document_id"] for row in rows]


def unprocessed_documents(conn: psycopg.Connection, source: str) -> list[int]:
    """Documents of `source` in no batch of a successful run: an inbox event run takes these, so a
    failed run's files are taken again by the next one."""
    rows = conn.execute(
        """
        select d.document_id from raw.documents d
        where d.source = %s
          and not exists (select from ops.batches b join ops.runs r using (run_id)
                          where r.status = 'success' and d.document_id = any(b.document_ids))
        order by d.arrived_at, d.document_id
        """,
        (source,),
    )
    return [row["document_id"] for row in rows]


def article_document_groups(conn: psycopg.Connection, *, source: str | None, published_from, published_to,
                            current_versions: Sequence[str] | None) -> list[list[int]]:
    """The raw documents of each loaded article (one group per article), for re-extraction;
    with current_versions, only articles an older extractor version made."""
    rows = conn.execute(
        """
        select array_agg(ad.document_id order by ad.document_id) as document_ids
        from core.articles a join core.article_documents ad using (article_id)
        where (%(source)s::text is null or a.source = %(source)s)
          and (%(from)s::date is null or a.published_at >= %(from)s)
          and (%(to)s::date is null or a.published_at <= %(to)s)
          and (%(versions)s::text[] is null or a.extractor_version <> all(%(versions)s::text[]))
        group by a.article_id
        order by a.article_id
        """,
        {"source": source, "from": published_from, "to": published_to,
         "versions": list(current_versions) if current_versions is not None else None},
    )
    return [row["document_ids"] for row in rows]


# --- staging ----------------------------------------------------------------------------------

def replace_staging_rows(
    conn: psycopg.Connection, table: str, batch_id: int, columns: Sequence[str], rows: Iterable[Sequence]
) -> int:
    """Replace one batch's rows of a staging table with COPY, so a retried task starts clean."""
    conn.execute(f"delete from staging.{table} where batch_id = %s", (batch_id,))
    count = 0
    column_list = ", ".join(("batch_id", *columns))
    with conn.cursor().copy(f"copy staging.{table} ({column_list}) from stdin") as copy:
        for row in rows:
            copy.write_row((batch_id, *row))
            count += 1
    return count


def staging_rows(conn: psycopg.Connection, table: str, batch_id: int, *, only_valid: bool = False) -> list[dict]:
    condition = " and is_valid" if only_valid else ""
    return conn.execute(
        f"select * from staging.{table} where batch_id = %s{condition}", (batch_id,)
    ).fetchall()


def set_validity(conn: psycopg.Connection, table: str, batch_id: int, key_column: str, bad_keys: Iterable) -> None:
    """Mark every row of the batch valid except the bad ones."""
    conn.execute(
        f"update staging.{table} set is_valid = not ({key_column} = any(%s)) where batch_id = %s",
        (list(bad_keys), batch_id),
    )


# Every per-batch work table; a run that loaded all its batches empties its rows from each.
STAGING_TABLES = ("articles", "entity_mentions", "quotes", "fingerprints", "duplicates")


def clear_staging(conn: psycopg.Connection, batch_ids: Sequence[int]) -> None:
    for table in STAGING_TABLES:
        conn.execute(f"delete from staging.{table} where batch_id = any(%s)", (list(batch_ids),))


# --- quarantine and validation results --------------------------------------------------------

def quarantine(
    conn: psycopg.Connection,
    *,
    run_id: int,
    stage: str,
    source: str,
    record_key: str,
    reason_code: str,
    reason: str,
    record: dict,
    failed_expectations: list | None = None,
) -> None:
    conn.execute(
        """
        insert into ops.quarantine (stage, source, record_key, reason_code, reason, failed_expectations,
                                    record, first_run_id, last_run_id)
        values (%s, %s, %s, %s, %s, %s, %s, %s, %s)
        on conflict (stage, record_key, reason_code) do update
           set reason = excluded.reason, failed_expectations = excluded.failed_expectations,
               record = excluded.record, last_run_id = excluded.last_run_id, last_seen_at = now(),
               seen_count = ops.quarantine.seen_count
                            + (ops.quarantine.last_run_id is distinct from excluded.last_run_id)::int
        """,
        (stage, source, record_key, reason_code, reason, Jsonb(failed_expectations or []),
         Jsonb(json.loads(json.dumps(record, default=str))), run_id, run_id),
    )


def store_validation_result(conn: psycopg.Connection, *, run_id: int, batch_id: int, outcome) -> None:
    conn.execute(
        """
        insert into ops.validation_results (run_id, batch_id, suite, success, evaluated_rows, failed_rows,
                                            statistics, results)
        values (%s, %s, %s, %s, %s, %s, %s, %s)
        on conflict (batch_id, suite) do update
           set success = excluded.success, evaluated_rows = excluded.evaluated_rows,
               failed_rows = excluded.failed_rows, statistics = excluded.statistics,
               results = excluded.results, validated_at = now()
        """,
        (run_id, batch_id, outcome.suite, outcome.success, outcome.evaluated_rows, len(outcome.failed_keys),
         Jsonb(outcome.statistics), Jsonb(outcome.results)),
    )


# --- core -------------------------------------------------------------------------------------

CORE_WRITE_LOCK = 0x6E657773  # "news": pg_advisory_xact_lock key shared by every core writer


def lock_core_writes(conn: psycopg.Connection) -> None:
    """Wait for, then hold until commit or rollback, the lock that serialises writes to core."""
    conn.execute("select pg_advisory_xact_lock(%s)", (CORE_WRITE_LOCK,))


def load_batch_into_core(conn: psycopg.Connection, batch_id: int, *, run_id: int, nlp_model: str,
                         aliases_version: str | None = None) -> dict:
    """Upsert one validated batch from staging into core in the caller's transaction.

    Articles are keyed by article_key; an unchanged article (same content hash and NLP model) is
    left alone, so reruns write nothing. Changed articles get their mentions and quotes replaced,
    with entities as the analyse task resolved them (with the alias table of `aliases_version`).
    """
    params = {"batch": batch_id, "run": run_id, "model": nlp_model, "aliases": aliases_version}
    changed = conn.execute(
        """
        with candidates as (
            -- Several documents of a batch can be one article: keep the first.
            select distinct on (article_key) *
            from staging.articles
            where batch_id = %(batch)s and is_valid
            order by article_key, document_id
        )
        insert into core.articles as a (article_key, source, url, title, standfirst, dateline, published_at,
                                        language, authors, body, word_count, content_hash, extractor,
                                        extractor_version, nlp_model, last_run_id, entity_aliases_version)
        select article_key, source, url, title, standfirst, dateline, published_at, language, authors, body,
               word_count, content_hash, extractor, extractor_version, %(model)s, %(run)s, %(aliases)s
        from candidates
        on conflict (article_key) do update
           set source = excluded.source, url = excluded.url, title = excluded.title,
               standfirst = excluded.standfirst, dateline = excluded.dateline,
               published_at = excluded.published_at, language = excluded.language,
               authors = excluded.authors, body = excluded.body, word_count = excluded.word_count,
               content_hash = excluded.content_hash, extractor = excluded.extractor,
               extractor_version = excluded.extractor_version, nlp_model = excluded.nlp_model,
               last_run_id = excluded.last_run_id, entity_aliases_version = excluded.entity_aliases_version,
               loaded_at = now()
         where a.content_hash is distinct from excluded.content_hash
            or a.nlp_model is distinct from excluded.nlp_model
            or a.extractor_version is distinct from excluded.extractor_version
        returning article_id, article_key
        """,
        params,
    ).fetchall()
    conn.execute(
        """
        insert into core.article_documents (article_id, document_id)
        select a.article_id, s.document_id
        from staging.articles s join core.articles a using (article_key)
        where s.batch_id = %(batch)s and s.is_valid
        on conflict (document_id) do update set article_id = excluded.article_id
        """,
        params,
    )
    changed_ids = [row["article_id"] for row in changed]
    counts = {"articles_changed": len(changed_ids), "mentions": 0, "quotes": 0}
    if not changed_ids:
        return counts
    params["changed"] = changed_ids
    conn.execute("delete from core.entity_mentions where article_id = any(%(changed)s)", params)
    conn.execute("delete from core.quotes where article_id = any(%(changed)s)", params)
    # New entities take the curated name, else the longest spelling; as entity_store.resolve would.
    conn.execute(
        """
        insert into core.entities (canonical_key, canonical_name, entity_type, wikidata_id)
        select distinct on (canonical_key) canonical_key, canonical_name, split_part(canonical_key, ':', 1),
               wikidata_id
        from (
            select canonical_key, canonical_name, wikidata_id, curated from staging.entity_mentions
            where batch_id = %(batch)s and is_valid
            union all
            select speaker_key, speaker_name, null, false from staging.quotes
            where batch_id = %(batch)s and is_valid and speaker_key is not null and speaker_name is not null
        ) as names
        -- Ties: byte order, descending, puts "Atlanta" before "ATLANTA" and "Dončić" before "Doncic".
        order by canonical_key, curated desc, length(canonical_name) desc, canonical_name collate "C" desc
        on conflict (canonical_key) do nothing
        """,
        params,
    )
    # Existing curated entities follow the alias table's name and Wikidata id.
    conn.execute(
        """
        update core.entities e set canonical_name = c.canonical_name, wikidata_id = c.wikidata_id
        from (select distinct on (canonical_key) canonical_key, canonical_name, wikidata_id
              from staging.entity_mentions where batch_id = %(batch)s and is_valid and curated
              order by canonical_key, canonical_name) c
        where e.canonical_key = c.canonical_key
          and (e.canonical_name, e.wikidata_id) is distinct from (c.canonical_name, c.wikidata_id)
        """,
        params,
    )
    counts["mentions"] = conn.execute(
        """
        insert into core.entity_mentions (article_id, field, start_char, end_char, mention_text, label, entity_id,
                                          ner_label)
        select distinct on (a.article_id, m.field, m.start_char, m.end_char)
               a.article_id, m.field, m.start_char, m.end_char, m.mention_text, m.label, e.entity_id, m.ner_label
        from staging.entity_mentions m
        join core.articles a using (article_key)
        join core.entities e using (canonical_key)
        where m.batch_id = %(batch)s and m.is_valid and a.article_id = any(%(changed)s)
        order by a.article_id, m.field, m.start_char, m.end_char
        """,
        params,
    ).rowcount
    counts["quotes"] = conn.execute(
        """
        insert into core.quotes (article_id, start_char, end_char, quote_text, kind, speaker_name,
                                 speaker_entity_id, speaker_mention, speaker_start, speaker_end, cue)
        select distinct on (a.article_id, q.start_char, q.end_char)
               a.article_id, q.start_char, q.end_char, q.quote_text, q.kind,
               -- A speaker the article names as an entity is called by that entity's name.
               case when exists (select from core.entity_mentions m
                                 where m.article_id = a.article_id and m.entity_id = e.entity_id)
                    then e.canonical_name else q.speaker_name end,
               e.entity_id, q.speaker_mention, q.speaker_start, q.speaker_end, q.cue
        from staging.quotes q
        join core.articles a using (article_key)
        left join core.entities e on e.canonical_key = q.speaker_key
        where q.batch_id = %(batch)s and q.is_valid and a.article_id = any(%(changed)s)
        order by a.article_id, q.start_char, q.end_char
        """,
        params,
    ).rowcount
    return counts


# --- web fetching, raw archive and duplicates (issue 3) ---------------------------------------

def store_sources(conn: psycopg.Connection, run_id: int, registry_version: int, sources: Iterable[dict]) -> None:
    """Mirror sources.yml into core.sources (the file stays the source of truth)."""
    for source in sources:
        conn.execute(
            """
            insert into core.sources (name, kind, location, enabled, config, registry_version, last_run_id)
            values (%(name)s, %(kind)s, %(location)s, %(enabled)s, %(config)s, %(version)s, %(run)s)
            on conflict (name) do update
               set kind = excluded.kind, location = excluded.location, enabled = excluded.enabled,
                   config = excluded.config, registry_version = excluded.registry_version,
                   loaded_at = now(), last_run_id = excluded.last_run_id
            """,
            {"name": source["name"], "kind": source["kind"], "location": source.get("url") or source.get("path"),
             "enabled": source.get("enabled", True), "config": Jsonb(source), "version": registry_version,
             "run": run_id},
        )


def record_discovered(conn: psycopg.Connection, run_id: int, source: str, candidates: Iterable, found_in: str) -> None:
    for c in candidates:
        conn.execute(
            """
            insert into raw.discovered_urls (source, url, published_at, title, found_in, last_run_id)
            values (%s, %s, %s, %s, %s, %s)
            on conflict (source, url) do update
               set published_at = coalesce(excluded.published_at, raw.discovered_urls.published_at),
                   title = coalesce(excluded.title, raw.discovered_urls.title),
                   last_seen_at = now(), last_run_id = excluded.last_run_id
            """,
            (source, c.url, c.published_at, c.title, found_in, run_id),
        )


def archive_fetch(conn: psycopg.Connection, run_id: int, source: str, result, *, body_gzip: bytes | None,
                  document_id: int | None = None) -> None:
    """One row of raw.fetches per HTTP response (errors included). Nothing is read back, so calls
    inside conn.pipeline() do not wait for the server."""
    body = result.body
    conn.execute(
        """
        insert into raw.fetches (run_id, source, requested_url, final_url, status, headers, redirects, fetched_at,
                                 elapsed_ms, attempts, media_type, charset, error_code, error, body_gzip,
                                 body_sha256, body_bytes, document_id)
        values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        """,
        (run_id, source, result.url, result.final_url, result.status, Jsonb(result.headers), result.redirects,
         result.fetched_at, round(result.elapsed_s * 1000), result.attempts, result.media_type, result.charset,
         result.error_code, result.error, body_gzip, sha256_hex(body) if body else None,
         len(body) if body is not None else None, document_id),
    )


def last_good_fetches(conn: psycopg.Connection, requested_urls: Sequence[str]) -> dict[str, dict]:
    """URL -> the newest fetch of it that gave a document: its validators for a conditional GET.
    One query for the whole list."""
    rows = conn.execute(
        """
        select distinct on (requested_url) requested_url, fetch_id, final_url, headers, document_id
        from raw.fetches
        where requested_url = any(%s) and document_id is not null
        order by requested_url, fetched_at desc, fetch_id desc
        """,
        (list(requested_urls),),
    ).fetchall()
    return {row["requested_url"]: row for row in rows}


def create_grouped_batches(conn: psycopg.Connection, run_id: int, groups: Sequence[Sequence[int]],
                           size: int) -> list[int]:
    """Like create_batches, but documents of one group (one article) are never split over batches."""
    ordered, cuts, current = [], [], 0
    for group in groups:
        if current and current + len(group) > size:
            cuts.append(len(ordered))
            current = 0
        ordered.extend(group)
        current += len(group)
    bounds = [0, *cuts, len(ordered)]
    batch_ids = []
    for batch_no, (start, end) in enumerate(zip(bounds, bounds[1:])):
        if start == end:
            continue
        row = conn.execute(
            """
            insert into ops.batches (run_id, batch_no, document_ids) values (%s, %s, %s)
            on conflict (run_id, batch_no) do update
               set document_ids = excluded.document_ids, extracted_at = null, analysed_at = null,
                   validated_at = null, loaded_at = null
            returning batch_id
            """,
            (run_id, len(batch_ids), list(ordered[start:end])),
        ).fetchone()
        batch_ids.append(row["batch_id"])
    conn.execute("delete from ops.batches where run_id = %s and batch_no >= %s", (run_id, len(batch_ids)))
    return batch_ids


def duplicate_candidates(conn: psycopg.Connection,
                         probes: Sequence[tuple[int, str, Sequence[int]]]) -> dict[int, list[dict]]:
    """probes: (probe id, body sha256, band hashes in band order). For each probe, the loaded articles
    with the same body hash or sharing an LSH band, with their signatures, by article id; one query."""
    if not probes:
        return {}
    found: dict[int, list[dict]] = {}
    rows = conn.execute(
        """
        with probe_band as (
            select * from unnest(%(band_probes)s::int[], %(bands)s::smallint[], %(hashes)s::bigint[])
                     as b(probe_id, band, band_hash)
        ), hit as (
            select p.probe_id, f.article_id
            from unnest(%(ids)s::int[], %(shas)s::text[]) as p(probe_id, body_sha256)
            join core.article_fingerprints f using (body_sha256)
            union
            select b.probe_id, l.article_id from probe_band b join core.article_lsh_bands l using (band, band_hash)
        )
        select h.probe_id, a.article_id, a.article_key, f.body_sha256, f.minhash
        from hit h join core.article_fingerprints f using (article_id) join core.articles a using (article_id)
        order by h.probe_id, a.article_id
        """,
        {"ids": [p[0] for p in probes], "shas": [p[1] for p in probes],
         "band_probes": [p[0] for p in probes for _ in p[2]],
         "bands": [band for p in probes for band in range(len(p[2]))],
         "hashes": [band_hash for p in probes for band_hash in p[2]]},
    ).fetchall()
    for row in rows:
        found.setdefault(row.pop("probe_id"), []).append(row)
    return found


def load_fingerprints_and_duplicates(conn: psycopg.Connection, batch_id: int, run_id: int, bands_of) -> dict:
    """After load_batch_into_core: signatures of the batch's loaded articles with their LSH bands
    (staged by the extract task), and duplicate links; set-based, a few statements per batch."""
    rows = conn.execute(
        """
        with latest as (
            select distinct on (s.article_key) a.article_id, f.body_sha256, f.minhash, f.band_hashes
            from staging.articles s
            join staging.fingerprints f using (batch_id, document_id)
            join core.articles a on a.article_key = s.article_key
            where s.batch_id = %s and s.is_valid
            order by s.article_key, s.document_id
        ), stored as (
            insert into core.article_fingerprints (article_id, body_sha256, minhash)
            select article_id, body_sha256, minhash from latest
            on conflict (article_id) do update set body_sha256 = excluded.body_sha256, minhash = excluded.minhash
            returning article_id
        )
        select article_id, minhash, band_hashes from latest where article_id in (select article_id from stored)
        """,
        (batch_id,),
    ).fetchall()
    # Bands staged by the extract task; computed here only for batches staged before that column.
    bands = {row["article_id"]: row["band_hashes"] or [h for _, h in bands_of(row["minhash"])] for row in rows}
    conn.execute("delete from core.article_lsh_bands where article_id = any(%s)", (list(bands),))
    conn.execute(
        """insert into core.article_lsh_bands (article_id, band, band_hash)
           select * from unnest(%s::bigint[], %s::smallint[], %s::bigint[])""",
        ([article_id for article_id, hashes in bands.items() for _ in hashes],
         [band for hashes in bands.values() for band in range(len(hashes))],
         [band_hash for hashes in bands.values() for band_hash in hashes]),
    )
    linked = conn.execute(
        """
        insert into core.article_duplicates (document_id, article_id, duplicate_key, method, similarity, last_run_id)
        select d.document_id, a.article_id, d.duplicate_key, d.method, d.similarity, %s
        from staging.duplicates d join core.articles a on a.article_key = d.canonical_key
        where d.batch_id = %s
        on conflict (document_id) do update
           set article_id = excluded.article_id, duplicate_key = excluded.duplicate_key, method = excluded.method,
               similarity = excluded.similarity, last_run_id = excluded.last_run_id
        """,
        (run_id, batch_id),
    ).rowcount
    return {"fingerprints": len(rows), "duplicates_linked": linked}


def fetched_urls(conn: psycopg.Connection, document_ids: Sequence[int]) -> dict[int, set[str]]:
    """document_id -> URLs it was fetched as (requested and final), for documents from the web."""
    urls: dict[int, set[str]] = {}
    for row in conn.execute(
        "select document_id, requested_url, final_url from raw.fetches where document_id = any(%s)",
        (list(document_ids),),
    ):
        urls.setdefault(row["document_id"], set()).update((row["requested_url"], row["final_url"]))
    return urls


def existing_article_keys(conn: psycopg.Connection, keys: Sequence[str]) -> set[str]:
    return {row["article_key"] for row in conn.execute(
        "select article_key from core.articles where article_key = any(%s)", (list(keys),))}
