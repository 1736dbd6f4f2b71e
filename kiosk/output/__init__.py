"""What leaves the machine: the 80 mm receipt and the A4 checklist (documents, drawn with
pdf_layout's fonts and greys), the checklist cut into QR codes for the phone (phone), the QR
symbols (qr), the printers (printing), the spoken calls and the screens read aloud
(announcements)."""
