"""The inbox folder: files dropped there are claimed (moved into `received/`) by the inbox trigger,
which then raises an Airflow asset event; the runs read both the claimed files and any that are still
waiting in the inbox itself.

Claiming by rename is what makes the event fire once per file: a trigger that only looked would
fire again for the same file after every restart.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

from pipeline.sources.seeds import list_seed_files

RECEIVED = "received"
# Names that editors and copy tools use while a file is still being written.
PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".swp")


def received_dir(inbox: Path) -> Path:
    return Path(inbox) / RECEIVED


def _settled(path: Path, settle_s: float, now: float) -> bool:
    """Unchanged for settle_s seconds: a writer that is still copying keeps touching the file."""
    try:
        return now - path.stat().st_mtime >= settle_s
    except FileNotFoundError:
        return False


def waiting_files(inbox: Path) -> list[Path]:
    """Files in the inbox itself that the reader accepts, hidden and partial ones skipped."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        return []
    return [p for p in list_seed_files(inbox) if not p.name.lower().endswith(PARTIAL_SUFFIXES)]


def _free_name(target_dir: Path, name: str) -> Path:
    """`name`, or `name` with a counter when an earlier file of the same name was claimed the same day."""
    candidate = target_dir / name
    stem, suffix = os.path.splitext(name)
    counter = 1
    while candidate.exists():
        candidate = target_dir / f"{stem}.{counter}{suffix}"
        counter += 1
    return candidate


def claim_ready_files(inbox: Path, *, settle_s: float = 2.0, now: float | None = None) -> list[Path]:
    """Move settled files from the inbox into received/<UTC date>/ and stamp their modification
    time with the claim time, which is when they count as arrived. Returns the new paths."""
    now = time.time() if now is None else now
    ready = [p for p in waiting_files(inbox) if _settled(p, settle_s, now)]
    if not ready:
        return []
    day = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")
    target_dir = received_dir(inbox) / day
    target_dir.mkdir(parents=True, exist_ok=True)
    claimed = []
    for path in ready:
        target = _free_name(target_dir, path.name)
        try:
            os.rename(path, target)  # atomic on one file system: a file is claimed once
        except FileNotFoundError:
            continue  # claimed by a concurrent claimer
        os.utime(target, (now, now))
        claimed.append(target)
    return claimed


def inbox_files(inbox: Path) -> list[Path]:
    """Every file a run may read: claimed ones (by day folder) and ones still waiting."""
    inbox = Path(inbox)
    claimed = []
    received = received_dir(inbox)
    if received.is_dir():
        for day in sorted(p for p in received.iterdir() if p.is_dir() and not p.name.startswith(".")):
            claimed += list_seed_files(day)
    return claimed + waiting_files(inbox)
