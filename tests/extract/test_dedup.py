from pipeline.extract import dedup
from tests.extract.test_html import STORY

TEXT = "\n\n".join(STORY)


def test_the_same_words_are_the_same_body_whatever_the_spacing_and_case():
    assert dedup.body_sha256(TEXT) == dedup.body_sha256(TEXT.upper().replace("\n\n", "  "))
    assert dedup.body_sha256(TEXT) != dedup.body_sha256(TEXT + " More.")


def test_near_duplicates_score_high_and_other_texts_low():
    edited = TEXT.replace("400 million", "410 million") + "\n\nThis article was republished with permission."
    other = "Heavy snow closed the mountain pass for the third time this week, stranding hundreds of lorries. " * 3
    sig = dedup.signature(TEXT)
    assert dedup.similarity(sig, dedup.signature(edited)) >= dedup.NEAR_DUPLICATE
    assert dedup.similarity(sig, dedup.signature(other)) < 0.2
    shared = set(dedup.bands(sig)) & set(dedup.bands(dedup.signature(edited)))
    assert shared, "near-duplicates must share an LSH band to be found"
    assert not set(dedup.bands(sig)) & set(dedup.bands(dedup.signature(other)))


def test_the_canonical_copy_is_the_seed_then_the_earliest_published(clean_dsn):
    from datetime import date

    from pipeline.extract.documents import set_aside_duplicates
    from pipeline.load import warehouse

    def row(doc, key, html, published, body=TEXT):
        return {"document_id": doc, "article_key": key, "body": body, "html": html, "published_at": published}

    later, earlier = date(2015, 5, 22), date(2015, 5, 21)
    copy = TEXT + "\n\nThis story was first published elsewhere."
    with warehouse.connect(clean_dsn) as conn:
        kept, fingerprints, duplicates = set_aside_duplicates(conn, [
            row(1, "https://a.example/1", True, later), row(2, "https://b.example/1", True, earlier, copy)])
        assert [r["article_key"] for r in kept] == ["https://b.example/1"]
        assert duplicates[0][:4] == (1, "https://b.example/1", "https://a.example/1", "minhash")
        assert [f[1] for f in fingerprints] == ["https://b.example/1"]

        kept, _, duplicates = set_aside_duplicates(conn, [
            row(1, "https://a.example/1", True, earlier), row(2, "https://a.example/1", False, None)])
        assert [r["document_id"] for r in kept] == [2]  # the seed's text, though newer and undated
        assert duplicates == [(1, "https://a.example/1", "https://a.example/1", "url", 1.0)]


def test_the_batch_match_is_the_first_earlier_article_a_pairwise_scan_would_find():
    import random

    import numpy as np

    from pipeline.extract.documents import _first_batch_match

    rng = random.Random(7)
    base = [[rng.randrange(2**32) for _ in range(dedup.NUM_PERM)] for _ in range(5)]

    def variant(sig, changed):  # a signature that differs from `sig` in `changed` positions
        out = list(sig)
        for i in rng.sample(range(dedup.NUM_PERM), changed):
            out[i] = rng.randrange(2**32)
        return out

    keys = [f"k{i}" for i in range(12)]
    sigs = [variant(base[i % 5], rng.choice([0, 5, 12, 13, 30])) for i in range(12)]
    shas = [f"sha{i % 4}" if i % 3 == 0 else f"own{i}" for i in range(12)]
    probe, probe_sha = variant(base[2], 6), "sha0"

    def pairwise():
        for key, sig, sha in zip(keys, sigs, shas):
            if sha == probe_sha:
                return key, "exact", 1.0
            if dedup.similarity(probe, sig) >= dedup.NEAR_DUPLICATE:
                return key, "minhash", dedup.similarity(probe, sig)
        return None

    expected = pairwise()
    assert expected is not None
    assert _first_batch_match(keys, shas, np.array(sigs, dtype=np.uint64), probe_sha, probe) == expected
    assert _first_batch_match([], [], np.empty((0, dedup.NUM_PERM), dtype=np.uint64), "x", probe) is None
    unrelated = [rng.randrange(2**32) for _ in range(dedup.NUM_PERM)]
    assert _first_batch_match(keys, shas, np.array(sigs, dtype=np.uint64), "none", unrelated) is None
