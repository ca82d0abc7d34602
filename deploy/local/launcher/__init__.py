"""The embedded default's launcher: migrate, seed, then run the broker, every service and the gateway."""
