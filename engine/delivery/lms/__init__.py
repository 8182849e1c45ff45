"""Learning platforms: the interface a connector implements (`platform.py`), the performer of
the `lms` calls built on it, and the connectors (`moodle.py`)."""
