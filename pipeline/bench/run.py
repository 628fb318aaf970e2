"""The benchmark: the real news_ingest DAG (`airflow dags test`) over pages served on 127.0.0.1 into a
fresh warehouse database, then, in this process and on the same article texts, the two floors:
bare `nlp.pipe` with the stage's model and settings, and bare COPY of the same rows into unindexed
tables. Timing comes from Airflow's own task instance records, not from the pipeline.
"""

from __future__ import annotations

import inspect
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psutil
import psycopg
import yaml
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from tqdm import tqdm

from pipeline import config
from pipeline.bench import corpus as bench_corpus
from pipeline.config import PROJECT_ROOT

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
DAG_ID = "news_ingest"
STAGES = ("start_run", "discover", "extract", "analyse", "validate", "load", "finish_run")
NAEB_PAGES = 421


@dataclass
class Options:
    scale: int = 1
    limit: int | None = None  # first K pages of the corpus
    corpus: Path | None = None  # NAEB folder
    generate: int | None = None  # use this many generated pages instead of NAEB
    keep: bool = False  # keep the database and the temporary folder
    timeout_s: float = 4 * 3600


def say(*parts) -> None:
    print(*parts, flush=True)


class PeakRss:
    """Peak of the summed RSS of this process and all its descendants (the Airflow run and its task
    processes), sampled; getrusage alone gives only the largest single child."""

    def __init__(self, interval_s: float = 0.2):
        self.interval_s = interval_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        me = psutil.Process()
        total = 0
        for proc in [me, *me.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass  # exited between listing and reading
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval_s)

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


def _with_db(dsn: str, dbname: str) -> str:
    params = conninfo_to_dict(dsn)
    params["dbname"] = dbname
    return make_conninfo(**params)


def server_dsn() -> str:
    dsn = os.environ.get("WAREHOUSE_DSN", "").strip()
    if dsn:
        return dsn
    from pipeline.load import embedded

    return embedded.start(config.settings())


