"""Outbox, relay, inbox-checked consumer and Kafka set-up: at-least-once delivery, exactly-once effects."""
