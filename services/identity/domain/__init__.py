"""Identity's pure rules: no nameko, no database, no network. The clock comes in as
`now`, randomness from `secrets`, so every rule is unit-tested on its own.

- passwords:   password policy, argon2id hashing, password age
- lockout:     locking a login after repeated failures
- mfa:         TOTP codes, QR enrolment, recovery codes
- sessions:    refresh-token rotation and reuse detection (access tokens: servicekit/tokens.py)
- audit_chain: the per-agency hash chain of the audit log
- codes:       one-time email/SMS verification codes
- notify:      login identifiers, message texts (delivering them: ../senders.py)
- logins:      login failure reasons, new-device detection
"""
