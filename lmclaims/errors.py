"""Errors that users cause and can fix: shown as one line, never a traceback."""


class UserInputError(Exception):
    """Bad input from the command line or the environment; the message says what to do."""


class MissingCapability(Exception):
    """The model lacks something a claim needs; the claim is `n/a` with this reason."""


class NumericalError(Exception):
    """NaN or inf in activations, logits or statistics; the claim is `error` with this reason."""


class ClaimTimeout(Exception):
    """A claim ran longer than --claims-timeout; it is reported as an `error`."""


class FastPathMismatch(Exception):
    """A fast path (prefix reuse, early stop) disagrees with the plain forward pass it stands
    in for; the claims that use it are `error` with this reason, never a verdict."""
