# SPDX-License-Identifier: Apache-2.0
"""py_client_check: the Python client against a live coordinator
(it_python_client.sh). Connection from FEDC_* variables.
  py_client_check.py JOB MODEL_OUT BAD_SPEC
Checks JOB (run to the end by the README example): its status, rounds,
events and ledger as the client reads them; writes the model the client
downloads to MODEL_OUT; a bad spec and an unknown job raise FedcError with
the coordinator's status and message. Prints "ok:"/"FAIL:" lines; exit 1
on any failure."""
import hashlib
import os
import socket
import sys

import grpc

import fedc

fails = 0


def check(what, cond):
    global fails
    print(("ok: " if cond else "FAIL: ") + what)
    fails += 0 if cond else 1


def main(job, model_out, bad_spec):
    c = fedc.Client.from_env()
    st = c.job_status(job)
    check("job %d is done (%s)" % (job, st.job.state),
          fedc.enums.parse(fedc.JobState, st.job.state) == fedc.JobState.DONE)
    kinds = [fedc.enums.parse(fedc.RoundKind, r.kind) for r in st.rounds]
    check("every round kind is a RoundKind (%s)" % ",".join(map(str, kinds)),
          all(isinstance(k, fedc.RoundKind) for k in kinds) and fedc.RoundKind.TRAIN in kinds)
    m = fedc.metrics(st.job.metrics)
    check("the final evaluation has an accuracy (%s)" % m,
          m is not None and m["accuracy"] is not None and 0.5 < m["accuracy"] <= 1.0)
    # watch() on a finished job gives every ended round attempt once, then returns
    rounds = list(c.watch(job, interval=0.1))
    check("watch() of the finished job yields its %d ended rounds" % len(rounds),
          len(rounds) == sum(1 for r in st.rounds if r.state in ("done", "failed")) and
          len(rounds) >= st.job.rounds_total)

    model = c.get_model(job)
    with open(model_out, "wb") as f:
        f.write(model.raw)
    check("get_model gives %r, version %d" % (model, model.version),
          model.kind == fedc.ModelKind.MLP and model.version >= 1)

    ev = c.events(job)
    ekinds = {fedc.enums.parse(fedc.EventKind, e.kind) for e in ev}
    check("%d events, every kind an EventKind" % len(ev),
          len(ev) > 0 and all(isinstance(k, fedc.EventKind) for k in ekinds) and
          fedc.EventKind.MODEL_COMMITTED in ekinds and
          [e.id for e in ev] == sorted({e.id for e in ev}))

    led = c.ledger(job)
    check("%d ledger entries, each hash the SHA-256 of its text" % len(led),
          len(led) > 0 and all(hashlib.sha256(e.text.encode()).hexdigest() == e.hash_hex
                               for e in led))

    try:
        c.submit_job(open(bad_spec).read())
        check("a bad spec is refused", False)
    except fedc.FedcError as e:
        print("bad spec: %s" % e)
        check("a bad spec raises FedcError INVALID_ARGUMENT with the coordinator's message",
              e.code == grpc.StatusCode.INVALID_ARGUMENT and "forest" in e.details)
    try:
        c.job_status(987654)
        check("an unknown job is refused", False)
    except fedc.FedcError as e:
        print("unknown job: %s" % e)
        check("an unknown job raises FedcError NOT_FOUND", e.code == grpc.StatusCode.NOT_FOUND)
    # a viewer may look but not submit; a closed port is UNAVAILABLE
    pki = os.path.dirname(os.environ["FEDC_CA"])
    viewer = fedc.Client(os.environ["FEDC_COORDINATOR"], os.environ["FEDC_CA"],
                         os.path.join(pki, "viewer.pem"), os.path.join(pki, "viewer.key"))
    check("a viewer reads the job list", job in [j.job_id for j in viewer.jobs()])
    try:
        viewer.submit_job(open(bad_spec).read().replace("forest", "mlp"))
        check("a viewer's submit is refused", False)
    except fedc.FedcError as e:
        print("viewer submit: %s" % e)
        check("a viewer's submit raises FedcError PERMISSION_DENIED",
              e.code == grpc.StatusCode.PERMISSION_DENIED)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    nobody = fedc.Client("127.0.0.1:%d" % port, os.environ["FEDC_CA"], os.environ["FEDC_CERT"],
                         os.environ["FEDC_KEY"], timeout=5)
    try:
        nobody.jobs()
        check("a closed port fails", False)
    except fedc.FedcError as e:
        print("closed port: %s" % e)
        check("a closed port raises FedcError UNAVAILABLE", e.code == grpc.StatusCode.UNAVAILABLE)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
