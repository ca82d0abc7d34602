"""The notification service: signed partner webhooks and customer messages, fed by the platform's events."""
