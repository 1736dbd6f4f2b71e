"""What the bus says and where it goes: the procedures catalogue, the itinerary and its planned
passages, the panels of Accueil, the kiosk's words in French and Kréyòl (i18n)."""
