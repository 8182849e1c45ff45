"""Composition: what assembles the layers into running programs. The settings read from the
environment, the runtime the services share, the web app (`factory`), `serve`, the worker, the
operator's commands and the `onboarding` command line. Nothing below imports this package."""
