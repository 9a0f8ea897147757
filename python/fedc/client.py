# SPDX-License-Identifier: Apache-2.0
"""Client of the coordinator's Control service (proto/control.proto,
proto/events.proto) over mutual TLS, as fedctl calls it."""
import configparser
import math
import os
import sys
import time

import grpc

from . import model as _model
from . import spec as _spec
from ._pb import agent_pb2, control_pb2, events_pb2
from .enums import CAPS, JobState
from .errors import FedcError, JobFailed

_SVC = "/fedc.v1.Control/"


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def metrics(m):
    """A Metrics message as a dict (n, loss, accuracy, macro_f1, r2), with
    None for figures that do not apply (NaN on the wire), or None when the
    message carries no evaluation (present false)."""
    if m is None or not m.present:
        return None
    out = {}
    for f in ("n", "loss", "accuracy", "macro_f1", "r2"):
        v = getattr(m, f)
        out[f] = None if math.isnan(v) else v
    return out


class Client:
    """A connection to a coordinator's Control API.

    coordinator: "HOST:PORT"; ca, cert, key: paths of the consortium CA
    certificate and the operator's certificate and key (PEM), as given to
    fedctl --ca --cert --key. The key also signs submitted specs. timeout:
    seconds per call. proxy: None (gRPC's http_proxy/no_proxy variables),
    "" (no proxy) or a proxy URL."""

    def __init__(self, coordinator, ca, cert, key, timeout=30.0, proxy=None):
        self.coordinator = coordinator
        self.timeout = timeout
        self._cert_pem = _read(cert)
        self._key_pem = _read(key)
        creds = grpc.ssl_channel_credentials(root_certificates=_read(ca),
                                             private_key=self._key_pem,
                                             certificate_chain=self._cert_pem)
        opts = [("grpc.max_receive_message_length", CAPS["message_bytes"]),
                ("grpc.max_send_message_length", CAPS["message_bytes"])]
        if proxy == "":
            opts.append(("grpc.enable_http_proxy", 0))
        elif proxy:
            opts.append(("grpc.http_proxy", proxy))
        self._ch = grpc.secure_channel(coordinator, creds, options=opts)

    @classmethod
    def from_env(cls, profile=None, **kw):
        """Connects where fedctl would: FEDC_COORDINATOR, FEDC_CA, FEDC_CERT,
        FEDC_KEY, then the profile ([fedctl] coordinator, ca, cert, key;
        default ~/.config/fedc/fedctl.ini; paths relative to its folder)."""
        v = {k: os.environ.get("FEDC_" + k.upper()) or None
             for k in ("coordinator", "ca", "cert", "key")}
        path = profile or os.path.expanduser("~/.config/fedc/fedctl.ini")
        if os.path.isfile(path) and not all(v.values()):
            p = configparser.ConfigParser(interpolation=None)
            p.read(path)
            base = os.path.dirname(os.path.abspath(path))
            sec = p["fedctl"] if p.has_section("fedctl") else {}
            for k in v:
                if not v[k] and k in sec:
                    v[k] = sec[k] if k == "coordinator" else os.path.join(base, sec[k])
        missing = [k for k in v if not v[k]]
        if missing:
            raise ValueError("fedc: no %s given (FEDC_%s or a profile)" %
                             (missing[0], missing[0].upper()))
        return cls(v["coordinator"], v["ca"], v["cert"], v["key"], **kw)

    def close(self):
        self._ch.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- calls -------------------------------------------------------------
    def _unary(self, method, req, reply_cls):
        call = self._ch.unary_unary(_SVC + method,
                                    request_serializer=type(req).SerializeToString,
                                    response_deserializer=reply_cls.FromString)
        try:
            return call(req, timeout=self.timeout)
        except grpc.RpcError as e:
            raise FedcError(_SVC + method, e.code(), e.details()) from None

    def submit_job(self, spec):
        """Submits a spec (INI text or a dict of sections, see
        fedc.spec.to_text) signed with the operator key; returns the job id.
        A spec the coordinator refuses raises FedcError (INVALID_ARGUMENT)
        with its message."""
        text = _spec.to_text(spec)
        if len(text.encode("utf-8")) > CAPS["spec_bytes"]:
            raise ValueError("fedc: the spec is over %d bytes" % CAPS["spec_bytes"])
        req = control_pb2.JobSubmit(spec=text, spec_sig=_spec.sign(text, self._key_pem),
                                    spec_cert=self._cert_pem.decode("ascii"))
        return self._unary("SubmitJob", req, control_pb2.JobInfo).job_id

    def job_status(self, job_id):
        """The job's JobStatus: .job (JobInfo), .rounds, .declines."""
        return self._unary("GetJob", control_pb2.JobRef(job_id=job_id), control_pb2.JobStatus)

    def jobs(self):
        """All jobs (JobInfo list)."""
        return list(self._unary("ListJobs", control_pb2.Empty(), control_pb2.JobList).jobs)

    def abort_job(self, job_id):
        return self._unary("AbortJob", control_pb2.JobRef(job_id=job_id), control_pb2.JobInfo)

    def stats(self, job_id):
        """The consortium statistics of the job's STATS round (JobStats)."""
        return self._unary("GetStats", control_pb2.JobRef(job_id=job_id), control_pb2.JobStats)

    def site_metrics(self, job_id):
        """Figures opted-in sites reported about themselves (SiteMetrics list)."""
        return list(self._unary("GetSiteMetrics", control_pb2.JobRef(job_id=job_id),
                                control_pb2.SiteMetricsList).entries)

    def sites(self):
        return list(self._unary("ListSites", control_pb2.Empty(), control_pb2.SiteList).sites)

    def watch(self, job_id, interval=1.0, progress=False, timeout=None):
        """Yields each round attempt (RoundInfo) once it has ended (done or
        failed), until the job ends. Returns when the job is done; raises
        JobFailed when it failed or was aborted. progress=True draws a
        progress line on stderr."""
        seen = set()
        start = time.monotonic()
        while True:
            st = self.job_status(job_id)
            for r in st.rounds:
                if r.state in ("done", "failed") and (r.round, r.attempt) not in seen:
                    seen.add((r.round, r.attempt))
                    yield r
            job = st.job
            if progress:
                _progress(job)
            if job.state in (JobState.DONE, JobState.FAILED, JobState.ABORTED):
                if progress:
                    sys.stderr.write("\n")
                if job.state != JobState.DONE:
                    raise JobFailed(job)
                return
            if timeout is not None and time.monotonic() - start > timeout:
                raise FedcError(_SVC + "GetJob", grpc.StatusCode.DEADLINE_EXCEEDED,
                                "job %d still %s after %g s" % (job_id, job.state, timeout))
            time.sleep(interval)

    def get_model_bytes(self, job_id, version=None):
        """The model file (native format) of the job: the newest, or the
        one a round produced (version)."""
        req = agent_pb2.ModelRequest(job_id=job_id, version=version or 0,
                                     latest=version is None)
        call = self._ch.unary_stream(_SVC + "GetModel",
                                     request_serializer=agent_pb2.ModelRequest.SerializeToString,
                                     response_deserializer=agent_pb2.ModelChunk.FromString)
        buf, total = bytearray(), None
        try:
            for ch in call(req, timeout=max(self.timeout, 120.0)):
                if total is None:
                    total = ch.total_bytes
                    if not 0 < total <= CAPS["model_bytes"]:
                        raise FedcError(_SVC + "GetModel", None,
                                        "model size %d is out of range" % total)
                if ch.total_bytes != total or ch.offset != len(buf) or \
                        len(ch.data) > total - len(buf):
                    raise FedcError(_SVC + "GetModel", None, "the model stream is "
                                    "inconsistent (chunk at %d of %d bytes)" %
                                    (ch.offset, ch.total_bytes))
                buf += ch.data
        except grpc.RpcError as e:
            raise FedcError(_SVC + "GetModel", e.code(), e.details()) from None
        if total is None or len(buf) != total:
            raise FedcError(_SVC + "GetModel", None, "the download ended after %d of "
                            "%s bytes" % (len(buf), total))
        return bytes(buf)

    def get_model(self, job_id, version=None):
        """The job's model, decoded (fedc.Model; .raw holds the bytes)."""
        return _model.decode(self.get_model_bytes(job_id, version))

    def ledger(self, job_id=0):
        """The signed round ledger entries of a job (0: all jobs), every
        page; LedgerEntry messages (.seq, .text JSON, .hash_hex, .sig_hex)."""
        out, seq = [], 0
        while True:
            page = self._unary("GetLedger", control_pb2.LedgerRequest(job_id=job_id,
                                                                      from_seq=seq),
                               control_pb2.LedgerList)
            out.extend(page.entries)
            if page.next_seq == 0 or page.next_seq <= seq:
                return out
            seq = page.next_seq

    def events(self, job_id):
        """The job's events, oldest first (JobEvent: .kind, .site, .text ...)."""
        out, after = [], 0
        while True:
            page = self._unary("GetJobEvents", events_pb2.EventRequest(job_id=job_id,
                                                                       after_id=after),
                               events_pb2.EventList)
            if not page.events:
                return out
            out.extend(page.events)
            after = page.events[-1].id


def _progress(job):
    total = max(job.rounds_total, 1)
    done = min(job.rounds_done, total)
    bar = "#" * (20 * done // total) + "." * (20 - 20 * done // total)
    m = metrics(job.metrics) or {}
    fig = ""
    if m.get("accuracy") is not None:
        fig = " accuracy %.4f" % m["accuracy"]
    elif m.get("r2") is not None:
        fig = " R^2 %.4f" % m["r2"]
    sys.stderr.write("\rjob %d [%s] round %d/%d %s%s   " %
                     (job.job_id, bar, done, total, job.state, fig))
    sys.stderr.flush()
