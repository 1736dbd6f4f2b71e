"""The machine under everything: the settings (config), data files read and written safely
(files, yamlfile), USB keys (usbkeys), database failures in words (dbtrouble)."""
