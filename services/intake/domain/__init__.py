"""Intake's domain, pure: the application aggregate, the licence as intake sees it, and the rules
of applications, shipments, realisations and general licences. No FastAPI, SQLAlchemy or NATS;
errors are those of shared.errors only."""
