"""Ticket: the number, huge; people ahead; the wait; then print, QR or "Non merci"."""

from __future__ import annotations

from kivy.uix.screenmanager import Screen


class TicketScreen(Screen):
    pass
