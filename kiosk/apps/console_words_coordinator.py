"""The words of the console's two coordinator screens, in French: Statistiques (its table, charts,
"Par arrêt" and export dialogs) and Équipe (the accounts and the checks). The rest of the
console's words are in console_words.py; a sentence is a constant, or a function of what it
speaks of when it has numbers or names in it. The figures' own words (the headline rows, the
periods, the export formats) come from the core with the statistics."""

from __future__ import annotations

# ---------------------------------------------------------------- Statistiques (statistics)

BY_STOP = "Par arrêt"
EXPORT = "Exporter"
EXPORT_ELLIPSIS = "Exporter…"
SHOW = "Afficher"
DATES_FROM = "Du"  # the chosen dates' two steppers: "Du" … "au" …
DATES_TO = "au"
COMPUTING = "Calcul en cours…"
WAIT_FOR_COMPUTATION = "Attendez la fin du calcul."
WAIT_BEFORE_EXPORT = "Attendez la fin du calcul avant d'exporter."

# the rows of the headline table that the core's figures (kiosk.exports.figures.HEADLINE) have
# no short words for
PER_HALF_DAY = "  par demi-journée"  # under the visits it divides
WAIT_MEAN = "Attente moyenne"
WAIT_MEDIAN = "Attente médiane"

# the three charts; a single month is shown by weekday (one bar says nothing)
WAIT_CHART = "Temps d'attente (personnes appelées)"
VISITS_BY_MONTH = "Visites par mois"
VISITS_BY_WEEKDAY = "Visites par jour de la semaine"
DEMANDES_BY_OPERATOR = "Demandes par organisme"
NOTHING_TO_SHOW = "Rien à montrer pour cette période."


def minutes(figure: str) -> str:
    """A wait in the table: "4,5 min"."""
    return f"{figure} min"


def quarter(number: int, year: int) -> str:
    """A column head's short quarter: "T3 2026"."""
    return f"T{number} {year}"


def figure_heads(period: str, previous: str, year_before: str) -> list[str]:
    """The table's column heads, over the short names of the three periods."""
    return ["", f"Période\n{period}", f"Avant\n{previous}", f"Un an avant\n{year_before}"]


def period_heading(label: str, first: str, last: str) -> str:
    """The top bar: "3e trimestre 2026 : du … au …"; a label of chosen days
    (kiosk.reports.periods: "du … au …", "le …") says its dates already."""
    if label.startswith(("du ", "le ")):
        return label
    return f"{label} : du {first} au {last}"


def computed_at(when: str) -> str:
    return f"Calculé le {when}."


def computation_failed(reason: str) -> str:
    return f"Calcul impossible : {reason}"


# "Par arrêt": a stop's attendance over the period (the table of `kiosk itinerary review`)
REVIEW_HEADS = ("Arrêt", "Demi-journées", "Visiteurs par demi-j.", "Demandes par demi-j.",
                "Non reçus", "Tendance", "Repère")


def by_stop_title(period_label: str | None) -> str:
    return f"Par arrêt : {period_label}" if period_label else BY_STOP


def review_status(served: int, stops: int) -> str:
    return (f"{served} arrêts servis sur {stops}. Repères : moins de la moitié de l'arrêt "
            "médian = peu fréquenté ; plus d'une fois et demie, ou plus de 3 non reçus par "
            "demi-journée = très fréquenté.")


# the export dialog
EXPORT_FORMAT_STEP = "1. Le format"
EXPORT_FOLDER_STEP = "2. Le dossier (les clés USB d’abord)"
LOOKING_FOR_KEYS = "Recherche des clés USB…"
EXPORTING = "Export en cours…"
NO_KEY = ("Aucune clé USB : branchez-la puis rouvrez « Exporter », ou choisissez le dossier de "
          "la borne.")


def export_title(period_label: str) -> str:
    return f"Exporter : {period_label}"


def keys_found(keys: int) -> str:
    return f"{keys} clé(s) USB trouvée(s)." if keys else NO_KEY


def file_written(path: object) -> str:
    return f"Fichier écrit : {path}"


def write_failed(reason: object) -> str:
    return f"Écriture impossible : {reason} (la clé est-elle pleine ?)"


def export_failed(reason: str) -> str:
    return f"Export impossible : {reason}"


# ---------------------------------------------------------------- Équipe (team)

TEAM_TITLE = "Équipe et vérifications"
TEAM_HEADING = ("L'équipe (un compte désactivé ne peut plus se connecter ; il reste dans "
                "l'historique)")
ADD_MEMBER = "+ Ajouter un membre"
ME_MARK = "  (vous)"  # after her own name
DISABLED_MARK = " – désactivé(e)"  # after a disabled member's role
NEW_PIN = "Nouveau code"
DISABLE = "Désactiver"
ENABLE = "Réactiver"
CHECKS_TITLE = "Vérifications"
CHECKS_HELP = "Relit les fiches des démarches et l’itinéraire, comme au démarrage."
RUN_CHECKS = "Lancer les vérifications"
CHECKING = "Vérification en cours…"

# the new member's name, on the on-screen keyboard
NEW_MEMBER_TITLE = "Nouveau membre : son nom et son rôle"
SPACE_KEY = "Espace"
ERASE_KEY = "⌫ Effacer"
NEXT_PIN_STEP = "Suivant : son code"

# a PIN, typed twice on the pad
PIN_PROMPT = "Tapez le code (4 à 8 chiffres)"
PIN_TOO_SHORT = "Il faut au moins 4 chiffres."
PIN_AGAIN = "Tapez-le une seconde fois"


def pin_title(name: str) -> str:
    """The new member's first PIN."""
    return f"Code de {name}"


def new_pin_title(name: str) -> str:
    return f"Nouveau code de {name}"


def member_added(name: str, role: str) -> str:
    return f"{name} ajouté(e) à l'équipe ({role})."


def pin_saved(name: str) -> str:
    return f"Nouveau code enregistré pour {name}."


def member_disabled(name: str) -> str:
    return f"{name} est désactivé(e) : plus de connexion possible."


def member_enabled(name: str) -> str:
    return f"{name} peut de nouveau se connecter (avec son code)."
