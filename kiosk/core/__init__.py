"""The queue core: the record and its rules. context (database and clock), services (the verbs
that write: stopovers, tickets, visits, devices, the visitors' opinion), views (the read models),
staff (accounts and desks), devices (a print and its outcome on record), halfday (a half-day's
summary), return_passes (priority at the next passage), backup (copies of the record)."""
