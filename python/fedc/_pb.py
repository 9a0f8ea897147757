# SPDX-License-Identifier: Apache-2.0
"""The message classes of proto/*.proto, generated with protoc --python_out.

They are generated, not committed: the .proto files are the one source
(other branches add fields to them), so a checkout can never hold stale
stubs. At first use the modules are made with Debian's protoc into a cache
folder named by the SHA-256 of the .proto texts, so an edited .proto gets
fresh stubs. Where to look, in order:
  FEDC_PB_DIR       a folder that holds (or will hold) the generated modules
  FEDC_PROTO_DIR    the .proto folder (default: ../../proto from here, i.e.
                    the repository's proto/ when run from a checkout)
  ~/.cache/fedc/    (or $XDG_CACHE_HOME/fedc) the generated modules
"""
import hashlib
import importlib
import os
import shutil
import subprocess
import sys
import tempfile

PROTOS = ("agent.proto", "enroll.proto", "control.proto", "events.proto")
MODULES = ("agent_pb2", "enroll_pb2", "control_pb2", "events_pb2")


def _proto_dir():
    d = os.environ.get("FEDC_PROTO_DIR")
    if d:
        return d
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "proto"))


def _have_modules(d):
    return all(os.path.isfile(os.path.join(d, m + ".py")) for m in MODULES)


def _generate(src, dst):
    protoc = shutil.which("protoc")
    if protoc is None:
        raise ImportError("fedc: protoc is needed once to generate the message "
                          "classes from %s (apt-get install protobuf-compiler)" % src)
    parent = os.path.dirname(dst) or "."
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".pb-", dir=parent)
    try:
        cmd = [protoc, "-I", src, "--python_out=" + tmp] + list(PROTOS)
        res = subprocess.run(cmd, cwd=src, capture_output=True, text=True)
        if res.returncode != 0:
            raise ImportError("fedc: protoc failed on %s: %s" % (src, res.stderr.strip()))
        try:
            os.rename(tmp, dst)   # atomic: another process may race us
        except OSError:
            if not _have_modules(dst):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _stub_dir():
    fixed = os.environ.get("FEDC_PB_DIR")
    src = _proto_dir()
    have_src = all(os.path.isfile(os.path.join(src, p)) for p in PROTOS)
    if fixed and (_have_modules(fixed) or not have_src):
        if not _have_modules(fixed):
            raise ImportError("fedc: FEDC_PB_DIR=%s holds no generated modules and "
                              "no .proto folder was found (set FEDC_PROTO_DIR)" % fixed)
        return fixed
    if not have_src:
        raise ImportError("fedc: cannot find agent.proto ... in %s: set FEDC_PROTO_DIR "
                          "to the repository's proto/ folder" % src)
    h = hashlib.sha256()
    for p in PROTOS:
        with open(os.path.join(src, p), "rb") as f:
            h.update(p.encode() + b"\0" + f.read() + b"\0")
    if fixed:
        dst = fixed
    else:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(
            os.path.expanduser("~"), ".cache")
        dst = os.path.join(cache, "fedc", "pb-" + h.hexdigest()[:16])
    if not _have_modules(dst):
        if fixed and os.path.isdir(dst) and os.listdir(dst):
            raise ImportError("fedc: FEDC_PB_DIR=%s is not empty but lacks the "
                              "generated modules" % dst)
        if fixed and os.path.isdir(dst):
            os.rmdir(dst)
        _generate(src, dst)
    return dst


def _load():
    d = _stub_dir()
    if d not in sys.path:
        # protoc's modules import each other by top-level name (agent_pb2).
        sys.path.insert(0, d)
    return [importlib.import_module(m) for m in MODULES]


agent_pb2, enroll_pb2, control_pb2, events_pb2 = _load()
