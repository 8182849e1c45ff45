"""The JSON API (/api/v1), for programs holding a token."""
