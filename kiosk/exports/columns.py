"""The columns of the anonymous rows (CSV, and the XLSX "Demandes" sheet): one row per demande
with its visit's fields, plus one row per visit without demande (its demande columns empty).

| Colonne            | Contenu                                                                 |
|--------------------|-------------------------------------------------------------------------|
| date               | jour de l'escale, jj/mm/aaaa                                            |
| demi_journee       | matin / après-midi                                                      |
| code_insee         | code INSEE de la commune de l'arrêt                                     |
| commune            | commune de l'arrêt                                                      |
| arret              | arrêt du bus                                                            |
| ticket             | numéro du ticket dans la demi-journée (les lignes d'une même visite le partagent) |
| canal              | borne / console / ligne de commande / non renseigné                    |
| prioritaire        | oui / non                                                               |
| langue             | langue choisie à la borne                                               |
| heure_ticket       | heure du ticket, hh:mm                                                  |
| heure_appel        | heure du premier appel, hh:mm (vide : jamais appelé)                    |
| heure_debut        | heure de « Commencer », hh:mm (vide si non pressé)                      |
| heure_fin          | fin de l'accueil, hh:mm                                                 |
| attente_min        | attente jusqu'au premier appel, minutes (virgule décimale)              |
| duree_accueil_min  | durée de l'accueil, minutes                                             |
| etat               | reçu / absent / annulé / non reçu à la fermeture / en attente…          |
| organisme_choisi   | organisme choisi à la borne                                             |
| demarche_choisie   | démarche choisie à la borne                                             |
| organisme          | organisme de la demande (vide : visite sans demande)                    |
| demarche           | démarche de la demande                                                  |
| resultat           | Réglé sur place / Orienté vers un partenaire / À suivre                 |
| oriente_vers       | partenaire vers qui la demande a été orientée                           |
| tranche_age        | tranche d'âge déclarée, ou non renseigné                                |
| genre              | genre déclaré, ou non renseigné                                         |
| residence          | commune de résidence déclarée, autre commune, non dit, ou non renseigné |

No name, no identifier of a person: the ticket number is only unique within a half-day at a stop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.reports.rows import DemandeRow
from kiosk.reports.statistics import LANGUAGES
from kiosk.vocabulary import (
    AGE_BANDS,
    CHANNELS,
    GENDERS,
    HALVES,
    OUTCOMES,
    RESIDENCE_ANSWERS,
    TICKET_STATES,
    label,
)

Value = str | int | float | dt.date | dt.time | None


@dataclass(frozen=True)
class Labels:
    """Code → French label for what the rows hold as codes (from the catalogue and the communes)."""

    operators: Mapping[str, str]
    procedures: Mapping[str, str]
    communes: Mapping[str, str]  # INSEE → name, for the visitor's residence


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "text", "date", "time", "int", "minutes"
    value: Callable[[DemandeRow, Labels], Value]
    width: float = 14  # XLSX column width, in characters


def _time(moment: dt.datetime | None) -> dt.time | None:
    return None if moment is None else moment.time().replace(second=0, microsecond=0)


def _minutes(seconds: int | None) -> float | None:
    """Minutes to one decimal, half up (as kiosk stats rounds), in integer arithmetic."""
    return None if seconds is None else (seconds + 3) // 6 / 10


def _lookup(table: Mapping[str, str], code: str | None) -> str | None:
    return None if code is None else table.get(code, code)


def _residence(code: str | None, labels: Labels) -> str:
    if code is None:
        return label(RESIDENCE_ANSWERS, None)
    return RESIDENCE_ANSWERS.get(code) or labels.communes.get(code, code)


COLUMNS: tuple[Column, ...] = (
    Column("date", "date", lambda r, _: r.day, 11),
    Column("demi_journee", "text", lambda r, _: HALVES.get(r.half, r.half), 12),
    Column("code_insee", "text", lambda r, _: r.commune_insee, 10),
    Column("commune", "text", lambda r, _: r.commune, 18),
    Column("arret", "text", lambda r, _: r.stop, 30),
    Column("ticket", "int", lambda r, _: r.number, 7),
    Column("canal", "text", lambda r, _: label(CHANNELS, r.channel), 12),
    Column("prioritaire", "text", lambda r, _: "oui" if r.priority else "non", 10),
    Column("langue", "text", lambda r, _: LANGUAGES.get(r.language, r.language), 10),
    Column("heure_ticket", "time", lambda r, _: _time(r.taken_at), 8),
    Column("heure_appel", "time", lambda r, _: _time(r.first_called_at), 8),
    Column("heure_debut", "time", lambda r, _: _time(r.started_at), 8),
    Column("heure_fin", "time", lambda r, _: _time(r.ended_at), 8),
    Column("attente_min", "minutes", lambda r, _: _minutes(r.wait_seconds), 9),
    Column("duree_accueil_min", "minutes", lambda r, _: _minutes(r.service_seconds), 9),
    Column("etat", "text", lambda r, _: TICKET_STATES.get(r.state, r.state), 14),
    Column("organisme_choisi", "text", lambda r, lab: _lookup(lab.operators, r.ticket_operator), 22),
    Column("demarche_choisie", "text", lambda r, lab: _lookup(lab.procedures, r.ticket_procedure), 30),
    Column("organisme", "text", lambda r, lab: _lookup(lab.operators, r.operator), 22),
    Column("demarche", "text", lambda r, lab: _lookup(lab.procedures, r.procedure), 30),
    Column("resultat", "text", lambda r, _: _lookup(OUTCOMES, r.outcome), 18),
    Column("oriente_vers", "text", lambda r, _: r.partner, 18),
    Column("tranche_age", "text", lambda r, _: label(AGE_BANDS, r.age_band), 14),
    Column("genre", "text", lambda r, _: label(GENDERS, r.gender), 10),
    Column("residence", "text", lambda r, lab: _residence(r.residence, lab), 18),
)


def labels_from(operators: Mapping[str, str], procedures: Mapping[str, str],
                communes: Mapping[str, str]) -> Labels:
    return Labels(dict(operators), dict(procedures), dict(communes))


def row_values(row: DemandeRow, labels: Labels) -> list[Any]:
    return [column.value(row, labels) for column in COLUMNS]
