"""The coordinator in December, through the real `kiosk` command: she adds a closure day (the
shipped schedule then refuses to load, naming the day), plans January to June, `kiosk init`
loads the plan, the kiosk lists the unconfirmed place "sous réserve", she exports the ICS of a
commune and reviews the stops. One SQLite database: the queries are the statistics' own, tested
on both backends elsewhere."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar

from kiosk.content import planning
from tests.cli.runner import Kiosk, make_env


def test_the_coordinator_plans_a_half_year_around_her_closures(tmp_path):
    kiosk = Kiosk(make_env(tmp_path, None))
    data = tmp_path / "data"
    kiosk("init")
    # until the eve of the suite's Thursday (26 November 2026), the day the commands read
    kiosk("seed-history", "--visits", "300", "--from", "2026-01-04", "--to", "2026-11-25")
    (data / "closures.yaml").write_text(
        "closures:\n  - {day: 2027-01-05, reason: Formation de l'équipe}\n", "utf-8")
    refused = kiosk("init", expect=2)
    assert "schedule.yaml, ligne" in refused.stderr and "2027-01-05" in refused.stderr
    assert "Formation de l'équipe (closures.yaml, ligne 2)" in refused.stderr

    # too few days for the stops: a clear refusal, nothing written
    itinerary = data / "itinerary"  # the coordinator's own, created by the plan
    too_few = kiosk("itinerary", "plan", "--from", "2027-01-01", "--to", "2027-06-30",
                    "--days", "lundi", "--out", str(itinerary / "schedule.yaml"), expect=2)
    assert "Trop d'arrêts : 13 passages par mois demandés, mais 4 demi-journées" in too_few.stderr
    assert not itinerary.exists() or not list(itinerary.iterdir())
    kiosk("itinerary", "plan", "--from", "2027-01-01", "--to", "2027-06-30", "--days",
          "samedi,xyz", expect=2)

    planned = kiosk.json("itinerary", "plan", "--from", "2027-01-01", "--to", "2027-06-30",
                         "--out", str(itinerary / "schedule.yaml"))
    days = [dt.date.fromisoformat(p["day"]) for p in planned["passages"]]
    off = planning.days_off(dt.date(2027, 1, 1), dt.date(2027, 6, 30),
                            planning.load_closures(data / "closures.yaml"))
    assert days and not set(days) & set(off) and dt.date(2027, 1, 5) not in days
    moved = [p for p in planned["passages"] if p["moved_from"] == "2027-01-05"]
    assert len(moved) == 1 and moved[0]["stop"] == "ducos-bourg"
    assert moved[0]["moved_because"] == "Formation de l'équipe"
    assert planned["kept"] > 0  # November and December stay as announced
    # the history is there: every planned half-day has its expected visitors
    assert all(p["expected_visitors"] is not None for p in planned["passages"])
    assert (itinerary / "communes.yaml").exists()  # `kiosk init` reads a whole folder

    kiosk("init")
    listing = kiosk.json("itinerary", "list")
    francois = next(c for c in listing if c["insee"] == "97210")
    assert {"id": "francois-dostaly", "name": "Dostaly, parking de l'école (sous réserve)"} \
        in francois["stops"]

    ics = tmp_path / "francois.ics"
    kiosk("itinerary", "export", "--format", "ics", "--commune", "97210", "--out", str(ics),
          "--from", "2027-01-01", "--to", "2027-06-30")
    events = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert len(events) == 6 and all("Le François" in str(e["LOCATION"]) for e in events)
    assert all("(sous réserve)" in str(e["LOCATION"]) for e in events)
    kiosk("itinerary", "export", "--format", "pdf", "--commune", "97999", "--out",
          str(tmp_path / "x.pdf"), expect=2)
    assert not (tmp_path / "x.pdf").exists()

    review = kiosk.json("itinerary", "review", "--from", "2026-07-01", "--to", "2026-11-27")
    served = [r for r in review["stops"] if r["half_days"]]
    assert served and all(r["visitors_per_half_day"] is not None for r in served)
    assert review["thresholds"]["under"] < review["thresholds"]["over"]
    assert {r["mark"] for r in review["stops"]} <= {None, "sous", "au-dessus"}
