"""A full-size statistics report following docs/statistics-json.md, built from the real itinerary
and catalogue with made-up, self-consistent counts: the layout of the exports is checked at the
size a coordinator will see (12 communes, every stop, every operator, a year of months), which a
small hand-made history never reaches."""

from __future__ import annotations

import random
from typing import Any

from kiosk.content.catalogue import load_catalogue
from kiosk.content.itinerary import load_itinerary
from kiosk.system.config import ASSETS_DIR


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    weights = [rng.random() + 0.2 for _ in range(parts)]
    shares = [int(total * w / sum(weights)) for w in weights]
    shares[0] += total - sum(shares)
    return shares


def full_report(seed: int = 8, visits: int = 5873) -> dict[str, Any]:
    rng = random.Random(seed)
    itinerary = load_itinerary(ASSETS_DIR / "itinerary")
    catalogue = load_catalogue(ASSETS_DIR / "catalogue")
    served = int(visits * 0.87)
    absent = int(visits * 0.05)
    cancelled = int(visits * 0.02)
    unserved = visits - served - absent - cancelled
    demandes = int(served * 1.3)
    solved = int(demandes * 0.63)
    redirected = int(demandes * 0.26)
    follow_up = demandes - solved - redirected
    stopovers = 118

    def visit_row(key: str, label: str, n: int, halves: int) -> dict[str, Any]:
        s = int(n * 0.87)
        a = int(n * 0.05)
        c = int(n * 0.02)
        return {"key": key, "label": label, "visits": n, "served": s, "absent": a, "cancelled": c,
                "unserved": n - s - a - c, "in_progress": 0, "demandes": int(s * 1.3),
                "stopovers": halves, "visitors_per_half_day": round(n / halves, 1) if halves else None,
                "wait_mean_minutes": round(rng.uniform(6, 25), 1) if n else None}

    communes = list(itinerary.communes)
    per_commune = _split(visits, len(communes), rng)
    halves_commune = _split(stopovers, len(communes), rng)
    by_commune, by_stop = [], []
    for commune, n, halves in zip(communes, per_commune, halves_commune, strict=True):
        by_commune.append(visit_row(commune.insee, commune.name, n, halves))
        stops = list(commune.stops)
        for stop, m, h in zip(stops, _split(n, len(stops), rng), _split(halves, len(stops), rng),
                              strict=True):
            row = visit_row(stop.id, stop.name, m, h)
            row["commune"] = commune.name
            row["peak_queue_max"] = rng.randint(3, 25)
            by_stop.append(row)
    by_commune.sort(key=lambda r: r["label"])
    by_stop.sort(key=lambda r: (r["label"], r["commune"]))
    months = ["2026-07", "2026-08", "2026-09"]
    month_labels = ["juillet 2026", "août 2026", "septembre 2026"]
    by_month = [visit_row(k, lab, n, h) for k, lab, n, h in
                zip(months, month_labels, _split(visits, 3, rng), _split(stopovers, 3, rng), strict=True)]
    days = ["lundi", "mardi", "mercredi", "jeudi", "vendredi"]
    by_weekday = [visit_row(str(i + 1), d, n, h) for i, (d, n, h) in
                  enumerate(zip(days, _split(visits, 5, rng), _split(stopovers, 5, rng), strict=True))]
    by_half = [visit_row("morning", "matin", visits, stopovers)]
    by_hour = [{"key": f"{h:02d}", "label": f"{h} h – {h + 1} h", "visits": n,
                "wait_mean_minutes": round(rng.uniform(5, 30), 1)}
               for h, n in zip(range(7, 13), _split(visits, 6, rng), strict=True)]
    wait_count = served + absent + unserved // 2
    buckets = [("0-5", "0 à 5 min"), ("5-10", "5 à 10 min"), ("10-20", "10 à 20 min"),
               ("20-30", "20 à 30 min"), ("30+", "plus de 30 min")]
    wait_buckets = [{"key": k, "label": lab, "visits": n}
                    for (k, lab), n in zip(buckets, _split(wait_count, 5, rng), strict=True)]
    operators = [o for o in catalogue.operators]
    per_operator = _split(demandes, len(operators), rng)
    demandes_by_operator, demandes_by_procedure, service_by_operator = [], [], []
    for operator, n in zip(operators, per_operator, strict=True):
        s = int(n * 0.63)
        r = int(n * 0.26)
        demandes_by_operator.append({"key": operator.id, "label": operator.name, "demandes": n,
                                     "solved": s, "redirected": r, "follow_up": n - s - r})
        procedures = [p for p in catalogue.procedures if p.operator_id == operator.id]
        for procedure, m in zip(procedures, _split(n, len(procedures), rng), strict=True):
            ps = int(m * 0.63)
            pr = int(m * 0.26)
            demandes_by_procedure.append({"key": procedure.id, "label": procedure.title,
                                          "operator": operator.name, "demandes": m, "solved": ps,
                                          "redirected": pr, "follow_up": m - ps - pr})
        service_by_operator.append({"key": operator.id, "label": operator.name, "visits": int(n / 1.3),
                                    "mean_minutes": round(rng.uniform(8, 25), 1),
                                    "p90_minutes": round(rng.uniform(25, 45), 1)})
    redirected_to = [{"key": k, "label": k, "demandes": n} for k, n in
                     zip(["CAF", "CGSS", "France Travail", "Mairie", "=HYPERLINK(\"x\")"],
                         _split(redirected, 5, rng), strict=True)]

    def profile(pairs: list[tuple[str | None, str]]) -> list[dict[str, Any]]:
        return [{"key": k, "label": lab, "visits": n}
                for (k, lab), n in zip(pairs, _split(visits, len(pairs), rng), strict=True)]

    headline = {"visits": visits, "served": served, "absent": absent, "cancelled": cancelled,
                "unserved": unserved, "demandes": demandes, "solved": solved,
                "redirected": redirected, "follow_up": follow_up, "stopovers": stopovers,
                "visitors_per_half_day": round(visits / stopovers, 1)}

    def compared(frm: str, to: str, label: str, factor: float) -> dict[str, Any]:
        out: dict[str, Any] = {"from": frm, "to": to, "label": label}
        for k, v in headline.items():
            out[k] = round(v * factor, 1) if isinstance(v, float) else int(v * factor)
        out["wait_mean_minutes"] = 15.8
        out["wait_median_minutes"] = 12.0
        return out

    return {
        "period": {"from": "2026-07-01", "to": "2026-09-30", "label": "3e trimestre 2026", "commune": None},
        "generated_at": "2026-11-29T10:12:00",
        **headline, "in_progress": 0,
        "wait": {"count": wait_count, "mean_minutes": 14.2, "median_minutes": 11.0, "p90_minutes": 31.5,
                 "max_minutes": 96.0, "over_30_share": 0.11},
        "service": {"count": served, "mean_minutes": 17.9, "p90_minutes": 31.0},
        "comparison": {
            "previous": compared("2026-04-01", "2026-06-30", "2e trimestre 2026", 0.92),
            "year_before": compared("2025-07-01", "2025-09-30", "3e trimestre 2025", 0.81),
        },
        "breakdowns": {
            "by_commune": by_commune, "by_stop": by_stop, "by_half": by_half, "by_month": by_month,
            "by_weekday": by_weekday, "by_hour": by_hour,
            "by_channel": profile([("kiosk", "borne"), ("console", "console")]),
            "by_language": profile([("fr", "français")]),
            "wait_buckets": wait_buckets,
            "demandes_by_operator": demandes_by_operator,
            "demandes_by_procedure": demandes_by_procedure,
            "demandes_by_outcome": [{"key": "solved", "label": "Réglé sur place", "demandes": solved},
                                    {"key": "redirected", "label": "Orienté vers un partenaire",
                                     "demandes": redirected},
                                    {"key": "follow_up", "label": "À suivre", "demandes": follow_up}],
            "redirected_to": redirected_to,
            "service_by_operator": service_by_operator,
            "age_band": profile([("moins-26", "moins de 26 ans"), ("26-44", "26 à 44 ans"),
                                 ("45-59", "45 à 59 ans"), ("60-74", "60 à 74 ans"),
                                 ("75-plus", "75 ans et plus"), (None, "non renseigné")]),
            "gender": profile([("femme", "femme"), ("homme", "homme"), (None, "non renseigné")]),
            "residence": profile([(c["key"], c["label"]) for c in by_commune[:6]]
                                 + [("autre", "autre commune"), ("non-dit", "non dit")]),
            "residence_vs_stop": profile([("same", "habite la commune de l'arrêt"),
                                          ("other", "autre commune de l'agglomération"),
                                          ("outside", "hors agglomération"), ("unsaid", "non dit"),
                                          (None, "non renseigné")]),
            "stopovers": [{"id": i, "day": "2026-07-02", "half": "morning", "stop": "ducos-bourg",
                           "stop_label": "Bourg", "commune": "Ducos", "visits": 50, "served": 44,
                           "absent": 2, "cancelled": 1, "unserved": 3, "demandes": 57, "peak_queue": 12}
                          for i in range(1, 4)],
        },
        # "Votre avis" answers in every commune (the PDF report must still hold in six pages)
        "feedback": {"content": 360, "moyen": 60, "pas_content": 24, "answers": 444,
                     "served": 1200, "content_share": 0.811, "answers_per_served": 0.37,
                     "by_commune": [{"key": c["key"], "label": c["label"], "content": 30,
                                     "moyen": 5, "pas_content": 2, "answers": 37, "served": 100,
                                     "content_share": 0.811, "answers_per_served": 0.37}
                                    for c in by_commune],
                     "by_stop": []},
    }
