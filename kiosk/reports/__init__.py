"""The figures partners ask for: statistics over periods, the visitors' opinion beside the visits
(feedback), and the synthetic history used to try them (history). The files made from them are
in kiosk/exports."""
