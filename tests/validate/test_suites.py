import json
from datetime import date

import pandas as pd
import pytest

from pipeline.validate.suites import EXPECTATIONS_DIR, load_suite_json, validate_rows

SUITES = ("articles", "entity_mentions", "quotes")


@pytest.mark.parametrize("name", SUITES)
def test_suite_files_are_valid_gx_suites(name):
    from great_expectations.core.expectation_suite import ExpectationSuite

    raw = json.loads((EXPECTATIONS_DIR / f"{name}.json").read_text())
    suite = ExpectationSuite(**load_suite_json(name))
    assert suite.name == name
    assert len(suite.expectations) == len(raw["expectations"]) >= 5


def _articles(**overrides):
    row = {
        "document_id": 1, "article_key": "https://example.org/a", "source": "seeds", "url": "https://example.org/a",
        "title": "A real headline", "standfirst": None, "dateline": None, "published_at": date(2015, 5, 21),
        "language": "en", "authors": [], "body": "word " * 60, "word_count": 60, "content_hash": "h",
        "extractor": "seed-reader", "extractor_version": "1.0", "body_is_text": True,
    }
    row.update(overrides)
    return row


def test_each_bad_row_is_named_with_its_failed_expectations():
    frame = pd.DataFrame([
        _articles(),
        _articles(document_id=2, article_key="k2", url=None, published_at=None),
        _articles(document_id=3, article_key="k3", body="too short", word_count=2),
        _articles(document_id=4, article_key="k4", published_at=date(2031, 1, 1)),
        _articles(document_id=5, article_key="k5", url="javascript:alert(1)", title=None),
    ])
    outcome = validate_rows("articles", frame, key_column="document_id", parameters={"today": "2026-11-23"})
    assert set(outcome.failed_keys) == {3, 4, 5}
    assert {f["expectation"] for f in outcome.failed_keys[3]} == {
        "expect_column_value_lengths_to_be_between", "expect_column_values_to_be_between"}
    assert [f["kwargs"]["column"] for f in outcome.failed_keys[4]] == ["published_at"]
    assert {f["kwargs"]["column"] for f in outcome.failed_keys[5]} == {"title", "url"}
    assert not outcome.table_failures and not outcome.success
    assert outcome.statistics["evaluated_expectations"] == len(load_suite_json("articles")["expectations"])
    assert outcome.results["success"] is False


def test_a_good_batch_passes_and_an_empty_batch_is_not_validated():
    good = validate_rows("articles", pd.DataFrame([_articles()]), key_column="document_id",
                         parameters={"today": "2026-11-23"})
    assert good.success and good.failed_keys == {}
    empty = validate_rows("articles", pd.DataFrame(columns=list(_articles())), key_column="document_id")
    assert empty.success and empty.evaluated_rows == 0
