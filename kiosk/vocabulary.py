"""The closed vocabularies of Borne PLUS, each defined once: stored code → French label.

The database constraints (db/models.py), the command-line choices, the console's forms and the
statistics exports all derive from these tables, so that a code cannot be spelled two ways. This
module imports nothing from the project: it is the one piece of the core that `db/` may read.
Codes are stored in the database and never change; labels are what people read.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final


def _vocabulary(*pairs: tuple[str, str]) -> MappingProxyType[str, str]:
    return MappingProxyType(dict(pairs))


TICKET_STATES: Final = _vocabulary(
    ("waiting", "en attente"),
    ("called", "appelé"),
    ("in_service", "en cours"),
    ("done", "reçu"),
    ("no_show", "absent"),
    ("cancelled", "annulé"),
    ("unserved", "non reçu à la fermeture"),
    # taken by mistake and withdrawn at once by the visitor ("Ce n'est pas ma démarche"): the
    # number stays used, but it is not a visit and the statistics do not count it as one
    ("withdrawn", "retiré par le visiteur"),
)

HALVES: Final = _vocabulary(("morning", "matin"), ("afternoon", "après-midi"))

DESK_STATUSES: Final = _vocabulary(("closed", "fermé"), ("open", "ouvert"), ("paused", "en pause"))

OUTCOMES: Final = _vocabulary(
    ("solved", "Réglé sur place"),
    ("redirected", "Orienté vers un partenaire"),
    ("follow_up", "À suivre"),
)

ROLES: Final = _vocabulary(("animatrice", "animatrice"), ("coordinator", "coordinatrice"))

# How the ticket was taken: the visitor at the touchscreen, an animatrice on a visitor's behalf
# from the console, or a script / the command line.
CHANNELS: Final = _vocabulary(("kiosk", "borne"), ("console", "console"), ("cli", "ligne de commande"))

# The visitor's language at the kiosk (recorded on the ticket): French, or Martinique Creole.
LANGUAGES: Final = _vocabulary(("fr", "français"), ("gcf", "créole"))

AGE_BANDS: Final = _vocabulary(
    ("moins-26", "moins de 26 ans"),
    ("26-44", "26 à 44 ans"),
    ("45-59", "45 à 59 ans"),
    ("60-74", "60 à 74 ans"),
    ("75-plus", "75 ans et plus"),
)

GENDERS: Final = _vocabulary(("femme", "femme"), ("homme", "homme"), ("autre", "autre"))

# The visitor's commune of residence is an INSEE code of the agglomeration (the communes come from
# the itinerary), or one of these two answers. NULL in the database means "not asked".
RESIDENCE_OTHER: Final = "autre"
RESIDENCE_UNSAID: Final = "non-dit"
RESIDENCE_ANSWERS: Final = _vocabulary(
    (RESIDENCE_OTHER, "autre commune"),
    (RESIDENCE_UNSAID, "non dit"),
)

# "Votre avis" on the kiosk's Accueil: one tap on one of three faces, anonymous, tied to the
# stopover only (kiosk/services.record_feedback).
FEEDBACK_ANSWERS: Final = _vocabulary(
    ("content", "content"),
    ("moyen", "moyen"),
    ("pas_content", "pas content"),
)

# The marks of a stop in the attendance review (`kiosk itinerary review`, "Par arrêt"): the
# code is what the JSON says, the label what the console shows.
STOP_MARKS: Final = _vocabulary(
    ("sous", "peu fréquenté"),
    ("au-dessus", "très fréquenté"),
)

# The codes of "Prioritaire au prochain passage" (kiosk/core/return_passes.py), typed on the console:
# no 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B, so that a code read aloud or copied by hand from a thermal slip
# cannot be mistaken. 6 characters from 23: 148 million codes for a few thousand a year.
RETURN_CODE_ALPHABET: Final = "ACDEFGHJKMNPRTUVWXY3479"
RETURN_CODE_LENGTH: Final = 6

# What "not recorded" reads like in reports (a profile field left empty, a pre-0003 channel).
NOT_RECORDED: Final = "non renseigné"


def label(vocabulary: MappingProxyType[str, str], code: str | None) -> str:
    """The French label of a code; NOT_RECORDED for None; the code itself when unknown."""
    if code is None:
        return NOT_RECORDED
    return vocabulary.get(code, code)


def sql_in(column: str, vocabulary: MappingProxyType[str, str]) -> str:
    """A CHECK constraint's text: `column IN ('a', 'b')`."""
    return f"{column} IN ({', '.join(repr(code) for code in vocabulary)})"
