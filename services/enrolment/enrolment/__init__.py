"""The enrolment service: Smart Upgrade plans and their assured buyback schedules."""
