"""The visitors' opinion ("Votre avis" on Accueil) counted for a period: per commune and per stop,
beside the visits served there, so that a partner reads "312 avis for 1,020 visitors received".

Answers are anonymous and tied to the stopover only (services.record_feedback writes them); they
are counted by the stopover's day, like every figure of kiosk/reports/statistics.py. `kiosk feedback`
prints this report; `kiosk stats` and the exports carry it as the report's `feedback` block
(docs/statistics-json.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from db.models import Commune, Feedback, Stop, Stopover, Ticket
from kiosk.content.itinerary import ESPACE_SUD
from kiosk.core.context import Context
from kiosk.domain import State
from kiosk.errors import KioskError, readable
from kiosk.vocabulary import FEEDBACK_ANSWERS


def _share(part: int, whole: int) -> float | None:
    if whole == 0:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.001"), ROUND_HALF_UP))


@dataclass(frozen=True)
class Answers:
    """The three answers' counts and, beside them, the visits served (state done)."""

    content: int = 0
    moyen: int = 0
    pas_content: int = 0
    served: int = 0

    def __add__(self, other: Answers) -> Answers:
        return Answers(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def answers(self) -> int:
        return self.content + self.moyen + self.pas_content

    def as_json(self) -> dict[str, Any]:
        return {
            "content": self.content, "moyen": self.moyen, "pas_content": self.pas_content,
            "answers": self.answers, "served": self.served,
            # the share France Services reports as "satisfaction"
            "content_share": _share(self.content, self.answers),
            # how many of those received left an opinion (an answer is anonymous: a rough ratio)
            "answers_per_served": _share(self.answers, self.served),
        }


@dataclass(frozen=True)
class FeedbackRow:
    key: str
    label: str
    answers: Answers
    commune: str | None = None  # by_stop only: the stop's commune

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "label": self.label}
        if self.commune is not None:
            data["commune"] = self.commune
        data.update(self.answers.as_json())
        return data


@dataclass(frozen=True)
class FeedbackReport:
    totals: Answers
    by_commune: tuple[FeedbackRow, ...]
    by_stop: tuple[FeedbackRow, ...]

    def as_json(self) -> dict[str, Any]:
        return {**self.totals.as_json(),
                "by_commune": [r.as_json() for r in self.by_commune],
                "by_stop": [r.as_json() for r in self.by_stop]}


class StopoverPlace(NamedTuple):
    """A stopover of the period with its place and its visits served."""

    id: int
    commune_insee: str
    commune: str
    stop_id: str
    stop: str
    served: int


def answers_by_stopover(session: Session, stopover_ids: Any) -> dict[int, dict[str, int]]:
    """{stopover id: {answer: count}} for the stopovers of a subquery (one GROUP BY)."""
    found: dict[int, dict[str, int]] = {}
    for stopover_id, answer, count in session.execute(
        select(Feedback.stopover_id, Feedback.answer, func.count())
        .where(Feedback.stopover_id.in_(stopover_ids))
        .group_by(Feedback.stopover_id, Feedback.answer)
    ):
        found.setdefault(stopover_id, {})[answer] = int(count)
    return found


def summarise(places: Iterable[StopoverPlace],
              answers: Mapping[int, Mapping[str, int]]) -> FeedbackReport:
    """Roll the stopovers up by commune and by stop (communes and stops by name). A place is
    listed when the bus stopped there in the period, even without an answer."""
    communes: dict[str, tuple[str, Answers]] = {}
    stops: dict[str, tuple[str, str, Answers]] = {}
    total = Answers()
    for place in places:
        counts = answers.get(place.id, {})
        content, moyen, pas_content = (counts.get(code, 0) for code in FEEDBACK_ANSWERS)
        row = Answers(content, moyen, pas_content, served=place.served)
        total += row
        name, before = communes.get(place.commune_insee, (place.commune, Answers()))
        communes[place.commune_insee] = (name, before + row)
        stop, commune, before = stops.get(place.stop_id, (place.stop, place.commune, Answers()))
        stops[place.stop_id] = (stop, commune, before + row)
    return FeedbackReport(
        totals=total,
        by_commune=tuple(sorted((FeedbackRow(k, name, a) for k, (name, a) in communes.items()),
                                key=lambda r: (r.label, r.key))),
        by_stop=tuple(sorted((FeedbackRow(k, stop, a, commune)
                              for k, (stop, commune, a) in stops.items()),
                             key=lambda r: (r.commune or "", r.label, r.key))),
    )


def feedback_report(ctx: Context, start: Any, end: Any, commune: str | None = None
                    ) -> FeedbackReport:
    """The answers of the stopovers whose day is in [start, end] (optionally one commune, by
    INSEE code), beside the visits served at each."""
    conditions = [Stopover.day >= start, Stopover.day <= end]
    if commune is not None:
        conditions.append(Stop.commune_insee == commune)
    served = func.count(case((Ticket.state == State.DONE, 1)))
    with ctx.read() as session:
        # a code outside the twelve is refused before any query (PostgreSQL refuses a NUL)
        if commune is not None and (commune not in ESPACE_SUD
                                    or session.get(Commune, commune) is None):
            raise KioskError(f"--commune {readable(commune, 20)} : commune inconnue (code INSEE, voir "
                             "« kiosk itinerary list »).")
        rows = session.execute(
            select(Stopover.id, Commune.insee, Commune.name, Stop.id, Stop.name, served)
            .select_from(Stopover)
            .join(Stop, Stop.id == Stopover.stop_id)
            .join(Commune, Commune.insee == Stop.commune_insee)
            .outerjoin(Ticket, and_(Ticket.stopover_id == Stopover.id,
                                    Ticket.state == State.DONE))
            .where(*conditions)
            .group_by(Stopover.id, Commune.insee, Commune.name, Stop.id, Stop.name)
        ).all()
        places = [StopoverPlace(*row) for row in rows]
        answers = answers_by_stopover(session, [p.id for p in places]) if places else {}
    return summarise(places, answers)
