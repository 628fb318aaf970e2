"""Airflow event triggers. The triggerer imports them by class path, so they live in the package,
not in dags/."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from pipeline.sources.inbox import claim_ready_files


class InboxFileTrigger(BaseEventTrigger):
    """Fires once for every scan that claimed at least one new inbox file, then ends; the triggerer
    starts it again for the asset watcher. Claimed files have left the inbox, so no file fires twice."""

    def __init__(self, directory: str, poke_interval: float = 5.0, settle_s: float = 2.0):
        super().__init__()
        self.directory = directory
        self.poke_interval = poke_interval
        self.settle_s = settle_s

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {"directory": self.directory, "poke_interval": self.poke_interval, "settle_s": self.settle_s},
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        while True:
            claimed = await asyncio.to_thread(claim_ready_files, Path(self.directory), settle_s=self.settle_s)
            if claimed:
                self.log.info("claimed %d inbox file(s): %s", len(claimed), [p.name for p in claimed])
                yield TriggerEvent({"directory": self.directory, "files": [str(p) for p in claimed]})
                return
            await asyncio.sleep(self.poke_interval)
