"""Seed data: the late-2020 Xiaomi India line-up and exchange-eligible models (TACs are samples)."""
