"""Running workflows against the database: drafts, submissions, firing transitions, links.
Everything here is generic; the web layer and the command line call it."""
