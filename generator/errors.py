"""Errors a user can cause. The CLI prints them as one line and exits with code 2."""


class UserError(Exception):
    """Bad input: a spec, config, roster or answer file the user gave us.

    The message is one line that names the problem (file, layer index, argument) and the
    value received, in the manner of Keras' "... Received: strides=0".
    """

    exit_code = 2


class SpecError(UserError):
    """An architecture spec that cannot be parsed or is not a valid model."""


class GeometryError(SpecError):
    """A layer whose output would have a zero or negative dimension."""


class VerificationError(Exception):
    """The engine and Keras disagree. Not the user's fault: exit code 1."""

    exit_code = 1
