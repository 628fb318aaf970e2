"""Airflow glue: which files a run reads, and the assets the DAGs share."""

from __future__ import annotations

import pytest

from pipeline import orchestration


@pytest.mark.parametrize(("run_type", "scope"), [
    ("scheduled", "interval"), ("backfill", "interval"), ("manual", "all"), ("asset_triggered", "all"), (None, "all"),
])
def test_scheduled_and_backfill_runs_read_their_interval_and_other_runs_everything(run_type, scope):
    assert orchestration.file_scope(run_type) == scope


def test_the_task_sdk_run_type_enum_is_understood():
    from airflow.sdk.api.datamodels._generated import DagRunType

    assert orchestration.file_scope(DagRunType.BACKFILL) == "interval"
    assert orchestration.file_scope(DagRunType.MANUAL) == "all"


def test_the_inbox_asset_watches_the_configured_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWS_INBOX_DIR", str(tmp_path))
    monkeypatch.setenv("NEWS_INBOX_POKE_S", "7")
    asset = orchestration.inbox_asset()
    assert asset.uri == f"file://{tmp_path}"
    trigger = asset.watchers[0].trigger
    assert (trigger.directory, trigger.poke_interval) == (str(tmp_path), 7.0)
