"""The extraction report on real pages of NAEB, read in place (never copied into the repository)."""

from __future__ import annotations

import pytest

from pipeline.extract.evaluate import corpus_available, default_corpus, evaluate_corpus, format_table

CORPUS = default_corpus()


@pytest.mark.slow
@pytest.mark.skipif(not corpus_available(CORPUS), reason=f"NAEB corpus not found at {CORPUS}")
def test_project_beats_bare_trafilatura_on_body_and_is_not_worse_on_title_and_date():
    summary, rows = evaluate_corpus(CORPUS, limit=60, processes=1)
    project, bare = summary["project"], summary["bare"]
    print(format_table(summary))
    assert len(rows) == 60 and project["errors"] == 0
    assert project["body_f1"] > bare["body_f1"]
    assert project["title_acc"] >= bare["title_acc"]
    assert project["date_acc"] >= bare["date_acc"]
