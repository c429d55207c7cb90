"""What a user can do with identity: each use case is one unit of work, taking a Call
(usecases/context.py); it runs the queries in repository/, the pure rules in domain/,
and publishes through events.py. Nothing here knows nameko."""
