"""The web layer: renders whatever the loaded workflows declare; knows none of them."""
