"""Pathstone's shell: the Textual kiosk and the `pathstone` command line."""
