"""Canonical entities in the warehouse: the alias table and re-resolution of stored mentions.

Re-resolution reads only core (mention text, NER label, the article's other mentions), so adding
an alias never re-runs spaCy. Mentions and quotes are updated in place: none is added or lost, and
an entity whose key does not change keeps its id.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path

import psycopg
from psycopg.rows import dict_row, tuple_row

from pipeline.load.warehouse import lock_core_writes
from pipeline.nlp.resolve import ALIASES_PATH, AliasTable, read_alias_rows, resolve_article

# Articles resolved per round trip: bounds memory on a large warehouse.
ARTICLES_PER_CHUNK = 500


def sync_curated_aliases(conn: psycopg.Connection, path: Path = ALIASES_PATH) -> int:
    """Make the 'curated' rows equal to aliases.csv; rows data engineers added are never touched."""
    rows = [(a.strip(), n.strip(), t.strip(), (w or "").strip() or None) for a, n, t, w in read_alias_rows(path)]
    stored = _tuples(conn, """select alias, canonical_name, entity_type, wikidata_id from core.entity_aliases
                              where source = 'curated'""")
    # Nothing to write in the usual case, so concurrent loads do not queue on these rows.
    if set(stored) == set(rows) and len(stored) == len({r[0] for r in rows}):
        return 0
    changed = 0
    with conn.cursor() as cur:
        cur.executemany(
            """
            insert into core.entity_aliases as x (alias, canonical_name, entity_type, wikidata_id, source)
            values (%s, %s, %s, %s, 'curated')
            on conflict (alias, source) do update
               set canonical_name = excluded.canonical_name, entity_type = excluded.entity_type,
                   wikidata_id = excluded.wikidata_id
             where (x.canonical_name, x.entity_type, x.wikidata_id)
                   is distinct from (excluded.canonical_name, excluded.entity_type, excluded.wikidata_id)
            """,
            rows,
        )
        changed += cur.rowcount if cur.rowcount > 0 else 0
        changed += cur.execute(
            "delete from core.entity_aliases where source = 'curated' and not (alias = any(%s))",
            ([r[0] for r in rows],),
        ).rowcount
    return changed


def _alias_rows(conn: psycopg.Connection) -> list[tuple]:
    # Resolution order: a warehouse row wins over a curated spelling of the same alias.
    return _tuples(conn, """select alias, canonical_name, entity_type, wikidata_id from core.entity_aliases
                            order by source = 'warehouse', added_at, alias""")


def _version(rows: Sequence[tuple]) -> str:
    """md5 of the rows in resolution order: equal versions resolve every mention the same way."""
    text = "\x1e".join("\x1f".join(value or "" for value in row) for row in rows)
    return hashlib.md5(text.encode()).hexdigest()


@functools.lru_cache(maxsize=4)
def _table_of(rows: tuple[tuple, ...]) -> AliasTable:
    return AliasTable.from_rows(rows)


def current_aliases(conn: psycopg.Connection) -> tuple[AliasTable, str]:
    """(alias table, its version), from one read; the table is built once per content."""
    rows = tuple(_alias_rows(conn))
    return _table_of(rows), _version(rows)


def alias_table(conn: psycopg.Connection) -> AliasTable:
    """The warehouse's aliases; a warehouse row wins over a curated spelling of the same alias."""
    return current_aliases(conn)[0]


def aliases_version(conn: psycopg.Connection) -> str:
    return _version(_alias_rows(conn))


def _tuples(conn: psycopg.Connection, sql: str, params: Sequence | None = None) -> list[tuple]:
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute(sql, params).fetchall()


_RESOLVED_COLUMNS = ("article_id", "field", "start_char", "end_char", "old_entity_id", "canonical_key",
                     "canonical_name", "entity_type", "wikidata_id", "curated")


def _stage_resolutions(conn: psycopg.Connection, article_ids: Sequence[int] | None, aliases: AliasTable) -> int:
    conn.execute("drop table if exists pg_temp.resolved_mentions")
    conn.execute(
        """create temp table resolved_mentions (
               article_id bigint, field text, start_char integer, end_char integer, old_entity_id bigint,
               canonical_key text, canonical_name text, entity_type text, wikidata_id text, curated boolean
           ) on commit drop"""
    )
    if article_ids is None:
        ids = [r[0] for r in _tuples(conn, "select distinct article_id from core.entity_mentions order by 1")]
    else:
        ids = sorted(set(article_ids))
    staged = 0
    for offset in range(0, len(ids), ARTICLES_PER_CHUNK):
        chunk = ids[offset:offset + ARTICLES_PER_CHUNK]
        # The same order as at ingest (body, then title; by offset), so ties resolve the same way.
        rows = _tuples(
            conn,
            """select article_id, field, start_char, end_char, mention_text, coalesce(ner_label, label), entity_id
               from core.entity_mentions where article_id = any(%s)
               order by article_id, field, start_char, end_char""",
            (chunk,),
        )
        with conn.cursor().copy(f"copy resolved_mentions ({', '.join(_RESOLVED_COLUMNS)}) from stdin") as copy:
            for _, group in groupby(rows, key=lambda r: r[0]):
                group = list(group)
                resolved = resolve_article([(r[4], r[5]) for r in group], aliases)
                for row, entity in zip(group, resolved):
                    copy.write_row((row[0], row[1], row[2], row[3], row[6], entity.canonical_key,
                                    entity.canonical_name, entity.entity_type, entity.wikidata_id, entity.curated))
                    staged += 1
    conn.execute("create index on resolved_mentions (article_id, field, start_char, end_char)")
    conn.execute("analyze resolved_mentions")
    return staged


