"""Accueil: one huge "Prendre un ticket", the priority choice, the last calls, where the bus is."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class AccueilScreen(Screen):
    pass
