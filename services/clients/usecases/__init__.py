"""What a user can do with the clients service: each module orchestrates the tables
and the pure rules in domain/ inside one unit of work. Nothing here knows nameko;
`visibility` is the one place that decides which clients a caller may see."""
