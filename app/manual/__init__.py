"""The author's manual (docs/authoring/): the pages generated from the code, so that what
they say of field kinds, actions, template variables, conditions, diagnostics and posted
names cannot drift from what the engine does."""
