#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Consistency of deploy/k8s (it_deploy_k8s.sh): every manifest parses, the
kustomization lists them, and what the pods mount, expose and probe matches
what the configs in the ConfigMaps make the binaries open and listen on.
Writes each ConfigMap's INI file under OUT with the absolute paths moved
below OUT (and the listen addresses on loopback) for the binaries to read.
usage: it_k8s_check.py K8S_DIR OUT"""
import configparser
import os
import sys

import yaml

fails = 0


def check(ok, what):
    global fails
    print(("ok: " if ok else "FAIL: ") + what, file=sys.stdout if ok else sys.stderr)
    if not ok:
        fails += 1


def port_of(addr):
    return int(addr.rsplit(":", 1)[1])


def under(path, mounts):
    """The mount that holds path (longest mountPath prefix), or None."""
    best = None
    for m in mounts:
        mp = m["mountPath"].rstrip("/")
        if path == mp or path.startswith(mp + "/"):
            if best is None or len(mp) > len(best["mountPath"]):
                best = m
    return best


def merge(base, patch):
    """Strategic merge as kustomize does it for these kinds: maps merge,
    lists of named items (containers, volumes) merge by name, volumeMounts
    by mountPath, other lists are replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        for k, v in patch.items():
            base[k] = merge(base[k], v) if k in base else v
        return base
    if isinstance(base, list) and isinstance(patch, list) and patch and \
            all(isinstance(x, dict) for x in base + patch):
        for key in ("name", "mountPath"):
            if all(key in x for x in base + patch):
                out = list(base)
                for item in patch:
                    same = [i for i, x in enumerate(out) if x[key] == item[key]]
                    if same:
                        out[same[0]] = merge(out[same[0]], item)
                    else:
                        out.append(item)
                return out
    return patch


def load(kdir):
    """The kustomization's documents: its files, its bases (folders), then
    its patches applied to the documents of the same kind and name."""
    kust = yaml.safe_load(open(os.path.join(kdir, "kustomization.yaml")))
    files = [r for r in kust.get("resources", []) if r.endswith(".yaml")]
    patches = [p["path"] for p in kust.get("patches", [])]
    listed = set(files) | set(patches)
    present = {f for f in os.listdir(kdir) if f.endswith(".yaml") and f != "kustomization.yaml"}
    check(listed == present, "%s: the kustomization lists every manifest (%s)"
          % (kdir, sorted(present ^ listed or present)))
    docs = []
    for r in kust.get("resources", []):
        if r.endswith(".yaml"):
            docs += [d for d in yaml.safe_load_all(open(os.path.join(kdir, r))) if d]
        else:
            docs += load(os.path.normpath(os.path.join(kdir, r)))
    for p in patches:
        for d in yaml.safe_load_all(open(os.path.join(kdir, p))):
            hit = [x for x in docs if x["kind"] == d["kind"] and x["metadata"]["name"] == d["metadata"]["name"]]
            check(len(hit) == 1, "patch %s names one %s %s of the base" % (p, d["kind"], d["metadata"]["name"]))
            if hit:
                merge(hit[0], d)
    return docs