def resolve(conn: psycopg.Connection, article_ids: Sequence[int] | None = None) -> dict[str, int]:
    """Recompute canonical entities of stored mentions (all, or of the given articles) from the
    warehouse alias table and repoint mentions and quotes' speakers, in the caller's transaction."""
    counts = {"aliases_synced": sync_curated_aliases(conn)}
    aliases, version = current_aliases(conn)
    counts["mentions"] = _stage_resolutions(conn, article_ids, aliases)
    counts["entities_created"] = conn.execute(
        """insert into core.entities (canonical_key, canonical_name, entity_type, wikidata_id)
           select distinct on (canonical_key) canonical_key, canonical_name, entity_type, wikidata_id
           from resolved_mentions
           order by canonical_key, curated desc, length(canonical_name) desc, canonical_name collate "C" desc
           on conflict (canonical_key) do nothing"""
    ).rowcount
    # Names and Wikidata ids of curated entities follow the alias table; ids stay.
    counts["entities_renamed"] = conn.execute(
        """update core.entities e set canonical_name = r.canonical_name, wikidata_id = r.wikidata_id
           from (select distinct on (canonical_key) canonical_key, canonical_name, wikidata_id
                 from resolved_mentions where curated
                 order by canonical_key, canonical_name) r
           where e.canonical_key = r.canonical_key
             and (e.canonical_name, e.wikidata_id) is distinct from (r.canonical_name, r.wikidata_id)"""
    ).rowcount
    counts["mentions_repointed"] = conn.execute(
        """update core.entity_mentions m set entity_id = e.entity_id, label = r.entity_type
           from resolved_mentions r join core.entities e using (canonical_key)
           where (m.article_id, m.field, m.start_char, m.end_char) = (r.article_id, r.field, r.start_char, r.end_char)
             and (m.entity_id <> e.entity_id or m.label <> r.entity_type)"""
    ).rowcount
    # A speaker follows the mentions that carried its entity in the same article: the one at the
    # speaker's words when there is one, else the entity most of them moved to.
    counts["quotes_repointed"] = conn.execute(
        """with moved as (
               select r.article_id, r.field, r.start_char, r.end_char, r.old_entity_id, e.entity_id as new_entity_id
               from resolved_mentions r join core.entities e using (canonical_key)
           ), choice as (
               select distinct on (q.quote_id) q.quote_id, mv.new_entity_id
               from core.quotes q
               join moved mv on mv.article_id = q.article_id and mv.old_entity_id = q.speaker_entity_id
               order by q.quote_id,
                        (mv.field = 'body' and q.speaker_start is not null
                         and mv.start_char < q.speaker_end and q.speaker_start < mv.end_char) desc,
                        count(*) over (partition by q.quote_id, mv.new_entity_id) desc,
                        mv.new_entity_id
           )
           update core.quotes q set speaker_entity_id = c.new_entity_id, speaker_name = e.canonical_name
           from choice c join core.entities e on e.entity_id = c.new_entity_id
           where q.quote_id = c.quote_id
             and (q.speaker_entity_id <> c.new_entity_id or q.speaker_name is distinct from e.canonical_name)"""
    ).rowcount
    scope = "" if article_ids is None else "and article_id = any(%(ids)s)"
    conn.execute(f"""update core.articles set entity_aliases_version = %(version)s
                     where entity_aliases_version is distinct from %(version)s {scope}""",
                 {"version": version, "ids": None if article_ids is None else list(article_ids)})
    return counts


def resolve_warehouse(dsn: str, article_ids: Sequence[int] | None = None) -> dict[str, int]:
    """One transaction: readers see either the old or the new ids, never a mix."""
    with psycopg.connect(dsn, row_factory=dict_row, application_name="news_pipeline") as conn:
        with conn.transaction():
            lock_core_writes(conn)  # not beside a load that repoints the same mentions
            return resolve(conn, article_ids)


def resolve_stale_batch_articles(conn: psycopg.Connection, batch_id: int) -> dict[str, int]:
    """After a batch is loaded: re-resolve those of its articles whose entities were resolved with
    another alias table than the warehouse's current one (an alias added since the batch was
    analysed, or an unchanged article loaded before). Usually none, so no Python resolution runs."""
    sync_curated_aliases(conn)
    current = aliases_version(conn)
    ids = [r[0] for r in _tuples(
        conn, """select distinct a.article_id from staging.articles s join core.articles a using (article_key)
                 where s.batch_id = %s and s.is_valid and a.entity_aliases_version is distinct from %s""",
        (batch_id, current))]
    return resolve(conn, ids) if ids else {}
