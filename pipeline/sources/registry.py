"""The sources registry: sources.yml, validated, one entry per source with its kind and politeness."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.config import PROJECT_ROOT

REGISTRY_PATH = PROJECT_ROOT / "sources.yml"
SourceKind = Literal["seed_directory", "url_list", "feed", "sitemap"]


class Politeness(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host_delay_s: float = Field(1.0, ge=0)
    max_concurrency_per_host: int = Field(2, ge=1, le=16)
    respect_robots: bool = True
    user_agent: str | None = None


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    kind: SourceKind
    path: str | None = None  # seed_directory (relative to the project) or url_list file
    urls: list[str] = Field(default_factory=list)  # url_list given inline
    url: str | None = None  # feed or sitemap address
    enabled: bool = True
    fetch_original_urls: bool = False  # seeds: also fetch their "Original url"
    politeness: Politeness = Field(default_factory=Politeness)

    @model_validator(mode="after")
    def _has_its_location(self) -> "Source":
        needs = {"seed_directory": self.path, "feed": self.url, "sitemap": self.url,
                 "url_list": self.path or self.urls}
        if not needs[self.kind]:
            field = {"seed_directory": "path", "feed": "url", "sitemap": "url", "url_list": "path or urls"}
            raise ValueError(f"a {self.kind} source needs `{field[self.kind]}`")
        return self

    def resolved_path(self, root: Path = PROJECT_ROOT) -> Path | None:
        if self.path is None:
            return None
        path = Path(self.path)
        return path if path.is_absolute() else root / path


class Registry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    sources: list[Source]

    @model_validator(mode="after")
    def _unique_names(self) -> "Registry":
        names = [s.name for s in self.sources]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate source names: {', '.join(duplicates)}")
        return self

    def get(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(f"no source named {name!r} in the registry")


def load_registry(path: Path = REGISTRY_PATH) -> Registry:
    """Read and validate the registry; errors name the file and the bad field."""
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: not valid YAML: {error}") from error
    try:
        return Registry.model_validate(data)
    except ValidationError as error:
        raise ValueError(f"{path}: {error}") from error
