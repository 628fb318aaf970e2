import pytest

from pipeline.nlp.model import load_model, model_version


def test_default_model_is_the_small_english_pipeline_with_the_alias_ruler(nlp):
    assert "core_web_sm" in model_version(nlp) and model_version(nlp).endswith("3.8.0")
    assert nlp.pipe_names.index("entity_ruler") < nlp.pipe_names.index("ner")
    assert "senter" not in nlp.pipe_names


def test_model_name_is_configurable_and_unknown_names_fail_clearly(monkeypatch):
    monkeypatch.setenv("SPACY_MODEL", "no_such_model_xx")
    with pytest.raises(OSError, match="no_such_model_xx"):
        load_model()


def test_known_names_get_their_curated_label(nlp):
    doc = nlp("Mindful of the growth of the threat posed by ISIL there is a need now. It is what it IS.")
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels.get("ISIL") == "ORG"
    assert "is" not in {e.text for e in doc.ents}
