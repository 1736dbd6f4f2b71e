"""Kivy screens of the visitor kiosk and the staff console (no SQL here)."""
