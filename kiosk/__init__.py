"""Borne PLUS core: domain rules, services, read models, catalogue, itinerary, CLI (no Kivy)."""
