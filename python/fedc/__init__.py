# SPDX-License-Identifier: Apache-2.0
"""fedc: a Python client of the fedc coordinator's Control API (gRPC,
mutual TLS), and fedc's native model format and predictions.

    import fedc
    c = fedc.Client("coord.example:7443", ca="ca.pem", cert="me.pem", key="me.key")
    job = c.submit_job(open("job.ini").read())
    for r in c.watch(job):
        print(r.round, r.kind, r.state)
    m = c.get_model(job)
    print(fedc.predict(m, [[1.0, 2.0, 3.0]]))
"""
from .client import Client, metrics
from .enums import (CAPS, DeclineReason, EventKind, JobState, ModelKind, Role,
                    RoundKind, RoundState)
from .errors import FedcError, JobFailed
from .model import (Model, ModelFormatError, decode as decode_model, logits, outputs,
                    predict, predict_proba)
from .spec import to_text as spec_text
from ._pb import agent_pb2, control_pb2, events_pb2

__all__ = ["Client", "metrics", "CAPS", "DeclineReason", "EventKind", "JobState",
           "ModelKind", "Role", "RoundKind", "RoundState", "FedcError", "JobFailed",
           "Model", "ModelFormatError", "decode_model", "logits", "outputs", "predict",
           "predict_proba", "spec_text", "agent_pb2", "control_pb2", "events_pb2"]
