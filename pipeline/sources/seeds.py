"""Seed files: list, read and decode them, and read one into a ParsedArticle.

Seeds are messy text dumps of news pages (plain text or markdown). The reader works on kinds of
lines (navigation bullets, captions, datelines, date lines, comment counters...), never on
particular files. No database, no Airflow: plain functions over bytes and text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.records import ParsedArticle, RawDocument, RejectedDocument

READER_VERSION = "1.0"
EXTRACTOR = "seed-reader"

SEED_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})

# Share of control characters (other than \t \n \r \f) above which decoded text is called binary.
BINARY_CONTROL_SHARE = 0.05
# A "title" longer than this is a paragraph, not a title.
MAX_TITLE_CHARS = 300
# A standfirst is a short line; a caption or label before the body is shorter still.
STANDFIRST_WORDS = (4, 60)
HEAD_LABEL_MAX_WORDS = 12

_BOM = b"\xef\xbb\xbf"


# --- files ----------------------------------------------------------------------------------------


def list_seed_files(directory: Path) -> list[Path]:
    """Regular .txt/.md/.markdown files (any case) directly in `directory`, hidden ones skipped, by name."""
    files = [
        path for path in Path(directory).iterdir()
        if not path.name.startswith(".") and path.suffix.lower() in SEED_SUFFIXES and path.is_file()
    ]
    return sorted(files, key=lambda path: path.name)


def read_seed_file(path: Path, *, source: str, max_bytes: int) -> RawDocument:
    """The file's bytes as a RawDocument; a file over `max_bytes` is rejected without being read.

    OSError (missing file, no permission) propagates: that is a problem of the directory, not of
    the document.
    """
    if max_bytes < 0:
        raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise RejectedDocument(_too_large(path.name, size, max_bytes), code="too_large")
    with path.open("rb") as handle:
        content = handle.read(max_bytes + 1)  # guard: the file may have grown since stat()
    if len(content) > max_bytes:
        raise RejectedDocument(_too_large(path.name, len(content), max_bytes, at_least=True), code="too_large")
    media_type = "text/markdown" if path.suffix.lower() in MARKDOWN_SUFFIXES else "text/plain"
    return RawDocument(source=source, uri=path.name, content=content, media_type=media_type)


def _too_large(name: str, size: int, limit: int, *, at_least: bool = False) -> str:
    qualifier = "at least " if at_least else ""
    return f"{name} is {qualifier}{size} bytes, over the limit of {limit} bytes; not read"


def decode_text(content: bytes) -> str:
    """Strict UTF-8 text with the BOM removed and line endings normalised to \\n."""
    if not content:
        raise RejectedDocument("the document is empty (0 bytes)", code="empty")
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise RejectedDocument("not UTF-8: starts with a UTF-16 byte-order mark at byte offset 0", code="not_utf8")
    if b"\x00" in content:
        offset = content.index(b"\x00")
        raise RejectedDocument(f"binary content: NUL byte at byte offset {offset}; not a text file", code="binary")
    skipped = len(_BOM) if content.startswith(_BOM) else 0
    try:
        text = content[skipped:].decode("utf-8", errors="strict")
    except UnicodeDecodeError as error:
        offset = error.start + skipped
        bad = content[offset:offset + 1].hex()
        raise RejectedDocument(
            f"not valid UTF-8: byte 0x{bad} at byte offset {offset} ({error.reason})", code="not_utf8"
        ) from error
    controls = sum(1 for char in text if char not in "\t\n\r\f" and unicodedata.category(char) == "Cc")
    if controls and controls / len(text) > BINARY_CONTROL_SHARE:
        raise RejectedDocument(
            f"binary content: {controls} of {len(text)} characters are control characters", code="binary"
        )
    if not text.strip():
        raise RejectedDocument(f"the document has only whitespace ({len(content)} bytes)", code="empty")
    return _normalise_newlines(text)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")


# --- line kinds -----------------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
_BULLET_CHARS = "•·▪◦‣►▶"
_MONTH = (r"(?i:january|february|march|april|may|june|july|august|september|october|november|december"
          r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)")
_MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
    ("november", "nov"), ("december", "dec")), start=1) for name in names}
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
             "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"}
# Words that may sit next to a date on a date line ("Thursday, May 21, 2015 at 10:32 am GMT").
_DATE_LINE_WORDS = _WEEKDAYS | set(_MONTHS) | {
    "at", "on", "am", "pm", "a", "m", "gmt", "utc", "z", "t", "bst", "cet", "cest", "est", "edt", "pst", "pdt",
    "msk", "ist", "local", "time", "updated", "last", "of", "th", "st", "nd", "rd"}

# Full dates: these are the only ones the reader turns into published_at (a year is required).
_DATE_MDY = re.compile(rf"\b(?P<m>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b")
_DATE_DMY = re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m>{_MONTH})\.?,?\s+(?P<y>\d{{4}})\b")
_DATE_ISO = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?![\d-])")
_DATE_NO_YEAR = re.compile(rf"\b(?:{_MONTH}\.?\s+\d{{1,2}}|\d{{1,2}}\s+{_MONTH})\b")
_DATE_PREFIX = re.compile(
    r"^(?:first\s+|last\s+)?(?:published|updated|modified|posted|date|dated)\b\s*(?:on\b|at\b)?\s*:?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)

_URL = r"https?://[^\s<>()\[\]]+"
_URL_ONLY = re.compile(rf"^(?:<(?P<a>{_URL})>|\[[^\]]*\]\((?P<b>{_URL})\)|(?P<c>{_URL}))[.,;]?$")
_URL_LABEL = re.compile(
    r"^(?:original\s+(?:url|link|article|source)|source(?:\s+(?:url|link))?|canonical(?:\s+url)?|url)"
    r"\s*:\s*(?P<rest>.*)$",
    re.IGNORECASE,
)

_BREADCRUMB_SEPARATOR = re.compile(r"\s+[>»›]\s+")
_CAPTION = re.compile(
    r"^(?:photo|image|picture|photograph|photo credit|credit|caption)s?\s*:|\|\s*(?:photo|image|credit)s?\s*:",
    re.IGNORECASE,
)
_RELATED = re.compile(
    r"^(?:related(?:\s+(?:articles?|stories|content|news|coverage))?|read\s+more|read\s+also|also\s+read|see\s+also"
    r"|more\s+on\s+this(?:\s+story)?|recommended|further\s+reading|watch|listen)(?:\s*:|\s+[-–—]\s|$)",
    re.IGNORECASE,
)
_COMMENTS = re.compile(
    r"^(?:\d+|comments?|\d+\s+comments?|comments?\s*[:(]?\s*\d+\)?|no\s+comments(?:\s+yet)?"
    r"|(?:post|be\s+the\s+first|leave|add|write|show|view|hide|load|read|see)\b.{0,40}\bcomments?\b.{0,20})[.!]?$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"^[\W_]+$")
_SHARE_STRONG = {"facebook", "twitter", "google", "google+", "email", "e-mail", "print", "share", "tweet",
                 "whatsapp", "linkedin", "reddit", "telegram", "pinterest", "vk", "flipboard"}
_SHARE_WORDS = _SHARE_STRONG | {"plus", "mail", "x", "copy", "link", "this", "article", "story", "on", "via",
                                "sms", "messenger", "pocket", "the", "page"}
# Section labels and page furniture that stand alone on a line.
_SECTION_LABELS = {
    "opinion", "analysis", "news", "world", "world news", "politics", "business", "economy", "sport", "sports",
    "culture", "editorial", "feature", "features", "breaking", "breaking news", "exclusive", "video", "videos",
    "live", "live updates", "audio", "audio only", "advertisement", "advert", "sponsored", "sponsored content",
    "latest", "latest news", "most read", "trending", "top stories", "menu", "search", "home", "subscribe",
    "sign in", "log in", "newsletter", "more",
}

# Datelines: "MOSCOW:", "ROME, 11 December.", "WASHINGTON (Reuters) -", "LONDON —", "ATLANTA --".
_CAPS_WORD = r"[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’.\-]+"
_TITLE_WORD = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’\-]+"
_DATELINE = re.compile(
    rf"^(?P<dateline>(?P<place>{_CAPS_WORD}(?:\s{_CAPS_WORD}){{0,3}}|{_TITLE_WORD}(?:\s{_TITLE_WORD}){{0,2}})"
    rf"(?P<region>,\s[A-Z][A-Za-z.]+(?:\s[A-Z][A-Za-z.]+)?(?=\s*(?:[,(/:]|--|[-—–])))?"
    rf"(?P<date>,?\s(?:\d{{1,2}}(?:st|nd|rd|th)?\s{_MONTH}\.?|{_MONTH}\.?\s\d{{1,2}}(?:st|nd|rd|th)?)(?:,?\s\d{{4}})?)?"
    rf"(?P<agency>\s?\([^()]{{1,40}}\)|\s?/[A-Za-z\-]{{2,20}}/)?)"
    rf"\s*(?P<end>:|--|[—–]|-(?=\s|$)|\.(?=\s|$))\s*"
)
_NOT_PLACES = {"RELATED", "READ MORE", "UPDATE", "UPDATED", "BREAKING", "BREAKING NEWS", "EXCLUSIVE", "WATCH",
               "VIDEO", "PHOTOS", "ANALYSIS", "OPINION", "EDITOR'S NOTE", "EDITOR’S NOTE", "NOTE", "FILE",
               "CORRECTION", "ADVERTISEMENT", "LISTEN", "LIVE", "WARNING", "SPOILER", "FAQ", "Q", "A"}

_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_CONTINUES = re.compile(r"^[\"'“‘«(]?[a-zß-öø-ÿ]")


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _words(text: str) -> list[str]:
    return text.split()


def _to_date(year: str, month: str, day: str) -> date | None:
    number = int(month) if month.isdigit() else _MONTHS.get(month.lower())
    try:
        return date(int(year), number, int(day)) if number else None
    except ValueError:  # 31 February and the like
        return None


def find_full_date(text: str) -> date | None:
    """The first date in `text` that names day, month and a 4-digit year (ISO or month-name forms)."""
    found = [(match.start(), match) for pattern in (_DATE_ISO, _DATE_MDY, _DATE_DMY)
             for match in pattern.finditer(text)]
    for _, match in sorted(found, key=lambda item: item[0]):
        value = _to_date(match["y"], match["m"], match["d"])
        if value is not None:
            return value
    return None


@dataclass(frozen=True)
class _DateLine:
    value: date | None
    updated: bool


def _date_line(text: str) -> _DateLine | None:
    """A line that only states a date ("May 21, 2015", "Published 1 October 2015", "2015-10-01")."""
    prefix = _DATE_PREFIX.match(text)
    rest = prefix["rest"] if prefix else text
    tokens = re.findall(r"[^\W\d_]+|\d+", rest.lower())
    if not tokens or any(not token.isdigit() and token not in _DATE_LINE_WORDS for token in tokens):
        return None
    has_digit = any(token.isdigit() for token in tokens)
    has_month = any(token in _MONTHS for token in tokens)
    if not has_digit or not (prefix or has_month or _DATE_ISO.search(rest)):
        return None
    if not prefix and not (_DATE_ISO.search(rest) or _DATE_MDY.search(rest) or _DATE_DMY.search(rest)
                           or _DATE_NO_YEAR.search(rest)):
        return None
    updated = bool(prefix) and bool(re.match(r"(?:last\s+)?(?:updated|modified)", text, re.IGNORECASE))
    return _DateLine(find_full_date(rest), updated)


def _url_only(text: str) -> str | None:
    match = _URL_ONLY.match(text.strip())
    return (match["a"] or match["b"] or match["c"]) if match else None


def _is_share_line(text: str) -> bool:
    tokens = re.findall(r"[\w+\-]+", text.lower())
    return 0 < len(tokens) <= 8 and all(t in _SHARE_WORDS for t in tokens) and any(t in _SHARE_STRONG for t in tokens)


def _is_breadcrumb(text: str) -> bool:
    parts = _BREADCRUMB_SEPARATOR.split(text)
    return len(parts) >= 2 and all(
        0 < len(part.split()) <= 4 and not re.search(r"[.!?]$", part) for part in parts)


def _label_key(text: str) -> str:
    return text.lower().strip().rstrip(":").strip()


@dataclass
class _Unit:
    """One line of plain text, or one markdown paragraph (its soft-wrapped lines joined)."""

    text: str
    block: int
    raw: str = ""  # the text before markdown markup is stripped (links keep their URL)
    lines: int = 1
    heading: int = 0  # markdown heading level, 0 for none
    bullet: bool = False  # starts with a bullet character such as "•"
    list_item: bool = False  # markdown "- ", "* ", "1. " item
    link_only: bool = False  # markdown item that is only a link


def _boilerplate_kind(unit: _Unit) -> str | None:
    """What kind of page furniture a unit is, or None when it may be article text."""
    text = unit.text
    if unit.bullet:
        return "bullet line"
    if unit.list_item and unit.link_only:
        return "navigation link"
    if _SEPARATOR.match(text):
        return "separator"
    if _is_breadcrumb(text):
        return "breadcrumb"
    if _is_share_line(text):
        return "share button"
    if _CAPTION.search(text):
        return "photo caption"
    if _RELATED.match(text):
        return "related link"
    if _COMMENTS.match(text):
        return "comment counter"
    if _label_key(text) in _SECTION_LABELS:
        return "section label"
    return None


def _dateline(text: str) -> tuple[str, str] | None:
    """(dateline, rest of the text) when `text` starts with a dateline."""
    match = _DATELINE.match(text)
    if not match:
        return None
    place = match["place"]
    caps = place.upper() == place
    if place.strip(" .") in _NOT_PLACES or len(place.replace(".", "")) < 2:
        return None
    # A title-case place ("Rome, 11 December.") counts only with a date; a full stop only after a date
    # or an agency ("MOSCOW. Russia" is too weak).
    if not caps and not match["date"]:
        return None
    if match["end"] == "." and not (match["date"] or match["agency"]):
        return None
    rest = text[match.end():].strip()
    return _collapse(match["dateline"]).rstrip(" ,"), rest


def _dateline_only(text: str) -> bool:
    found = _dateline(text)
    return found is not None and not found[1]


# --- markdown -------------------------------------------------------------------------------------

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_MD_LIST = re.compile(r"^(?:[-*+]|\d{1,3}[.)])\s+(?P<rest>\S.*)$")
_MD_SETEXT = re.compile(r"^(?:=+|-+)$")
_MD_INLINE = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images carry no article text
    (re.compile(r"\[([^\]]+)\]\((?:[^)\s]+)(?:\s+\"[^\"]*\")?\)"), r"\1"),
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),
    (re.compile(r"\*\*(.+?)\*\*"), r"\1"),
    (re.compile(r"__(.+?)__"), r"\1"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>])"), r"\1"),
)


def strip_markdown(text: str) -> str:
    """Inline markdown (links, emphasis, code, escapes, heading marks) reduced to its text."""
    heading = _MD_HEADING.match(text.strip())
    if heading:
        text = heading[2]
    for pattern, replacement in _MD_INLINE:
        text = pattern.sub(replacement, text)
    return _collapse(text)


def _is_markdown(text: str, uri: str) -> bool:
    return Path(uri).suffix.lower() in MARKDOWN_SUFFIXES or bool(re.search(r"(?m)^#{1,6}\s+\S", text))


def _standalone(unit: _Unit) -> bool:
    """Lines that are never soft-wrapped parts of a markdown paragraph."""
    text = unit.text
    return bool(unit.heading or unit.bullet or unit.list_item or _boilerplate_kind(unit) or _date_line(text)
                or _URL_LABEL.match(unit.raw) or _url_only(unit.raw) or _dateline_only(text))


def _units(text: str, markdown: bool) -> list[_Unit]:
    units: list[_Unit] = []
    lines = text.split("\n")
    block = 0
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            block += 1
            continue
        if markdown and _MD_SETEXT.match(stripped) and units and units[-1].block == block and units[-1].lines == 1:
            units[-1].heading = 1 if stripped[0] == "=" else 2  # setext underline: the line above is a heading
            continue
        unit = _Unit(text=_collapse(stripped), block=block, raw=_collapse(stripped))
        if stripped[0] in _BULLET_CHARS and (len(stripped) == 1 or stripped[1].isspace()):
            unit.bullet, unit.text = True, _collapse(stripped[1:])
        elif markdown and (heading := _MD_HEADING.match(stripped)):
            unit.heading, unit.text = len(heading[1]), heading[2]
        elif markdown and (item := _MD_LIST.match(stripped)):
            unit.list_item, unit.text = True, item["rest"]
            unit.link_only = bool(re.fullmatch(r"\[[^\]]*\]\([^)]*\)", item["rest"].strip()))
        if markdown:
            unit.raw, unit.text = unit.text, strip_markdown(unit.text)
            if not unit.text:
                continue
            previous = units[-1] if units else None
            if (previous and previous.block == block and not _standalone(previous) and not _standalone(unit)):
                previous.text = f"{previous.text} {unit.text}"
                previous.raw = f"{previous.raw} {unit.raw}"
                previous.lines += 1
                continue
        units.append(unit)
    return units


# --- the reader -----------------------------------------------------------------------------------


def _norm_key(text: str) -> str:
    return _collapse(text).lower().rstrip(".!?…\"'”’ ")


class _Reader:
    def __init__(self, units: list[_Unit], *, uri: str, markdown: bool, today: date) -> None:
        self.units = units
        self.uri = uri
        self.markdown = markdown
        self.today = today
        self.notes: list[str] = []
        self.dropped: Counter[str] = Counter()
        self.dates: list[tuple[date, bool, str]] = []  # (value, from an "updated" line, where)
        self.url: str | None = None
        self.dateline: str | None = None
        self.standfirst: str | None = None
        self.title: str | None = None
        self.paragraphs: list[str] = []

    # Each handler returns how many units it consumed (0: not its kind).

    def _take_url(self, index: int) -> int:
        unit = self.units[index]
        label = _URL_LABEL.match(unit.raw)
        if not label:
            return 0
        rest = label["rest"].strip()
        if rest:
            url = _url_only(rest)
            if url is None:
                return 0  # "Source: Reuters" is an attribution, not a link
            self._set_url(url)
            return 1
        following = self.units[index + 1] if index + 1 < len(self.units) else None
        url = _url_only(following.raw) if following else None
        if url is None:
            self.notes.append(f"dropped a {unit.text!r} line with no URL after it")
            return 1
        self._set_url(url)
        return 2

    def _set_url(self, url: str) -> None:
        if self.url is None:
            self.url = url
        elif url != self.url:
            self.notes.append(f"ignored a second source URL {url}")

    def _take_date_line(self, unit: _Unit) -> bool:
        found = _date_line(unit.text)
        if found is None:
            return False
        self.dropped["date line"] += 1
        if found.value is None:
            self.notes.append(f"date line {unit.text!r} gives no full date with a year; not used")
        else:
            self.dates.append((found.value, found.updated, f"date line {unit.text!r}"))
        return True

    def _drop_boilerplate(self, unit: _Unit) -> bool:
        kind = _boilerplate_kind(unit)
        if kind:
            self.dropped[kind] += 1
        return kind is not None

    def _skippable(self, index: int) -> int:
        """Units consumed as URL, furniture or date line at `index` (0 when it is text)."""
        taken = self._take_url(index)
        if taken:
            return taken
        unit = self.units[index]
        if self._drop_boilerplate(unit) or self._take_date_line(unit):
            return 1
        return 0

    def _title_index(self) -> int | None:
        headings = [i for i, unit in enumerate(self.units) if unit.heading]
        if headings:
            level_one = [i for i in headings if self.units[i].heading == 1]
            return (level_one or headings)[0]
        for index, unit in enumerate(self.units):
            if (unit.list_item or _boilerplate_kind(unit) or _date_line(unit.text) or _URL_LABEL.match(unit.raw)
                    or _url_only(unit.raw) or _dateline_only(unit.text)):
                continue
            return index
        return None

    def _next_text_index(self, index: int) -> int | None:
        """The next unit after `index` that is not furniture, a date line or a URL (read-only look-ahead)."""
        for later in range(index + 1, len(self.units)):
            unit = self.units[later]
            if not (_boilerplate_kind(unit) or _date_line(unit.text) or _URL_LABEL.match(unit.raw)
                    or _url_only(unit.raw)):
                return later
        return None

    def _is_standfirst(self, index: int) -> bool:
        """A short line between title and body that summarises the article.

        It must read like a sentence (not a name-only caption) and show one sign of being apart from
        the body: a dateline follows it, it has no final punctuation (a subtitle) while the next
        paragraph is not its continuation, or its text comes again further down (a summary).
        A markdown sub-heading right under the title is a subtitle as well.
        """
        unit = self.units[index]
        if unit.heading > 1:
            return True
        words = _words(unit.text)
        if unit.lines != 1 or unit.list_item or not STANDFIRST_WORDS[0] <= len(words) <= STANDFIRST_WORDS[1]:
            return False
        if sum(1 for word in words if word[:1].islower()) < 2:
            return False
        following = self._next_text_index(index)
        if following is not None and _dateline(self.units[following].text):
            return True
        if following is None:
            return False  # the only paragraph is the body
        if not _SENTENCE_END.search(unit.text) and not _CONTINUES.match(self.units[following].text):
            return True
        key = _norm_key(unit.text)
        return any(_norm_key(other.text) == key for other in self.units[index + 1:])

    def _is_head_label(self, index: int) -> bool:
        """A short line with no sentence punctuation before the body: a caption, a name, a byline.

        Not when the next paragraph continues it in lower case: then it is a broken first paragraph.
        """
        text = self.units[index].text
        if len(_words(text)) > HEAD_LABEL_MAX_WORDS or _SENTENCE_END.search(text):
            return False
        following = self._next_text_index(index)
        return following is None or not _CONTINUES.match(self.units[following].text)

    def read(self) -> None:
        title_index = self._title_index()
        if title_index is None:
            return
        index = 0
        while index < title_index:  # before the title: keep dates and URLs, drop the rest
            taken = self._skippable(index)
            if not taken:
                self.notes.append(f"dropped text before the title: {self.units[index].text[:80]!r}")
                taken = 1
            index += taken
        self.title = strip_markdown(self.units[title_index].text)
        index = title_index + 1
        in_head = True
        while index < len(self.units):
            taken = self._skippable(index)
            if taken:
                index += taken
                continue
            unit = self.units[index]
            index += 1
            if unit.heading and not in_head:
                self.paragraphs.append(unit.text)  # a sub-heading inside the body
                continue
            if in_head:
                found = _dateline(unit.text)
                if found:
                    self.dateline, rest = found
                    in_head = False
                    if rest:
                        self.paragraphs.append(rest)
                    continue
                if self.standfirst is None and self._is_standfirst(index - 1):
                    self.standfirst = unit.text
                    continue
                if self._is_head_label(index - 1):
                    self.notes.append(f"dropped a short line before the body (caption or label): {unit.text!r}")
                    continue
                in_head = False
            self.paragraphs.append(unit.text)

    def published_at(self) -> date | None:
        if self.dateline and (value := find_full_date(self.dateline)):
            self.dates.append((value, False, f"dateline {self.dateline!r}"))
        elif self.dateline and _DATE_NO_YEAR.search(self.dateline):
            self.notes.append(f"dateline {self.dateline!r} has no year; publication date not inferred from it")
        usable = []
        for value, updated, where in self.dates:
            if value > self.today:
                self.notes.append(f"dropped date {value.isoformat()} from {where}: later than {self.today.isoformat()}")
            else:
                usable.append((updated, value))
        if not usable:
            self.notes.append("no publication date with a year in the text")
            return None
        published = [value for updated, value in usable if not updated]
        return (published or [value for _, value in usable])[0]


def _join_broken(paragraphs: list[str], notes: list[str]) -> list[str]:
    """Join a paragraph cut mid-sentence to the next one when that starts in lower case."""
    joined: list[str] = []
    for paragraph in paragraphs:
        if joined and not _SENTENCE_END.search(joined[-1]) and _CONTINUES.match(paragraph):
            joined[-1] = f"{joined[-1]} {paragraph}"
            notes.append(f"joined a paragraph broken mid-sentence to the next one, {paragraph[:40]!r}...")
            continue
        joined.append(paragraph)
    return joined


def _drop_repeats(paragraphs: list[str], notes: list[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for paragraph in paragraphs:
        if paragraph in seen:
            continue
        seen.add(paragraph)
        kept.append(paragraph)
    if len(kept) < len(paragraphs):
        notes.append(f"dropped {len(paragraphs) - len(kept)} repeated paragraph(s)")
    return kept


def parse_seed_text(text: str, *, uri: str, today: date | None = None) -> ParsedArticle:
    """Read one decoded seed text into an article: title, standfirst, dateline, date, URL and clean body."""
    text = _normalise_newlines(text).lstrip("\ufeff")
    markdown = _is_markdown(text, uri)
    reader = _Reader(_units(text, markdown), uri=uri, markdown=markdown, today=today or date.today())
    reader.read()
    if not reader.title:
        raise RejectedDocument(f"{uri}: no article: no title line found", code="no_article")
    if len(reader.title) > MAX_TITLE_CHARS:
        raise RejectedDocument(
            f"{uri}: no article: the first line is {len(reader.title)} characters long, a paragraph rather than "
            f"a title (limit {MAX_TITLE_CHARS})", code="no_article")
    notes = reader.notes
    paragraphs = [_collapse(p) for p in reader.paragraphs if _collapse(p)]
    paragraphs = _drop_repeats(_join_broken(paragraphs, notes), notes)
    if not paragraphs:
        raise RejectedDocument(
            f"{uri}: no article: no body text left after the title {reader.title[:80]!r}", code="no_article")
    published_at = reader.published_at()
    if reader.dropped:
        kinds = ", ".join(f"{kind} x{count}" for kind, count in sorted(reader.dropped.items()))
        notes.append(f"removed lines: {kinds}")
    return ParsedArticle(
        title=reader.title,
        body="\n\n".join(paragraphs),
        standfirst=reader.standfirst,
        dateline=reader.dateline,
        published_at=published_at,
        url=reader.url,
        extractor=EXTRACTOR,
        extractor_version=READER_VERSION,
        notes=tuple(notes),
    )
