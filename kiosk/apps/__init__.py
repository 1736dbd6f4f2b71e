"""What each app asks of the core, in plain calls returning frozen dataclasses: the visitor kiosk
(visitor), the staff console (console), and the demo data both start with (demo). The Kivy apps
(screens/) run these in their background workers; nothing here knows about Kivy."""
