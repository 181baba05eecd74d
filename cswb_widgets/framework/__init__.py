"""Ontario's CSWB Planning Framework as typed, immutable data.

Everything the workbooks need to know about the framework (planning areas, required
advisory-committee seats, the risk-factor catalogue, logic-model levels, ...) lives in
``data/reference/framework.toml``. This module reads that file once, checks it, and returns a
:class:`Catalogue`::

    >>> from cswb_widgets.framework import load_catalogue
    >>> catalogue = load_catalogue()
    >>> catalogue.name_of("planning_areas", "prevention")
    'Prevention'
    >>> catalogue.approach_area("coping_supports")
    'prevention'
    >>> catalogue.suggest_categories("eviction and rent increases")
    ['housing']
    >>> load_catalogue("fr").name_of("planning_areas", "prevention")
    'Prévention'

The catalogue has one tuple per list in the file, in file order (``catalogue.seats``,
``catalogue.risk_categories``, ...), and ``catalogue.plan_rules``. Keys are stable identifiers
stored in workspaces; names and descriptions are display text.

**Languages.** Each display text has its French beside it in the file (``name_fr`` next to
``name``; the same for every text field of :data:`TRANSLATED_FIELDS`). ``load_catalogue()``
returns the catalogue in the current language of :mod:`cswb_widgets.i18n` (a French kernel gets
French names); ``load_catalogue("en")`` asks for one. French keywords (``keywords_fr``) are
not translations of the English ones but words French speakers write; tag suggestions use both
lists whatever the language, because feedback is written in either.

Standard library only (and the language module), on purpose: analysts can import it from any
script or notebook, and it never drags in widgets, maps or the workspace store.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
import tomllib
import typing
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cswb_widgets.i18n import DEFAULT_LANGUAGE, LANGUAGES, current_language, normalize_language
from cswb_widgets.paths import reference_dir

__all__ = [
    "FRAMEWORK_FILE",
    "LIST_NAMES",
    "TRANSLATED_FIELDS",
    "Approach",
    "Catalogue",
    "Entry",
    "LogicModelLevel",
    "PlanRules",
    "PlanningArea",
    "ProtectiveDomain",
    "RiskCategory",
    "RiskQuestion",
    "Seat",
    "Stage",
    "TorSection",
    "UnknownKeyError",
    "catalogue_from_dict",
    "load_catalogue",
    "missing_translations",
    "read_catalogue",
]

FRAMEWORK_FILE = "framework.toml"


# --- Entry shapes ---------------------------------------------------------------------------
# Each list in the file holds entries of one shape. Every shape has `key` and `name`, so any
# list can fill a dropdown.


@dataclass(frozen=True)
class Entry:
    """An item of a simple closed list: sectors, roles, statuses, ..."""

    key: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class PlanningArea:
    key: str
    name: str
    description: str
    examples: tuple[str, ...]
    emphasis: bool  # True where most of a plan's effort should sit


@dataclass(frozen=True)
class Seat:
    """A seat the Community Safety and Policing Act, 2019 requires on the advisory committee."""

    key: str
    name: str
    description: str
    if_exists: bool  # required only if such a provider exists locally
    eligible_sectors: tuple[str, ...]  # sector keys whose organizations can fill the seat


@dataclass(frozen=True)
class TorSection:
    """A section of a group's terms of reference, with a question that helps write it."""

    key: str
    name: str
    prompt: str


@dataclass(frozen=True)
class RiskCategory:
    key: str
    name: str
    definition: str
    keywords: tuple[str, ...]  # lowercase words and phrases that suggest this category
    keywords_fr: tuple[str, ...] = ()  # the same in French: what French speakers write, not a translation


@dataclass(frozen=True)
class ProtectiveDomain:
    key: str
    name: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Approach:
    """How a risk is handled now (Tool 5), and the planning area that approach belongs to."""

    key: str
    name: str
    description: str
    planning_area: str


@dataclass(frozen=True)
class RiskQuestion:
    key: str
    question: str

    @property
    def name(self) -> str:
        return self.question


