import pytest

from pipeline.nlp.model import load_model


@pytest.fixture(scope="session")
def nlp():
    return load_model()
