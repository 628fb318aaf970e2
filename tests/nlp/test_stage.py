from pathlib import Path

from pipeline.nlp.stage import NlpInput, analyse
from pipeline.sources import seeds

SEED_DIR = Path(__file__).resolve().parents[2] / "seeds"


def test_analyse_streams_results_in_input_order_with_exact_offsets(nlp):
    items = []
    for path in seeds.list_seed_files(SEED_DIR):
        article = seeds.parse_seed_text(seeds.decode_text(path.read_bytes()), uri=path.name)
        items.append(NlpInput(path.name, article.title, article.body))
    results = list(analyse(iter(items), nlp, batch_size=2))
    assert [r.key for r in results] == [i.key for i in items]
    for item, result in zip(items, results):
        assert result.mentions and all(item.body[m.start:m.end] == m.text for m in result.mentions)
        assert all(item.title[m.start:m.end] == m.text for m in result.title_mentions)
        assert all(item.body[q.start:q.end] == q.text for q in result.quotes)
    speakers = [q.speaker for r in results for q in r.quotes]
    assert len(speakers) >= 30
    assert sum(s == "Sergei Lavrov" for s in speakers) / len(speakers) > 0.7


def test_empty_input_gives_no_results(nlp):
    assert list(analyse([], nlp)) == []
    (result,) = analyse([NlpInput("k", "", "")], nlp)
    assert result.mentions == [] and result.quotes == []
