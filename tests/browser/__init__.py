"""Browser tests: the served product in Debian's Chromium."""
