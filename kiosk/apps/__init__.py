"""What each app asks of the core, in plain calls returning frozen dataclasses: the visitor kiosk
(visitor), the staff console (console), and the demo data both start with (demo); the Protocols
the screens are typed against (ports); the app logic that needs no window: the visitor's path
(path), her presence (presence), what "Écouter" says (reading), the console's presenter
(presenter), its desk view (desk_view) and all its words (console_words, and
console_words_coordinator for Statistiques and Équipe). The Kivy apps
(screens/) run the calls in their background workers and render the rest; nothing here knows
about Kivy."""
