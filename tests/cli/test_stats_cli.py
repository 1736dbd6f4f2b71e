"""`kiosk stats` as the coordinator and scripts use it: a real data dir."""

from __future__ import annotations

import pytest

from kiosk.core.context import open_context
from kiosk.system.config import Settings
from tests.cli.runner import Kiosk, make_env
from tests.service.statistics_history import quarter_history


@pytest.fixture
def kiosk(tmp_path, database_url) -> Kiosk:
    kiosk = Kiosk(make_env(tmp_path, database_url))
    kiosk("init")
    ctx = open_context(Settings(data_dir=tmp_path / "data", database_url=database_url))
    try:
        quarter_history(ctx)
    finally:
        ctx.dispose()
    return kiosk


def test_stats_of_a_quarter_as_json(kiosk: Kiosk) -> None:
    report = kiosk.json("stats", "--quarter", "2026-T3")
    assert report["period"]["label"] == "3e trimestre 2026"
    assert (report["visits"], report["served"], report["absent"], report["cancelled"],
            report["unserved"], report["demandes"]) == (8, 4, 1, 2, 1, 6)
    assert report["wait"]["median_minutes"] == 10.0
    assert report["comparison"]["previous"]["visits"] == 1
    assert report["comparison"]["year_before"]["visits"] == 2
    assert kiosk.json("stats", "--from", "01/07/2026", "--to", "2026-09-30")["visits"] == 8
    assert kiosk.json("stats", "--quarter", "2026-Q3", "--commune", "97217")["visits"] == 2
    assert kiosk.json("stats", "--month", "2026-08")["visits"] == 2
    assert kiosk.json("stats", "--year", "2025")["visits"] == 2


def test_stats_summary_in_french(kiosk: Kiosk) -> None:
    text = kiosk("stats", "--quarter", "2026-T3").stdout
    assert "Statistiques du bus PLUS : 3e trimestre 2026 (toutes communes)" in text
    assert "2e trimestre 2026" in text and "3e trimestre 2025" in text
    assert "Visiteurs par demi-journée" in text and "2,7" in text  # decimal comma
    assert "médiane 10,0 min" in text
    assert "Langue à la borne : français 7 (" in text and ", créole 1 (" in text
    assert "Ducos : 6 visites, 2 demi-journées, 3,0 par demi-journée" in text
    assert "CAF de la Martinique : 3 (réglées 3, orientées 0, à suivre 0)" in text


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "2026-02-30", "--to", "2026-03-31"),
     "kiosk stats: argument --from: « 2026-02-30 » : date invalide (AAAA-MM-JJ ou jj/mm/aaaa)"),
    (("--from", "2026-08-01", "--to", "2026-07-01"),
     "kiosk: --from 2026-08-01 est après --to 2026-07-01 : la période est vide."),
    (("--quarter", "2026-T3", "--commune", "97299"),
     "kiosk: --commune 97299 : commune inconnue (code INSEE, voir « kiosk itinerary list »)."),
    (("--month", "2026-10", "--from", "2026-10-01"),
     "kiosk: --month et --from : une seule façon de donner la période."),
    (("--quarter", "2026-T5"),
     "kiosk stats: argument --quarter: « 2026-T5 » : trimestre invalide (AAAA-T1 à AAAA-T4)"),
    # year 1 broke the period before (a traceback, exit 1): the bus's calendar is 2000 to 2100
    (("--year", "0001"), "kiosk stats: argument --year: « 0001 » : année hors du calendrier du "
                         "bus (2000 à 2100)"),
    ((), "kiosk: Période manquante : --month, --quarter, --year ou --from/--to."),
])
def test_bad_periods_exit_2_with_one_line(kiosk: Kiosk, args, message) -> None:
    result = kiosk("stats", *args, "--json", expect=2)
    assert result.stderr.strip() == message
    assert result.stdout == ""
