from pathlib import Path

import pytest

from pipeline.sources.registry import REGISTRY_PATH, load_registry


def test_the_shipped_registry_is_valid_and_points_at_the_seeds():
    registry = load_registry(REGISTRY_PATH)
    seeds = registry.get("seeds")
    assert seeds.kind == "seed_directory"
    assert seeds.resolved_path().is_dir()
    assert sorted(p.name for p in seeds.resolved_path().glob("*.txt"))[0].startswith("000_")


@pytest.mark.parametrize("body, message", [
    ("sources:\n  - {name: a, kind: feed}\n", "needs `url`"),
    ("sources:\n  - {name: a, kind: sitemap, url: 'https://x.org/s.xml'}\n"
     "  - {name: a, kind: feed, url: 'https://x.org/f'}\n", "duplicate source names: a"),
    ("sources:\n  - {name: 'Bad Name', kind: feed, url: 'https://x.org/f'}\n", "name"),
    ("sources:\n  - {name: a, kind: carrier_pigeon, url: 'https://x.org/f'}\n", "kind"),
    ("sources:\n  - {name: a, kind: feed, url: 'https://x.org/f', politeness: {host_delay_s: -1}}\n",
     "host_delay_s"),
    ("sources: [\n", "not valid YAML"),
])
def test_bad_registries_are_refused_with_the_reason(tmp_path: Path, body, message):
    path = tmp_path / "sources.yml"
    path.write_text(body)
    with pytest.raises(ValueError, match=message) as error:
        load_registry(path)
    assert str(path) in str(error.value)
