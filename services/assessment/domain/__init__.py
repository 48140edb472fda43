"""Assessment's rules, pure: the case and the licence (state, decide, evolve), routing,
screening and the general-licence hint, fast-track, classification answers.

No FastAPI, SQLAlchemy or NATS here: reference data, time and the caller come in as arguments,
so every rule can be judged at a past date and tested from given events.
"""
