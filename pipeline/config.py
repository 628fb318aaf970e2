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


def settings() -> Settings:
    return Settings(
        seed_dir=Path(os.environ.get("NEWS_SEED_DIR", PROJECT_ROOT / "seeds")),
        warehouse_home=Path(os.environ.get("WAREHOUSE_HOME", PROJECT_ROOT / ".warehouse")),
        warehouse_port=_int_env("WAREHOUSE_PORT", 54329),
        warehouse_database=os.environ.get("WAREHOUSE_DATABASE", "warehouse"),
        max_document_bytes=_int_env("NEWS_MAX_DOCUMENT_BYTES", 5 * 1024 * 1024),
        batch_size=_int_env("NEWS_BATCH_SIZE", 200),
        max_bad_fraction=_float_env("NEWS_MAX_BAD_FRACTION", 0.5),
        # A batch fails only when it is mostly bad AND has at least this many bad articles,
        # so one bad file in a small batch is quarantined without failing the run.
        min_bad_to_fail=_int_env("NEWS_MIN_BAD_TO_FAIL", 3),
        spacy_model=os.environ.get("SPACY_MODEL") or None,
    )


def warehouse_dsn() -> str:
    """WAREHOUSE_DSN when set, else the embedded server's DSN (which must be running)."""
    dsn = os.environ.get("WAREHOUSE_DSN", "").strip()
    if dsn:
        return dsn
    from pipeline.load import embedded

    return embedded.running_dsn(settings())
