"""The `pathstone` subcommands, one module a noun; each has `register(commands, home)`."""