def create_database(server: str) -> tuple[str, str]:
    from pipeline.load.migrate import migrate

    name = f"news_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_with_db(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    dsn = _with_db(server, name)
    migrate(dsn)
    return name, dsn


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(_with_db(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def pick_corpus(opts: Options) -> bench_corpus.Corpus:
    if opts.generate:
        return bench_corpus.generate(opts.generate)
    root = bench_corpus.naeb_dir(opts.corpus)
    found = bench_corpus.load_naeb(root, opts.limit)
    if found is not None:
        return found
    count = opts.limit or NAEB_PAGES
    say(f"NAEB not found at {root}: generating {count} similar pages instead (figures are not comparable)")
    return bench_corpus.generate(count)


def write_sources(tmp: Path, urls: list[str]) -> Path:
    """A registry with one url_list source for the local site; no per-host delay, since the server
    is ours and local (robots.txt is still fetched and obeyed)."""
    url_file = tmp / "urls.txt"
    url_file.write_text("\n".join(urls) + "\n")
    registry = {"version": 1, "sources": [{
        "name": "bench", "kind": "url_list", "path": str(url_file),
        "politeness": {"host_delay_s": 0.0, "max_concurrency_per_host": 16, "respect_robots": True},
    }]}
    path = tmp / "sources.yml"
    path.write_text(yaml.safe_dump(registry, sort_keys=False))
    return path


def airflow_env(tmp: Path, dsn: str, sources: Path, url_count: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "AIRFLOW_CONN_WAREHOUSE"}  # tasks must use this db
    seeds = tmp / "seeds"
    seeds.mkdir(exist_ok=True)  # empty: only the served pages are ingested
    env.update({
        "AIRFLOW_HOME": str(tmp / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "GX_ANALYTICS_ENABLED": "false",
        "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p),
        "WAREHOUSE_DSN": dsn,
        "NEWS_FETCH": "1",
        "NEWS_SOURCES": str(sources),
        "NEWS_SEED_DIR": str(seeds),
        "NEWS_FETCH_ALLOW_PRIVATE": "127.0.0.1",
        "NEWS_FETCH_MAX_URLS": str(max(url_count, 1)),
        "NEWS_DATA_DOCS_DIR": str(tmp / "data_docs"),
    })
    return env


def run_dag(env: dict, log_path: Path, dsn: str, url_count: int, timeout_s: float) -> float:
    """`airflow dags test news_ingest`; returns its wall time. Shows fetch progress while it runs."""
    start = time.perf_counter()
    with log_path.open("w") as log, tqdm(total=url_count, desc="pages fetched", unit="page", disable=None,
                                         file=sys.stderr) as bar:
        proc = subprocess.Popen([AIRFLOW, "dags", "test", DAG_ID], env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        while proc.poll() is None:
            if time.perf_counter() - start > timeout_s:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait()
                raise TimeoutError(f"airflow dags test ran longer than {timeout_s:.0f} s; log: {log_path}")
            try:
                with psycopg.connect(dsn) as conn:
                    done = conn.execute("select count(*) from raw.fetches where source = 'bench'").fetchone()[0]
                bar.update(min(done, url_count) - bar.n)
            except psycopg.Error:
                pass  # progress only
            time.sleep(1.0)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        tail = log_path.read_text(errors="replace")[-4000:]
        raise RuntimeError(f"airflow dags test failed (exit {proc.returncode}); log {log_path}:\n{tail}")
    return wall


@dataclass
class StageTimes:
    seconds: dict[str, float] = field(default_factory=dict)
    instances: dict[str, int] = field(default_factory=dict)
    span_s: float = 0.0  # first task start -> last task end


def stage_times(airflow_home: Path) -> StageTimes:
    """Per-task durations of the run, from Airflow's metadata database (mapped instances summed)."""
    with sqlite3.connect(airflow_home / "airflow.db") as conn:
        rows = conn.execute(
            "select task_id, start_date, end_date, duration, state from task_instance where dag_id = ?", (DAG_ID,)
        ).fetchall()
    out = StageTimes(defaultdict(float), defaultdict(int))
    if not rows:
        raise RuntimeError("no task instances in the Airflow metadata database")
    for task_id, _, _, duration, state in rows:
        if state != "success":
            raise RuntimeError(f"task {task_id} ended in state {state}")
        out.seconds[task_id] += duration or 0.0
        out.instances[task_id] += 1
    starts = [datetime.fromisoformat(r[1]) for r in rows if r[1]]
    ends = [datetime.fromisoformat(r[2]) for r in rows if r[2]]
    out.span_s = (max(ends) - min(starts)).total_seconds()
    return out


def run_summary(dsn: str) -> dict:
    with psycopg.connect(dsn) as conn:
        status, counts = conn.execute("select status, counts from ops.runs order by run_id desc limit 1").fetchone()
        return {
            "status": status,
            "documents": counts.get("documents"),
            "articles": conn.execute("select count(*) from core.articles").fetchone()[0],
            "mentions": conn.execute("select count(*) from core.entity_mentions").fetchone()[0],
            "quotes": conn.execute("select count(*) from core.quotes").fetchone()[0],
            "duplicates": conn.execute("select count(*) from core.article_duplicates").fetchone()[0],
            "quarantined": conn.execute("select count(*) from ops.quarantine").fetchone()[0],
        }


# --- the floors -----------------------------------------------------------------------------------

@dataclass
class NlpFloor:
    seconds: float
    texts: int
    model: str
    batch_size: int
    n_process: int


def nlp_floor(dsn: str) -> NlpFloor:
    """Bare nlp.pipe over the loaded articles' titles and bodies (as the stage pipes them), with the
    stage's model and its default batch size and process count, so later tuning moves both."""
    from pipeline.nlp import stage
    from pipeline.nlp.model import load_model, model_version

    defaults = inspect.signature(stage.analyse).parameters
    batch_size, n_process = defaults["batch_size"].default, defaults["n_process"].default
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("select title, body from core.articles order by article_id").fetchall()
    texts = [text or "" for row in rows for text in row]
    nlp = load_model(config.settings().spacy_model)  # loading is not timed: the DAG loads it once too
    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=batch_size, n_process=n_process):
        pass
    return NlpFloor(time.perf_counter() - start, len(texts), model_version(nlp), batch_size, n_process)


_FLOOR_ROWS = {
    "articles": """
        select (select min(document_id) from core.article_documents d where d.article_id = a.article_id),
               article_key, source, url, title, standfirst, dateline, published_at, language, authors, body,
               word_count, content_hash, extractor, extractor_version
        from core.articles a order by article_id""",
    "entity_mentions": """
        select (row_number() over (order by m.article_id, m.field, m.start_char) - 1)::int, a.article_key,
               m.field, m.mention_text, m.start_char, m.end_char, m.label, e.canonical_name, e.canonical_key,
               m.ner_label, e.wikidata_id, e.wikidata_id is not null
        from core.entity_mentions m join core.articles a using (article_id) join core.entities e using (entity_id)""",
    "quotes": """
        select (row_number() over (order by q.article_id, q.start_char) - 1)::int, a.article_key, q.quote_text,
               q.start_char, q.end_char, q.speaker_name, e.canonical_key, q.speaker_mention, q.speaker_start,
               q.speaker_end, q.cue, q.kind
        from core.quotes q join core.articles a using (article_id)
        left join core.entities e on e.entity_id = q.speaker_entity_id""",
}


@dataclass
class CopyFloor:
    seconds: float
    rows: dict[str, int]


def copy_floor(dsn: str) -> CopyFloor:
    """COPY the rows the load stage reads (articles, mentions, quotes, rebuilt from core since the run
    empties staging) into unindexed temporary copies of the staging tables; timed through commit."""
    from pipeline import stages

    columns = {"articles": stages.ARTICLE_COLUMNS, "entity_mentions": stages.MENTION_COLUMNS,
               "quotes": stages.QUOTE_COLUMNS}
    with psycopg.connect(dsn) as conn:
        data = {table: conn.execute(sql).fetchall() for table, sql in _FLOOR_ROWS.items()}
        for table in data:
            # LIKE copies neither indexes nor constraints other than NOT NULL.
            conn.execute(f"create temp table floor_{table} (like staging.{table} including defaults)")
        conn.commit()
        start = time.perf_counter()
        for table, rows in data.items():
            column_list = ", ".join(("batch_id", *columns[table]))
            with conn.cursor().copy(f"copy floor_{table} ({column_list}) from stdin") as copy:
                for row in rows:
                    copy.write_row((1, *row))
        conn.commit()
        seconds = time.perf_counter() - start
    return CopyFloor(seconds, {table: len(rows) for table, rows in data.items()})


# --- the whole benchmark --------------------------------------------------------------------------

def _ratio(floor_s: float, actual_s: float) -> float:
    """Floor time over actual time: 1.0 means the stage costs no more than its floor (the issue's targets
    are lower bounds on this)."""
    return round(floor_s / actual_s, 3) if actual_s > 0 else float("nan")


def run(opts: Options) -> dict:
    if opts.scale < 1:
        raise ValueError("--scale must be at least 1")
    pages = pick_corpus(opts)
    site = bench_corpus.Site(pages, opts.scale)
    server_main = server_dsn()
    db_name, dsn = create_database(server_main)
    tmp = Path(tempfile.mkdtemp(prefix="news-bench-"))
    server = bench_corpus.serve(site)
    ok = False
    try:
        render_start = time.perf_counter()
        site.render(tmp / "site")
        if opts.scale > 1:
            say(f"copies rendered to {tmp / 'site'}: {time.perf_counter() - render_start:.1f} s (setup, not counted)")
        with PeakRss() as rss:
            urls = site.urls()
            say(f"corpus: {pages.label}; scale {opts.scale}: {len(urls)} pages on http://127.0.0.1:{site.port}/")
            say(f"warehouse: fresh database {db_name}; temporary files: {tmp}")
            env = airflow_env(tmp, dsn, write_sources(tmp, urls), len(urls))
            setup_start = time.perf_counter()
            migrate = subprocess.run([AIRFLOW, "db", "migrate"], env=env, capture_output=True, text=True)
            if migrate.returncode != 0:
                raise RuntimeError(f"airflow db migrate failed:\n{migrate.stdout[-2000:]}{migrate.stderr[-2000:]}")
            say(f"airflow db migrate: {time.perf_counter() - setup_start:.1f} s (setup, not counted)")
            wall = run_dag(env, tmp / "dags-test.log", dsn, len(urls), opts.timeout_s)
            times = stage_times(Path(env["AIRFLOW_HOME"]))
            summary = run_summary(dsn)
            if summary["status"] != "success":
                raise RuntimeError(f"the run ended with status {summary['status']}")
            say("measuring the floors on the loaded articles ...")
            nlp = nlp_floor(dsn)
            copy = copy_floor(dsn)
        ok = True
    finally:
        server.shutdown()
        server.server_close()
        if not opts.keep:
            drop_database(server_main, db_name)
            if ok:
                shutil.rmtree(tmp, ignore_errors=True)
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    articles = summary["articles"]
    result = {
        "articles": articles,
        "articles_per_s": round(articles / times.span_s, 3) if times.span_s else 0.0,
        "e2e_vs_nlp_floor": _ratio(nlp.seconds, times.span_s),
        "nlp_stage_vs_floor": _ratio(nlp.seconds, times.seconds.get("analyse", 0.0)),
        "load_vs_copy_floor": _ratio(copy.seconds, times.seconds.get("load", 0.0)),
        "peak_rss_mb": round(max(rss.peak, self_kb * 1024, child_kb * 1024) / 2**20, 1),
        "scale": opts.scale,
    }
    report(pages, opts, len(urls), wall, times, summary, nlp, copy, rss.peak, self_kb, child_kb, result)
    if opts.keep:
        say(f"kept: database {db_name}, {tmp}")
    say(json.dumps(result, sort_keys=True))
    return result


def report(pages, opts, url_count, wall, times, summary, nlp, copy, tree_peak, self_kb, child_kb, result) -> None:
    articles = summary["articles"]
    say("")
    say(f"news_ingest over {url_count} served pages ({pages.label}, scale {opts.scale}), "
        f"{os.cpu_count()} CPUs")
    say(f"  run: {summary['documents']} documents, {articles} articles loaded, {summary['duplicates']} duplicates "
        f"linked, {summary['quarantined']} quarantined, {summary['mentions']} mentions, {summary['quotes']} quotes")
    say("")
    say(f"  {'stage (Airflow task)':<24}{'tasks':>6}{'seconds':>10}{'share':>8}{'articles/s':>12}")
    for stage in STAGES:
        seconds = times.seconds.get(stage, 0.0)
        rate = f"{articles / seconds:.1f}" if seconds and stage in {"extract", "analyse", "validate", "load"} else ""
        say(f"  {stage:<24}{times.instances.get(stage, 0):>6}{seconds:>10.2f}"
            f"{seconds / times.span_s:>8.0%}{rate:>12}")
    say(f"  {'DAG run (first..last task)':<30}{times.span_s:>10.2f}{'':>8}{result['articles_per_s']:>12.1f}")
    say(f"  {'`airflow dags test` process':<30}{wall:>10.2f}")
    say("")
    say(f"  NLP floor: bare nlp.pipe, {nlp.model}, {nlp.texts} texts (titles and bodies), batch_size "
        f"{nlp.batch_size}, n_process {nlp.n_process}: {nlp.seconds:.2f} s = {articles / nlp.seconds:.1f} articles/s")
    rows = ", ".join(f"{n} {t}" for t, n in copy.rows.items())
    say(f"  load floor: bare COPY into unindexed tables ({rows}): {copy.seconds:.3f} s")
    say(f"  NLP floor / end to end      {result['e2e_vs_nlp_floor']:>8}")
    say(f"  NLP floor / analyse stage   {result['nlp_stage_vs_floor']:>8}")
    say(f"  COPY floor / load stage     {result['load_vs_copy_floor']:>8}")
    say(f"  peak RSS: {tree_peak / 2**20:.0f} MB summed over this process and its children (sampled); "
        f"peak of this process alone {self_kb / 1024:.0f} MB, of the largest child {child_kb / 1024:.0f} MB")
    say("")
