"""Delivery: mails and documents leave the system here."""
