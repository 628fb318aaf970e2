"""Runs the Great Expectations suites in expectations/*.json over one batch of rows.

Row-level failures are mapped back to row keys so each bad record can be quarantined alone;
failures that do not name rows (table-level) fail the whole batch.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.config import PROJECT_ROOT

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
log = logging.getLogger(__name__)


@dataclass
class SuiteOutcome:
    suite: str
    evaluated_rows: int
    failed_keys: dict[Any, list[dict]] = field(default_factory=dict)
    table_failures: list[dict] = field(default_factory=list)
    statistics: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return not self.failed_keys and not self.table_failures


def load_suite_json(name: str, directory: Path = EXPECTATIONS_DIR) -> dict:
    path = directory / f"{name}.json"
    with path.open() as handle:
        suite = json.load(handle)
    if suite.get("name") != name:
        raise ValueError(f"{path} must have \"name\": \"{name}\"")
    return suite


@functools.lru_cache(maxsize=1)
def _context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


@functools.lru_cache(maxsize=None)
def _suite_and_batch_definition(name: str):
    from great_expectations.core.expectation_suite import ExpectationSuite

    context = _context()
    suite = context.suites.add(ExpectationSuite(**load_suite_json(name)))
    source = context.data_sources.add_pandas(f"staging_{name}")
    batch_definition = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("batch")
    return suite, batch_definition


def _summarise(result) -> dict:
    config = result.expectation_config
    summary = {"expectation": config.type, "kwargs": _jsonable(config.kwargs)}
    if result.exception_info and result.exception_info.get("raised_exception"):
        summary["exception"] = str(result.exception_info.get("exception_message"))
    return summary


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def validate_rows(
    name: str, frame: pd.DataFrame, *, key_column: str, parameters: dict | None = None
) -> SuiteOutcome:
    """Validate `frame` with suite `name`; returns which keys failed which expectations."""
    outcome = SuiteOutcome(suite=name, evaluated_rows=len(frame))
    if frame.empty:
        return outcome
    suite, batch_definition = _suite_and_batch_definition(name)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        suite,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [key_column]},
        expectation_parameters=parameters or {},
    )
    for expectation_result in result.results:
        if expectation_result.success:
            continue
        summary = _summarise(expectation_result)
        failed_rows = (expectation_result.result or {}).get("unexpected_index_list")
        if failed_rows:
            for row in failed_rows:
                key = row[key_column]
                key = key.item() if hasattr(key, "item") else key
                outcome.failed_keys.setdefault(key, []).append(summary)
        else:
            outcome.table_failures.append(summary)
    outcome.statistics = _jsonable(result.statistics)
    outcome.results = result.to_json_dict()
    return outcome
