"""The entity evaluation: annotations in the repository, texts read in place, drift detected."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.nlp import evaluate_entities as ev

REPO = Path(__file__).resolve().parents[2]
NAEB = ev.naeb_dir()


def test_the_evaluation_command_prints_precision_recall_and_ids_per_entity(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pipeline", "evaluate-entities", "--json", "--naeb", str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "NAEB corpus not found" in done.stderr
    report = json.loads(done.stdout)
    seeds = report["seeds"]
    assert seeds["documents"] == 5 and seeds["gold_mentions"] >= 150 and "naeb" not in report
    assert seeds["precision"] >= 0.9 and seeds["recall"] >= 0.9
    assert seeds["ids_per_entity"] < 1.1 and report["drifted"] == []
    assert "Sergei Lavrov" not in seeds["fragmented_entities"]
    assert "Islamic State" not in seeds["fragmented_entities"]


def test_annotations_hold_offsets_not_texts_and_cover_the_seeds_and_naeb():
    records = list(ev._annotations())
    seed_files = {p.name for p in (REPO / "seeds").glob("*.txt")}
    assert {r["document"] for r in records if r["source"] == "seeds"} == seed_files
    assert sum(r["source"] == "naeb" for r in records) >= 15
    for r in records:
        assert set(r) == {"source", "document", "sha256", "mentions"}
        assert all(len(m) == 4 and isinstance(m[0], int) and m[2] in ev.GOLD_LABELS for m in r["mentions"])


def test_a_changed_text_is_reported_as_drift_and_left_out(tmp_path, monkeypatch):
    seeds_copy = tmp_path / "seeds"
    seeds_copy.mkdir()
    for path in (REPO / "seeds").glob("*.txt"):
        (seeds_copy / path.name).write_bytes(path.read_bytes())
    first = sorted(seeds_copy.glob("*.txt"))[0]
    first.write_text(first.read_text(encoding="utf-8").replace("said in Paris", "said in Rome", 1), encoding="utf-8")
    monkeypatch.setattr(ev, "SEED_DIR", seeds_copy)
    documents, notes, drifted = ev.load_documents(tmp_path / "no-naeb")
    assert drifted == [f"seeds/{first.name}: text changed since it was annotated"]
    assert len([d for d in documents if d.source == "seeds"]) == 4
    assert any("NAEB corpus not found" in n for n in notes)


@pytest.mark.skipif(not (NAEB / "news_articles.json").is_file(),
                    reason="NAEB corpus not present at ../shared/corpora/naeb")
def test_on_the_whole_dev_set_each_real_entity_gets_about_one_id():
    documents, _, drifted = ev.load_documents()
    assert drifted == []
    report = ev.score(documents, ev.predict(documents))
    assert report["documents"] >= 20 and report["gold_mentions"] >= 500
    assert report["precision"] >= 0.85 and report["recall"] >= 0.85
    assert report["ids_per_entity"] <= 1.1 and report["entities_per_id"] <= 1.05
