"""What every service is built on: settings, database, app factory, errors, principals, idempotency."""
