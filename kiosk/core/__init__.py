"""The queue core: the record and its rules. context (database and clock), services/ (the verbs
that write: stopovers, tickets, visits, devices), views (the read models), staff (accounts and
desks), halfday (a half-day's summary), return_passes (priority at the next passage), backup
(copies of the record)."""
