"""A generic engine for declarative workflows: a wizard that collects answers and a process that
moves each request through states. It knows nothing of any particular workflow: everything
specific lives in the YAML files it loads."""
