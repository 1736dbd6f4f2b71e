"""QR: the checklist as a large QR code for the visitor's phone camera (works offline)."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class QrScreen(Screen):
    pass