@dataclass(frozen=True)
class LogicModelLevel:
    key: str
    name: str
    description: str
    order: int  # position from inputs (1) to long-term outcomes


@dataclass(frozen=True)
class Stage:
    """One of the six workbooks."""

    key: str
    title: str
    concept: str
    tools: str
    guidance: str

    @property
    def name(self) -> str:
        return self.title


@dataclass(frozen=True)
class PlanRules:
    publication_days: int  # publish online within this many days of adoption
    review_years: int  # review at least this often


class UnknownKeyError(KeyError):
    """A key or list name that the catalogue does not have."""

    def __str__(self) -> str:
        # KeyError would show the message in quotes, as if it were the key itself.
        return str(self.args[0])


# --- The catalogue --------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """The whole framework. Build it with :func:`load_catalogue`.

    Its annotations are the file's schema: each ``tuple[Shape, ...]`` attribute is a list of
    that shape in ``framework.toml``.
    """

    planning_areas: tuple[PlanningArea, ...]
    success_factors: tuple[Entry, ...]
    cycle_stages: tuple[Entry, ...]
    sectors: tuple[Entry, ...]
    seats: tuple[Seat, ...]
    roles: tuple[Entry, ...]
    group_kinds: tuple[Entry, ...]
    community_kinds: tuple[Entry, ...]
    commitment_evidence_kinds: tuple[Entry, ...]
    tor_sections: tuple[TorSection, ...]
    engagement_methods: tuple[Entry, ...]
    consult_groups: tuple[Entry, ...]
    risk_categories: tuple[RiskCategory, ...]
    protective_domains: tuple[ProtectiveDomain, ...]
    current_approaches: tuple[Approach, ...]
    risk_questions: tuple[RiskQuestion, ...]
    logic_model_levels: tuple[LogicModelLevel, ...]
    measurement_columns: tuple[Entry, ...]
    evidence_strengths: tuple[Entry, ...]
    action_statuses: tuple[Entry, ...]
    milestone_kinds: tuple[Entry, ...]
    stages: tuple[Stage, ...]
    plan_rules: PlanRules

    def keys(self, list_name: str) -> tuple[str, ...]:
        """The keys of one list, in catalogue order."""
        return tuple(self._index_of(list_name))

    def get(self, list_name: str, key: str) -> Any:
        """The entry with ``key`` in ``list_name``; raises :class:`UnknownKeyError` (a KeyError)."""
        index = self._index_of(list_name)
        try:
            return index[key]
        except KeyError:
            close = difflib.get_close_matches(str(key), index, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise UnknownKeyError(
                f"{key!r} is not a key of {list_name}.{hint} Known keys: {', '.join(index)}."
            ) from None

    def name_of(self, list_name: str, key: str) -> str:
        """The display name of an entry (a stage's title, a risk question's question)."""
        return self.get(list_name, key).name

    def approach_area(self, approach_key: str) -> str:
        """The planning-area key that a current approach (Tool 5) belongs to."""
        return self.get("current_approaches", approach_key).planning_area

    def suggest_categories(self, text: str, limit: int = 3) -> list[str]:
        """Risk-category keys whose keywords occur in ``text``, most hits first.

        Matching is case-insensitive, on whole words, treats hyphens as spaces and allows a
        plural "s"/"es"; where keywords overlap the longest wins ("sexual assault" is sexual
        violence, not also physical violence). Ties keep catalogue order. Meant to pre-fill
        tags on engagement feedback for a person to confirm, not to classify on its own.
        """
        if limit < 0:
            raise ValueError(f"limit must be zero or more, not {limit}")
        pattern, category_of = self._keyword_matcher
        # Accents and case do not count: "Itinérance", "itinerance" and "ITINÉRANCE" are one word.
        hits = Counter(category_of[match.group(1)] for match in pattern.finditer(_normalize(text)))
        position = {key: index for index, key in enumerate(self.keys("risk_categories"))}
        ranked = sorted(hits, key=lambda key: (-hits[key], position[key]))
        return ranked[:limit]

    # Lookup structures are built on first use; cached_property writes to the instance
    # __dict__ directly, which a frozen dataclass allows.

    @functools.cached_property
    def _indexes(self) -> dict[str, dict[str, Any]]:
        return {name: {entry.key: entry for entry in getattr(self, name)} for name in LIST_NAMES}

    @functools.cached_property
    def _keyword_matcher(self) -> tuple[re.Pattern[str], dict[str, str]]:
        category_of = {
            _normalize(keyword): category.key
            for category in self.risk_categories
            for keyword in (*category.keywords, *category.keywords_fr)
        }
        return _keyword_pattern(category_of), category_of

    def _index_of(self, list_name: str) -> dict[str, Any]:
        try:
            return self._indexes[list_name]
        except KeyError:
            close = difflib.get_close_matches(str(list_name), LIST_NAMES, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise UnknownKeyError(
                f"{list_name!r} is not a list of the framework catalogue.{hint} "
                f"Lists: {', '.join(LIST_NAMES)}."
            ) from None


_CATALOGUE_HINTS = typing.get_type_hints(Catalogue)
# list name -> entry shape, taken from the annotations so the schema is written down once.
_LIST_SHAPES: dict[str, type] = {
    name: typing.get_args(hint)[0]
    for name, hint in _CATALOGUE_HINTS.items()
    if typing.get_origin(hint) is tuple
}
LIST_NAMES: tuple[str, ...] = tuple(_LIST_SHAPES)


# --- Loading --------------------------------------------------------------------------------


def load_catalogue(language: str | None = None) -> Catalogue:
    """The framework catalogue shipped with the package, in ``language`` (default: the current
    language of :mod:`cswb_widgets.i18n`), read and checked once per process and language."""
    return _shipped_catalogue(normalize_language(language or current_language()))


@functools.cache
def _shipped_catalogue(language: str) -> Catalogue:
    return read_catalogue(reference_dir() / FRAMEWORK_FILE, language)


def read_catalogue(path: Path, language: str = DEFAULT_LANGUAGE) -> Catalogue:
    """Read and check a framework file (not cached: for tests and for editing the file)."""
    return catalogue_from_dict(_read_toml(path), source=Path(path).name, language=language)


def _read_toml(path: Path) -> dict[str, Any]:
    path = Path(path)
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: {error}") from error


# The display texts of each shape; each may have its translation beside it (``name_fr``).
# Keys, cross-references, flags and keywords are not translated.
TRANSLATED_FIELDS: dict[type, tuple[str, ...]] = {
    Entry: ("name", "description"),
    PlanningArea: ("name", "description", "examples"),
    Seat: ("name", "description"),
    TorSection: ("name", "prompt"),
    RiskCategory: ("name", "definition"),
    ProtectiveDomain: ("name", "examples"),
    Approach: ("name", "description"),
    RiskQuestion: ("question",),
    LogicModelLevel: ("name", "description"),
    Stage: ("title", "concept", "tools", "guidance"),
}
TRANSLATIONS = tuple(language for language in LANGUAGES if language != DEFAULT_LANGUAGE)


def missing_translations(path: Path | None = None) -> list[str]:
    """Every display text of a framework file (default: the shipped one) that lacks a
    translation, as "list 'key': field_fr"; empty when the file is complete."""
    data = _read_toml(path or reference_dir() / FRAMEWORK_FILE)
    missing = []
    for list_name, shape in _LIST_SHAPES.items():
        for raw in data.get(list_name, ()):
            for field in TRANSLATED_FIELDS[shape]:
                for language in TRANSLATIONS:
                    translated = f"{field}_{language}"
                    if field in raw and not _has_text(raw.get(translated)):
                        missing.append(f"{list_name} {raw.get('key')!r}: {translated}")
    return missing


def _has_text(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and all(isinstance(item, str) and item.strip() for item in value)
    return isinstance(value, str) and bool(value.strip())


def _in_language(raw: Any, shape: type, language: str) -> Any:
    """An entry's table with each display text replaced by its translation into ``language``
    (the English stays where a translation is missing); translations are checked like the
    English, and a translated list must have as many items as the English one."""
    if not isinstance(raw, Mapping):
        return raw
    translated_names = {
        f"{field}_{other}" for field in TRANSLATED_FIELDS[shape] for other in TRANSLATIONS
    }
    result = {name: value for name, value in raw.items() if name not in translated_names}
    if language == DEFAULT_LANGUAGE:
        return result
    for field in TRANSLATED_FIELDS[shape]:
        translation = raw.get(f"{field}_{language}")
        if translation is None:
            continue
        if isinstance(raw.get(field), list) and (
            not isinstance(translation, list) or len(translation) != len(raw[field])
        ):
            raise ValueError(
                f"{raw.get('key')!r}: {field}_{language} must list as many items as {field}"
            )
        result[field] = translation
    return result


def catalogue_from_dict(
    data: Mapping[str, Any], source: str = FRAMEWORK_FILE, language: str = DEFAULT_LANGUAGE
) -> Catalogue:
    """Build a catalogue, in ``language``, from parsed TOML; ValueError naming ``source``, list
    and key if invalid."""
    language = normalize_language(language)
    expected = set(LIST_NAMES) | {"plan_rules"}
    unknown = sorted(set(data) - expected)
    if unknown:
        raise ValueError(f"{source}: unknown table(s) {', '.join(unknown)}")
    missing = [name for name in (*LIST_NAMES, "plan_rules") if name not in data]
    if missing:
        raise ValueError(f"{source}: missing table(s) {', '.join(missing)}")

    lists = {}
    for name, shape in _LIST_SHAPES.items():
        raw = data[name]
        where = f"{source}: {name}"
        if isinstance(raw, list):
            try:
                raw = [_in_language(item, shape, language) for item in raw]
            except ValueError as error:
                raise ValueError(f"{where}: {error}") from None
        lists[name] = _build_list(raw, shape, where)
    lists["logic_model_levels"] = _ordered_levels(lists["logic_model_levels"], source)
    plan_rules = _build_entry(PlanRules, data["plan_rules"], f"{source}: plan_rules")
    for field in dataclasses.fields(PlanRules):
        if getattr(plan_rules, field.name) <= 0:
            raise ValueError(f"{source}: plan_rules.{field.name} must be positive")

    catalogue = Catalogue(**lists, plan_rules=plan_rules)
    _check_references(catalogue, source)
    _check_keywords(catalogue, source)
    return catalogue


_KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


def _build_list(raw: Any, shape: type, where: str) -> tuple[Any, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}: expected a non-empty array of tables ([[...]])")
    entries = []
    seen: set[str] = set()
    for position, item in enumerate(raw, start=1):
        label = item.get("key") if isinstance(item, Mapping) else None
        named = f" ({label!r})" if label else ""
        entry = _build_entry(shape, item, f"{where} entry {position}{named}")
        if not _KEY_PATTERN.fullmatch(entry.key):
            raise ValueError(f"{where}: key {entry.key!r} must be snake_case (a-z, 0-9, _)")
        if entry.key in seen:
            raise ValueError(f"{where}: duplicate key {entry.key!r}")
        seen.add(entry.key)
        entries.append(entry)
    return tuple(entries)


def _build_entry(shape: type, raw: Any, where: str) -> Any:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: expected a table")
    fields = {field.name: field for field in dataclasses.fields(shape)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        # Catches typos such as `eligible_sector` that would otherwise vanish silently.
        raise ValueError(
            f"{where}: unknown field(s) {', '.join(unknown)}; expected {', '.join(fields)}"
        )
    hints = typing.get_type_hints(shape)
    values = {}
    for name, field in fields.items():
        if name in raw:
            values[name] = _checked_value(raw[name], hints[name], f"{where}: field {name!r}")
        elif field.default is dataclasses.MISSING:
            raise ValueError(f"{where}: missing field {name!r}")
    return shape(**values)


def _checked_value(value: Any, hint: Any, where: str) -> Any:
    if hint is str:
        if isinstance(value, str) and value.strip():
            return value
        raise ValueError(f"{where} must be non-empty text")
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise ValueError(f"{where} must be true or false")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ValueError(f"{where} must be a whole number")
    if hint == tuple[str, ...]:
        if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
            return tuple(value)
        raise ValueError(f"{where} must be a list of non-empty text")
    raise TypeError(f"{where}: no rule to check {hint!r}")  # a new shape needs a rule here


def _ordered_levels(
    levels: tuple[LogicModelLevel, ...], source: str
) -> tuple[LogicModelLevel, ...]:
    orders = [level.order for level in levels]
    if len(set(orders)) != len(orders):
        raise ValueError(f"{source}: logic_model_levels: orders must differ, got {orders}")
    return tuple(sorted(levels, key=lambda level: level.order))


def _check_references(catalogue: Catalogue, source: str) -> None:
    sectors = set(catalogue.keys("sectors"))
    for seat in catalogue.seats:
        for sector in seat.eligible_sectors:
            if sector not in sectors:
                raise ValueError(
                    f"{source}: seats {seat.key!r}: eligible sector {sector!r} "
                    "is not a key of sectors"
                )
    areas = set(catalogue.keys("planning_areas"))
    for approach in catalogue.current_approaches:
        if approach.planning_area not in areas:
            raise ValueError(
                f"{source}: current_approaches {approach.key!r}: planning area "
                f"{approach.planning_area!r} is not a key of planning_areas"
            )


def _check_keywords(catalogue: Catalogue, source: str) -> None:
    # Each keyword belongs to one category only, so a suggestion never depends on file order.
    owner: dict[str, str] = {}
    for category in catalogue.risk_categories:
        for keyword in (*category.keywords, *category.keywords_fr):
            where = f"{source}: risk_categories {category.key!r}: keyword {keyword!r}"
            if keyword != keyword.lower() or keyword != keyword.strip():
                raise ValueError(f"{where} must be lowercase without surrounding spaces")
            normalized = _normalize(keyword)
            if normalized in owner:
                also = owner[normalized]
                problem = "is listed twice" if also == category.key else f"is also in {also!r}"
                raise ValueError(f"{where} {problem}")
            owner[normalized] = category.key


# --- Keyword matching -----------------------------------------------------------------------

_HYPHENS = re.compile(r"[-\u2010\u2011\u2012\u2013\u2014_]+")
_SPACES = re.compile(r"\s+")


def _normalize(text: str) -> str:
    """Lowercase without accents; hyphens and runs of whitespace become one space; curly
    apostrophes straight."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("\u2019", "'"))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return _SPACES.sub(" ", _HYPHENS.sub(" ", text)).strip()


def _keyword_pattern(keywords: Iterable[str]) -> re.Pattern[str]:
    """One pattern for every keyword; group 1 is the keyword matched (normalized, singular)."""
    # Longest first, so the most specific keyword wins a stretch of text: "sexual assault" is
    # one hit for sexual violence, not also one for "assault" (physical violence).
    # The keywords as a trie ("drogue|drug" -> "dr(?:ogue|ug)"): one branch per letter, so the
    # engine no longer tries some 500 alternatives at every word (3x faster on French feedback);
    # a longer keyword is still tried before a shorter one it extends.
    trie: dict[str, Any] = {}
    for keyword in set(keywords):
        node = trie
        for char in keyword:
            node = node.setdefault(char, {})
        node[""] = {}  # a keyword ends here
    # Plural "s"/"es"/"x" and the French feminine "e" ("isolée", "isolées", "chômeuses").
    return re.compile(r"\b(" + _trie_pattern(trie) + r")(?:e?s|e|x)?\b")


def _trie_pattern(node: dict[str, Any]) -> str:
    branches = [re.escape(char) + _trie_pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a keyword may end here: the longer ones first, then this one (greedy "?")
        return ("(?:" + body + ")?") if len(branches) == 1 else body + "?"
    return body
