"""The inbox: claiming files once, leaving unfinished ones, and the trigger that raises the event."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from pipeline.sources import inbox
from pipeline.triggers import InboxFileTrigger


def _write(path, text="Title\n\nBody text.\n", age_s: float = 60.0):
    path.write_text(text)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_settled_files_are_moved_to_a_day_folder_and_stamped_with_the_claim_time(tmp_path):
    _write(tmp_path / "a.txt")
    _write(tmp_path / "b.md")
    now = time.time()
    claimed = inbox.claim_ready_files(tmp_path, settle_s=2, now=now)
    assert sorted(p.name for p in claimed) == ["a.txt", "b.md"]
    day = time.strftime("%Y-%m-%d", time.gmtime(now))
    assert all(p.parent == tmp_path / "received" / day for p in claimed)
    assert all(abs(p.stat().st_mtime - now) < 1e-3 for p in claimed)
    assert inbox.waiting_files(tmp_path) == []
    # Claimed once: a second scan (a restarted trigger) finds nothing.
    assert inbox.claim_ready_files(tmp_path, settle_s=2) == []


def test_files_still_being_written_hidden_or_partial_are_left_alone(tmp_path):
    _write(tmp_path / "fresh.txt", age_s=0)
    _write(tmp_path / ".hidden.txt")
    _write(tmp_path / "upload.txt.part")
    _write(tmp_path / "image.png")
    assert inbox.claim_ready_files(tmp_path, settle_s=5) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hidden.txt", "fresh.txt", "image.png", "upload.txt.part"]


def test_a_second_file_of_the_same_name_on_the_same_day_keeps_both(tmp_path):
    now = time.time()
    first = inbox.claim_ready_files(_write(tmp_path / "story.txt", "One\n\nfirst").parent, settle_s=1, now=now)
    second = inbox.claim_ready_files(_write(tmp_path / "story.txt", "Two\n\nsecond").parent, settle_s=1, now=now)
    assert [p.name for p in first] == ["story.txt"] and [p.name for p in second] == ["story.1.txt"]
    assert first[0].read_text().startswith("One") and second[0].read_text().startswith("Two")
    assert [p.name for p in inbox.inbox_files(tmp_path)] == ["story.1.txt", "story.txt"]


def test_inbox_files_lists_claimed_then_waiting_and_a_missing_inbox_is_empty(tmp_path):
    assert inbox.inbox_files(tmp_path / "absent") == []
    inbox.claim_ready_files(_write(tmp_path / "old.txt").parent, settle_s=1)
    _write(tmp_path / "new.txt", age_s=0)
    assert [p.name for p in inbox.inbox_files(tmp_path)] == ["old.txt", "new.txt"]


def test_trigger_serializes_to_an_importable_class_path():
    classpath, kwargs = InboxFileTrigger("/data/inbox", poke_interval=3, settle_s=1).serialize()
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(__import__(module, fromlist=[name]), name)(**kwargs)
    assert isinstance(rebuilt, InboxFileTrigger)
    assert (rebuilt.directory, rebuilt.poke_interval, rebuilt.settle_s) == ("/data/inbox", 3, 1)


def test_trigger_fires_once_with_the_claimed_files_when_a_file_lands(tmp_path):
    async def scenario():
        trigger = InboxFileTrigger(str(tmp_path), poke_interval=0.05, settle_s=0)
        events = trigger.run()
        waiting = asyncio.ensure_future(events.__anext__())
        await asyncio.sleep(0.2)
        assert not waiting.done()  # an empty inbox raises nothing
        _write(tmp_path / "landed.txt")
        event = await asyncio.wait_for(waiting, timeout=5)
        with pytest.raises(StopAsyncIteration):
            await events.__anext__()  # one event per run; the triggerer starts it again
        return event

    event = asyncio.run(scenario())
    assert event.payload["directory"] == str(tmp_path)
    assert [os.path.basename(f) for f in event.payload["files"]] == ["landed.txt"]
    assert (tmp_path / "received").is_dir() and not (tmp_path / "landed.txt").exists()
