"""The album plan: its JSON schema (``plan.schema.json``), per-field validation, and the user's
concept and constraints, cleaned before any model sees them.

A plan that fails validation raises ``PlanError`` listing every problem by field path
(``tracks[2].soundscape.tempo_bpm: 400 is greater than the maximum of 220``), so an edited plan
can be fixed in one go. Text fields are also cleaned of control and format characters (the
studio's ``briefs.clean``): a plan comes from a model or a user and ends up in HTML, SQL and
prompts (the site escapes it; SQL takes it as parameters; prompts take it as data).
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from soundmosaic.studio.briefs import BriefError, clean, clean_list

if TYPE_CHECKING:
    import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parent / "plan.schema.json"
MAX_TRACKS = 12
DEFAULT_TRACKS = 5
MIN_SECONDS, DEFAULT_SECONDS, MAX_SECONDS = 30, 30, 180
MAX_CONCEPT = 2000
MAX_PROBLEMS = 40


class PlanError(BriefError):
    """A plan or concept a user (or a model) must fix; ``problems`` names each field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems[:MAX_PROBLEMS]
        super().__init__("; ".join(self.problems))


@functools.cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return loaded


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    import jsonschema  # on first use: the API's cold start does not pay for it

    cls = jsonschema.validators.validator_for(schema())
    cls.check_schema(schema())
    return cls(schema())  # type: ignore[no-any-return]


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(plan)"


def _message(error: jsonschema.ValidationError) -> str:
    """jsonschema's message, without echoing a whole list or object back (a plan is large)."""
    if error.validator in ("maxItems", "minItems") and isinstance(error.instance, list):
        bound = "most" if error.validator == "maxItems" else "fewest"
        return f"has {len(error.instance)} items; the {bound} allowed is {error.validator_value}"
    if error.validator == "type" and isinstance(error.instance, dict | list):
        return (
            f"is {'an object' if isinstance(error.instance, dict) else 'a list'}, not {error.validator_value}"
        )
    return error.message[:300]


def validate(plan: Any) -> dict[str, Any]:
    """The plan, cleaned, or ``PlanError`` with one line per problem (every problem found)."""
    if not isinstance(plan, dict):
        raise PlanError(["(plan): must be a JSON object"])
    errors = sorted(_validator().iter_errors(plan), key=lambda e: [str(p) for p in e.absolute_path])
    problems = [f"{_path(e.absolute_path)}: {_message(e)}" for e in errors]
    if problems:
        raise PlanError(problems)
    return _cleaned(plan, "")


def _cleaned(value: Any, path: str) -> Any:
    """Every string through ``briefs.clean`` (lyrics keep their line breaks)."""
    if isinstance(value, dict):
        return {k: _cleaned(v, f"{path}.{k}" if path else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):
        if path.endswith(".lyrics"):
            return "\n".join(clean(line, path, 5000) for line in value.splitlines())
        try:
            return clean(value, path, 5000)
        except BriefError as err:
            raise PlanError([str(err)]) from err
    return value


@dataclass(frozen=True)
class Constraints:
    """What the user asks of the album beside the concept (all optional)."""

    tracks: int = DEFAULT_TRACKS
    seconds: int = DEFAULT_SECONDS
    genre: str = ""
    mood_arc: tuple[str, ...] = ()
    artist_id: str | None = None  # an artist whose artistDNA styles the visuals
    artist_name: str = ""

    @staticmethod
    def create(
        tracks: Any = DEFAULT_TRACKS,
        seconds: Any = DEFAULT_SECONDS,
        genre: Any = "",
        mood_arc: Any = None,
        artist_id: Any = None,
        artist_name: Any = "",
    ) -> Constraints:
        problems = []
        if not isinstance(tracks, int) or isinstance(tracks, bool) or not 1 <= tracks <= MAX_TRACKS:
            problems.append(f"tracks: must be a whole number from 1 to {MAX_TRACKS}, got {tracks!r}")
        if (
            not isinstance(seconds, int)
            or isinstance(seconds, bool)
            or not MIN_SECONDS <= seconds <= MAX_SECONDS
        ):
            problems.append(
                f"seconds: must be a whole number from {MIN_SECONDS} to {MAX_SECONDS}, got {seconds!r}"
            )
        try:
            genre = clean(genre, "genre", 60)
            arc = tuple(clean_list(mood_arc, "mood_arc", 40, MAX_TRACKS))
            name = clean(artist_name, "artist_name", 120)
        except BriefError as err:
            problems.append(str(err))
        if problems:
            raise PlanError(problems)
        return Constraints(tracks, seconds, genre, arc, str(artist_id) if artist_id else None, name)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["mood_arc"] = list(self.mood_arc)
        return data

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Constraints:
        return Constraints.create(
            data.get("tracks", DEFAULT_TRACKS),
            data.get("seconds", DEFAULT_SECONDS),
            data.get("genre", ""),
            data.get("mood_arc"),
            data.get("artist_id"),
            data.get("artist_name", ""),
        )


def clean_concept(concept: Any) -> str:
    """The concept as one cleaned paragraph; empty or overlong is a ``PlanError``."""
    try:
        text = clean(concept, "concept", MAX_CONCEPT, required=True)
    except BriefError as err:
        raise PlanError([f"concept: {err}"]) from err
    if not any(ch.isalnum() for ch in text):
        raise PlanError(["concept: has no words in it"])
    return text
