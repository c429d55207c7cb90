"""identity's SQL, one module per aggregate: the queries the use cases run, so that a
use case reads as its steps. Each function takes the open session (the use case's
unit of work) and plain values; none commits.

- agencies:  the agency row
- users:     users of an agency; finding one by id or login
- codes:     pending registrations and password resets (one-time codes)
- sessions:  sessions and their refresh tokens
- logins:    failed-attempt counting, locks, the sign-in history
- audit:     the per-agency hash-chained audit log
"""
