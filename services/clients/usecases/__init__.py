"""What a user can do with the clients service: one module per area, each use case
one unit of work over the SQL in repository/ and the pure rules in domain/. Nothing
here knows nameko; `visibility` applies servicekit's rule of who sees which client."""
