"""The backoffice, generated from each workflow's spec: requests, reference lists, sessions,
mails, documents, settings. Every route declares the level it needs (engine/service/staff.py)."""
