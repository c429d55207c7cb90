"""What a user can do with identity: each module orchestrates the tables and the
pure rules in domain/ inside one unit of work. Nothing here knows nameko."""
