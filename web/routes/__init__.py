"""The app's routes: the home page, each workflow's wizard, the mailed links."""
