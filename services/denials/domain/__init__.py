"""The rules of the registry, pure: the denial and the consultation aggregates, their validity,
screening for essentially identical transactions, and the denials of Dutch decisions."""
