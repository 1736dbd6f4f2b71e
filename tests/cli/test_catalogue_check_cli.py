"""`kiosk catalogue check` on a coordinator's catalogue: valid but doubtful entries give one
warning line each (file, procedure, what) and exit 0; the entries to confirm are counted."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.cli.runner import Kiosk, make_env

ROOT = Path(__file__).resolve().parents[2]

CAF = """\
operator:
  id: caf
  name: CAF de la Martinique
  label: Allocations CAF
  pictogram: caf
  order: 10
procedures:
  - id: caf-blog
    title: Aide au logement
    summary: Demander une aide pour le loyer.
    typical_minutes: 20
    documents:
      - {text: "Pièce d'identité", source: 1, required: true}
      - RIB
    steps:
      - {text: "On ouvre votre compte.", source: 2}
    online: caf.fr
    url: https://www.caf.fr/
    sources:
      - https://www.service-public.fr/particuliers/vosdroits/F1280
      - https://blog.example.com/aides
    verified_on: 2024-01-15
  - id: caf-doute
    title: Prime d'activité
    summary: Demander la prime.
    typical_minutes: 20
    documents:
      - Fiches de paie
    steps:
      - On remplit la demande.
    online: caf.fr
    url: https://www.caf.fr/
    sources:
      - https://www.caf.fr/
"""


def test_catalogue_check_warns_names_and_counts(tmp_path):
    folder = tmp_path / "ma-version"
    folder.mkdir()
    shutil.copy(ROOT / "assets" / "catalogue" / "autre.yaml", folder / "autre.yaml")
    (folder / "caf.yaml").write_text(CAF, "utf-8")
    kiosk = Kiosk(make_env(tmp_path, None))
    out = kiosk("catalogue", "check", str(folder)).stdout.splitlines()
    assert out[0].endswith(": 2 organismes, 3 démarches, tout est valide.")
    assert ("Attention : caf.yaml, démarche « caf-blog » : source hors des sites officiels : "
            "https://blog.example.com/aides") in out
    assert any(line.startswith("Attention : caf.yaml, démarche « caf-blog » : vérifiée le "
                               "15/01/2024, plus de 12 mois") for line in out), out
    assert "Attention : caf.yaml, démarche « caf-blog » : sans source : document 2" in out
    assert not any("caf-doute" in line and line.startswith("Attention") for line in out), \
        "an entry to confirm is counted, not warned about"
    assert out[-1] == ("1 démarches vérifiées (avec une date), 2 à confirmer avec l'animatrice "
                       "(sans date) : caf-doute, autre.")
    # a folder may keep its own list of official domains
    (folder / "official-domains.txt").write_text("caf.fr\nservice-public.fr\nexample.com\n", "utf-8")
    out = kiosk("catalogue", "check", str(folder)).stdout
    assert "hors des sites officiels" not in out
    (folder / "official-domains.txt").write_text("caf.fr\nnot a domain\n", "utf-8")
    bad = kiosk("catalogue", "check", str(folder), expect=2)
    assert "official-domains.txt, ligne 2 : nom de domaine invalide" in bad.stderr
