"""What leaves the machine: the 80 mm receipt and the A4 checklist (documents, drawn with
pdf_layout's fonts and greys), the QR codes (qr), the printers (printing), the spoken calls and
the screens read aloud (announcements)."""
