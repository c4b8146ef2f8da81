"""Errors a request can end in; `code` is the workbench's AbwError code (kernel-bridge/src/errors.ts)."""


class WorkerError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class Unsupported(WorkerError):
    """The framework cannot run this op / dtype / parameter set; the message says why."""

    def __init__(self, message):
        super().__init__("ABW_EUNSUPPORTED", message)


def bad_request(message):
    return WorkerError("ABW_EINVAL", message)
