"""Settings, read from the environment once per call so tests and tasks can override them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    seed_dir: Path
    warehouse_home: Path
    warehouse_port: int
    warehouse_database: str
    max_document_bytes: int
    batch_size: int
    max_bad_fraction: float
    min_bad_to_fail: int
    spacy_model: str | None
    # Event-driven ingestion and daily intervals (issue 6).
    inbox_dir: Path = PROJECT_ROOT / "inbox"  # NEWS_INBOX_DIR: files dropped here are ingested on arrival
    inbox_poke_s: float = 5.0  # NEWS_INBOX_POKE_S: how often the inbox trigger looks
    inbox_settle_s: float = 2.0  # NEWS_INBOX_SETTLE_S: a file unchanged this long is complete
    refetch_after_hours: float = 24.0  # NEWS_REFETCH_AFTER_HOURS: re-fetch pages fetched longer ago (0: never)
    refetch_window_days: float = 3.0  # NEWS_REFETCH_WINDOW_DAYS: ...while first fetched within this many days
    # Web fetching (issue 3). Off by default: `make run` reads the seeds only and never touches the network.
    fetch_enabled: bool = False  # NEWS_FETCH=1
    sources_file: Path = PROJECT_ROOT / "sources.yml"  # NEWS_SOURCES
    fetch_user_agent: str | None = None  # NEWS_FETCH_USER_AGENT (default: news-pipeline/<version> ...)
    fetch_timeout_s: float = 20.0  # NEWS_FETCH_TIMEOUT_S: connect/read timeout of one request
    fetch_total_timeout_s: float = 60.0  # NEWS_FETCH_TOTAL_TIMEOUT_S: a whole response, body included
    fetch_retries: int = 3  # NEWS_FETCH_RETRIES: extra attempts on 5xx, 429 and network errors
    fetch_max_redirects: int = 5  # NEWS_FETCH_MAX_REDIRECTS
    fetch_max_retry_after_s: float = 120.0  # NEWS_FETCH_MAX_RETRY_AFTER_S: longer Retry-After: give up
    fetch_concurrency: int = 16  # NEWS_FETCH_CONCURRENCY: requests in flight over all hosts
    fetch_max_urls: int = 1000  # NEWS_FETCH_MAX_URLS: per source and run
    # NEWS_FETCH_ALLOW_PRIVATE: comma-separated hosts/IPs/networks exempt from the private-address guard.
    fetch_allow_private: tuple[str, ...] = ()
    extract_workers: int = 0  # NEWS_EXTRACT_WORKERS: processes extracting HTML per task; 0: one per CPU


def _bool_env(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 1/0, true/false, yes/no or on/off, got {raw!r}")


def settings() -> Settings:
    return Settings(
        seed_dir=Path(os.environ.get("NEWS_SEED_DIR", PROJECT_ROOT / "seeds")),
        warehouse_home=Path(os.environ.get("WAREHOUSE_HOME", PROJECT_ROOT / ".warehouse")),
        warehouse_port=_int_env("WAREHOUSE_PORT", 54329),
        warehouse_database=os.environ.get("WAREHOUSE_DATABASE", "warehouse"),
        max_document_bytes=_int_env("NEWS_MAX_DOCUMENT_BYTES", 5 * 1024 * 1024),
        batch_size=_int_env("NEWS_BATCH_SIZE", 400),
        max_bad_fraction=_float_env("NEWS_MAX_BAD_FRACTION", 0.5),
        # A batch fails only when it is mostly bad AND has at least this many bad articles,
        # so one bad file in a small batch is quarantined without failing the run.
        min_bad_to_fail=_int_env("NEWS_MIN_BAD_TO_FAIL", 3),
        spacy_model=os.environ.get("SPACY_MODEL") or None,
        inbox_dir=Path(os.environ.get("NEWS_INBOX_DIR") or PROJECT_ROOT / "inbox"),
        inbox_poke_s=_float_env("NEWS_INBOX_POKE_S", 5.0),
        inbox_settle_s=_float_env("NEWS_INBOX_SETTLE_S", 2.0),
        refetch_after_hours=_float_env("NEWS_REFETCH_AFTER_HOURS", 24.0),
        refetch_window_days=_float_env("NEWS_REFETCH_WINDOW_DAYS", 3.0),
        fetch_enabled=_bool_env("NEWS_FETCH", False),
        sources_file=Path(os.environ.get("NEWS_SOURCES") or PROJECT_ROOT / "sources.yml"),
        fetch_user_agent=os.environ.get("NEWS_FETCH_USER_AGENT", "").strip() or None,
        fetch_timeout_s=_float_env("NEWS_FETCH_TIMEOUT_S", 20.0),
        fetch_total_timeout_s=_float_env("NEWS_FETCH_TOTAL_TIMEOUT_S", 60.0),
        fetch_retries=_int_env("NEWS_FETCH_RETRIES", 3),
        fetch_max_redirects=_int_env("NEWS_FETCH_MAX_REDIRECTS", 5),
        fetch_max_retry_after_s=_float_env("NEWS_FETCH_MAX_RETRY_AFTER_S", 120.0),
        fetch_concurrency=_int_env("NEWS_FETCH_CONCURRENCY", 16),
        fetch_max_urls=_int_env("NEWS_FETCH_MAX_URLS", 1000),
        fetch_allow_private=tuple(p.strip() for p in os.environ.get("NEWS_FETCH_ALLOW_PRIVATE", "").split(",")
                                  if p.strip()),
        extract_workers=_int_env("NEWS_EXTRACT_WORKERS", 0),
    )


def warehouse_dsn() -> str:
    """WAREHOUSE_DSN when set, else the embedded server's DSN (which must be running)."""
    dsn = os.environ.get("WAREHOUSE_DSN", "").strip()
    if dsn:
        return dsn
    from pipeline.load import embedded

    return embedded.running_dsn(settings())
