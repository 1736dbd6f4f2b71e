"""The figures partners ask for: statistics over a period (statistics, on periods), the anonymous
rows behind them (rows), the attendance per stop that steers the itinerary (stop_review), the
visitors' opinion beside the visits (feedback), and the synthetic history used to try them
(history). The files made from them are in kiosk/exports."""
