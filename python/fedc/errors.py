# SPDX-License-Identifier: Apache-2.0
"""Exceptions of the fedc client."""


class FedcError(Exception):
    """A call the coordinator refused or that failed on the way.

    code: the gRPC status (grpc.StatusCode, e.g. INVALID_ARGUMENT,
    NOT_FOUND, PERMISSION_DENIED, UNAVAILABLE), or None for a local failure;
    details: the coordinator's message; method: the RPC path."""

    def __init__(self, method, code, details):
        self.method = method
        self.code = code
        self.details = details
        name = code.name if code is not None else "LOCAL"
        super().__init__("%s: %s: %s" % (method.rsplit("/", 1)[-1], name, details))


class JobFailed(FedcError):
    """watch() saw the job end failed or aborted; job: the final JobInfo."""

    def __init__(self, job):
        self.job = job
        super().__init__("/fedc.v1.Control/GetJob", None,
                         "job %d %s: %s" % (job.job_id, job.state, job.error or "no reason given"))