def main(kdir, out):
    docs = load(kdir)
    by = {}
    for d in docs:
        by.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    check(all(d["metadata"].get("namespace") in (None, "fedc") for d in docs),
          "no manifest names another namespace than the kustomization's")
    inis = {}
    for cm in by.get("ConfigMap", {}).values():
        for key, text in cm["data"].items():
            cp = configparser.ConfigParser(inline_comment_prefixes=(";", "#"))
            cp.read_string(text)
            inis[(cm["metadata"]["name"], key)] = (cp, text)

    workloads = list(by.get("StatefulSet", {}).values()) + list(by.get("Deployment", {}).values())
    check(len(workloads) == 2, "a coordinator StatefulSet and an agent Deployment")
    ports_seen = {}
    for w in workloads:
        name = w["metadata"]["name"]
        spec = w["spec"]["template"]["spec"]
        psc = spec.get("securityContext", {})
        check(psc.get("runAsNonRoot") is True and psc.get("runAsUser", 0) != 0,
              "%s runs as a non-root user" % name)
        check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault",
              "%s has the runtime's default seccomp profile" % name)
        check(spec.get("automountServiceAccountToken") is False,
              "%s mounts no service-account token" % name)
        vols = {v["name"]: v for v in spec.get("volumes", [])}
        for t in w["spec"].get("volumeClaimTemplates", []):
            vols[t["metadata"]["name"]] = {"name": t["metadata"]["name"], "pvc": True}
        (c,) = spec["containers"]
        sc = c.get("securityContext", {})
        check(sc.get("readOnlyRootFilesystem") is True and sc.get("allowPrivilegeEscalation") is False
              and sc.get("capabilities", {}).get("drop") == ["ALL"],
              "%s: read-only root, no privilege escalation, no capabilities" % name)
        check("requests" in c.get("resources", {}) and "limits" in c["resources"],
              "%s states resource requests and limits" % name)
        mounts = c.get("volumeMounts", [])
        for m in mounts:
            check(m["name"] in vols, "%s mounts volume %s, which is declared" % (name, m["name"]))
        cports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        ports_seen[name] = cports
        for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
            g = c.get(probe, {}).get("httpGet", {})
            check(g.get("path") == path and g.get("port") in cports,
                  "%s's %s asks %s on a declared port" % (name, probe, path))
        # the config file: mounted from a ConfigMap key
        args = c["args"]
        conf = args[args.index("--config") + 1]
        m = under(conf, mounts)
        v = vols.get(m["name"]) if m else None
        cmname = v.get("configMap", {}).get("name") if v else None
        key = m.get("subPath") if m else None
        check(cmname is not None and (cmname, key) in inis,
              "%s's --config %s is ConfigMap %s key %s" % (name, conf, cmname, key))
        if (cmname, key) not in inis:
            continue
        cp, text = inis[(cmname, key)]
        db = cp.get("coordinator", "database", fallback="")
        if db.startswith("postgresql://"):
            # active/standby on a shared database: two or more, and the
            # password only from a file in a Secret, never in the URL
            check(w["spec"].get("replicas", 1) >= 2, "%s: a PostgreSQL store runs two or more replicas" % name)
            check(":" not in db.split("//", 1)[1].split("@")[0] if "@" in db else True,
                  "%s: no password in the database URL" % name)
            pwf = cp.get("coordinator", "database_password_file", fallback="")
            mm = under(pwf, mounts)
            check(pwf.startswith("/") and mm is not None and "secret" in vols.get(mm["name"], {}),
                  "%s: database_password_file %s comes from a Secret" % (name, pwf))
        else:
            check(w["spec"].get("replicas") == 1, "%s has one replica" % name)
        writable = [x for x in mounts if not x.get("readOnly")]
        # every file the config names is in a mounted volume; state is writable
        for sect in cp.sections():
            for k, val in cp.items(sect):
                if val.startswith("/"):
                    mm = under(val, mounts)
                    check(mm is not None, "%s: [%s] %s = %s is in a mounted volume" % (name, sect, k, val))
                    if k in ("database", "state_dir"):
                        check(under(val, writable) is not None,
                              "%s: [%s] %s = %s is on a writable volume" % (name, sect, k, val))
                        mv = vols.get(mm["name"], {}) if mm else {}
                        check(mv.get("pvc") or "persistentVolumeClaim" in mv,
                              "%s: %s is on a persistent volume" % (name, val))
        if cp.has_section("tls"):
            mm = under(cp.get("tls", "ca"), mounts)
            check(mm is not None and "secret" in vols.get(mm["name"], {}),
                  "%s: the [tls] files come from a Secret" % name)
        check(under("/tmp", writable) is not None, "%s has a writable /tmp" % name)
        # the listen ports are the container's ports
        if cp.has_option("coordinator", "listen"):
            check(port_of(cp.get("coordinator", "listen")) == cports.get("grpc"),
                  "%s: [coordinator] listen port = containerPort grpc (%s)" % (name, cports.get("grpc")))
        if cp.has_option("ops", "listen"):
            check(port_of(cp.get("ops", "listen")) == cports.get("ops"),
                  "%s: [ops] listen port = containerPort ops (%s)" % (name, cports.get("ops")))
        # the INI for the binaries, paths under out
        txt = text
        for prefix in ("/etc/fedc", "/var/lib/fedc", "/data"):
            txt = txt.replace(" " + prefix, " " + out + prefix)
        lines = []
        for line in txt.splitlines():
            if line.strip().startswith("listen ="):
                line = "listen = 127.0.0.1:0"
            lines.append(line)
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, key), "w") as f:
            f.write("\n".join(lines) + "\n")

    # the Service and the network policies against the ports
    coord = [w for w in workloads if w["kind"] == "StatefulSet"][0]
    cname = coord["metadata"]["name"]
    svcs = by.get("Service", {})
    grpc_svc = [s for s in svcs.values() if any(p["name"] == "grpc" for p in s["spec"]["ports"])]
    check(len(grpc_svc) == 1, "one Service exposes the coordinator's grpc port")
    sel = coord["spec"]["template"]["metadata"]["labels"]
    for s in svcs.values():
        check(all(sel.get(k) == v for k, v in s["spec"]["selector"].items()),
              "Service %s selects the coordinator's pods" % s["metadata"]["name"])
        for p in s["spec"]["ports"]:
            check(p["targetPort"] in ports_seen[cname],
                  "Service %s targets the declared port %s" % (s["metadata"]["name"], p["targetPort"]))
    svc_port = grpc_svc[0]["spec"]["ports"][0]["port"] if grpc_svc else None
    pols = by.get("NetworkPolicy", {})
    cpol = pols.get(cname)
    check(cpol is not None and any(p["port"] == ports_seen[cname]["grpc"]
                                   for r in cpol["spec"]["ingress"] for p in r.get("ports", [])),
          "the coordinator's NetworkPolicy lets the grpc port in")
    agent = [w for w in workloads if w["kind"] == "Deployment"][0]
    acp = [inis[k][0] for k in inis if k[1] == "agent.ini"][0]
    apol = pols.get(agent["metadata"]["name"])
    cport = port_of(acp.get("agent", "coordinator"))
    check(cport == svc_port, "the agent dials the Service's port (%s = %s)" % (cport, svc_port))
    check(apol is not None and any(p["port"] == cport for r in apol["spec"]["egress"] for p in r.get("ports", [])),
          "the agent's NetworkPolicy lets it dial the coordinator's port %s" % cport)
    check(apol is not None and all("from" in r for r in apol["spec"].get("ingress", [])),
          "nothing dials the agent but the monitoring namespace")
    check(agent["spec"].get("strategy", {}).get("type") == "Recreate",
          "the agent is replaced, never doubled (strategy Recreate: one agent per state)")
    print("%d failed" % fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
