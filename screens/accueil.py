"""Accueil: one huge "Prendre un ticket", the priority choice, the last calls, where the bus is,
the agglomeration's panels and "Votre avis" (screens/window.py)."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen

from screens import window  # noqa: F401  (PanelWindow and OpinionFaces, used by accueil.kv)


class AccueilScreen(Screen):
    pass
