"""Borne PLUS without a screen (no Kivy here), in layers, each importing only those below it:

    cli          the `kiosk` command
    apps         what the visitor kiosk and the staff console ask (plain calls)
    exports      the files for the outside (CSV, XLSX, the partners' PDF, posters, ICS)
    reports      the figures over periods
    core         the record and its rules (services write, views read)
    output       receipts, checklists, QR codes, printers, the spoken calls
    content      catalogue, itinerary and planning, panels, French and Kréyòl
    system       settings, data files, USB keys
    (this folder) vocabulary, domain, errors, french: the words and types everything shares

tests/unit/test_layers.py holds the order."""
