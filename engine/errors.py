"""The one base class for errors that a person should read as a sentence."""


class PathstoneError(Exception):
    """An error whose message is one complete sentence meant for a person.

    The CLI and the kiosk show ``str(error)`` as it is, so every subclass is raised
    with a message that says what is wrong and, where it helps, what to do.
    """
