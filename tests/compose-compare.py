#!/usr/bin/python3
# compose-compare.py COMPOSE_CONFIG.yaml BERTH_CONFIG.json: whether berth
# understood a compose file as Debian's docker-compose (1.29) does. Both
# are brought to one form, setting by setting; a difference is printed
# and the exit status is 1. Where berth differs on purpose (published
# ports on 127.0.0.1 when no address is written) the comparison says so.

import json
import shlex
import sys

import yaml


def unescape(v):
    # docker-compose config writes a literal '$' back as '$$'
    return v.replace("$$", "$") if isinstance(v, str) else v


def words(v):
    if v is None:
        return None
    if isinstance(v, str):
        return shlex.split(unescape(v))
    return [unescape(str(x)) for x in v]


def kv(v):
    if not v:
        return {}
    if isinstance(v, list):
        out = {}
        for e in v:
            k, _, val = e.partition("=")
            out[k] = val
        return {k: unescape(x) for k, x in out.items()}
    # a key with no value (not set on the host) is left out
    return {k: unescape(str(x)) for k, x in v.items() if x is not None}


def seconds(v):
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    total, num = 0.0, ""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    i = 0
    while i < len(v):
        c = v[i]
        if c.isdigit() or c == ".":
            num += c
            i += 1
            continue
        u = v[i:i + 2] if v[i:i + 2] == "ms" else c
        total += float(num) * units[u]
        num = ""
        i += len(u)
    return total


def size(v):
    if v is None:
        return None
    if isinstance(v, int):
        return v
    v = str(v).lower().rstrip("b")
    mult = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    if v and v[-1] in mult:
        return int(float(v[:-1]) * mult[v[-1]])
    return int(v)


def port(p):
    if isinstance(p, int):
        p = str(p)
    if isinstance(p, str):
        proto = "tcp"
        if "/" in p:
            p, proto = p.split("/")
        parts = p.split(":")
        ip = parts[0] if len(parts) == 3 else None
        pub = int(parts[-2]) if len(parts) >= 2 and parts[-2] else None
        return (ip, pub, int(parts[-1]), proto)
    return (p.get("host_ip"), int(p["published"]) if p.get("published")
            else None, int(p["target"]), p.get("protocol", "tcp"))


def volume(v, project):
    if isinstance(v, dict):
        src = v.get("source")
        return (v["type"], src, v["target"], bool(v.get("read_only")))
    parts = v.split(":")
    if len(parts) == 1:
        return ("volume", None, parts[0], False)
    src, target = parts[0], parts[1]
    mode = parts[2] if len(parts) > 2 else ""
    kind = "bind" if src.startswith(("/", ".", "~")) else "volume"
    return (kind, src, target, "ro" in mode.split(","))


def health(h):
    if not h:
        return None
    if h.get("disable") or h.get("test") in (["NONE"], "NONE"):
        return {"disabled": True}
    t = h.get("test")
    if isinstance(t, str):
        t = ["CMD-SHELL", t]
    return {"test": t, "interval": seconds(h.get("interval")),
            "timeout": seconds(h.get("timeout")),
            "start_period": seconds(h.get("start_period")),
            "retries": h.get("retries")}


def deps(d):
    if not d:
        return {}
    if isinstance(d, list):
        return {k: "started" for k in d}
    names = {"service_started": "started", "service_healthy": "healthy",
             "service_completed_successfully": "completed"}
    return {k: names[(v or {}).get("condition", "service_started")]
            for k, v in d.items()}


def ulimits(u):
    out = {}
    for k, v in (u or {}).items():
        out[k] = (v, v) if isinstance(v, int) else (v["soft"], v["hard"])
    return out


# run settings with the same name and form on both sides
PLAIN_RUN = ("domainname", "mac_address", "ipc", "pid", "userns_mode",
             "uts", "cgroup", "cgroup_parent", "runtime", "cpuset")
LIST_RUN = ("dns_opt", "device_cgroup_rules")


def from_compose(c, project):
    out = {}
    for name, s in c.get("services", {}).items():
        b = s.get("build")
        restart = s.get("restart")
        out[name] = {
            "image": unescape(s.get("image")),
            "command": words(s.get("command")),
            "entrypoint": words(s.get("entrypoint")),
            "environment": kv(s.get("environment")),
            "labels": kv(s.get("labels")),
            "restart": None if restart in (None, "no") else restart,
            "replicas": (s.get("deploy") or {}).get("replicas",
                                                   s.get("scale", 1)),
            "depends_on": deps(s.get("depends_on")),
            "networks": sorted(s.get("networks") or []),
            "ports": sorted(map(port, s.get("ports") or []),
                            key=str),
            "volumes": sorted((volume(v, project) for v in
                               s.get("volumes") or []), key=str),
            "healthcheck": health(s.get("healthcheck")),
            "build": None if not b else {
                "context": b["context"] if isinstance(b, dict) else b,
                "target": b.get("target") if isinstance(b, dict) else None,
                "args": kv(b.get("args")) if isinstance(b, dict) else {}},
            "user": s.get("user"), "working_dir": s.get("working_dir"),
            "hostname": s.get("hostname"),
            "stop_signal": s.get("stop_signal"),
            "stop_grace": seconds(s.get("stop_grace_period")),
            "cap_add": s.get("cap_add") or [],
            "cap_drop": s.get("cap_drop") or [],
            "privileged": bool(s.get("privileged")),
            "init": bool(s.get("init")),
            "read_only": bool(s.get("read_only")),
            "tty": bool(s.get("tty")),
            "stdin_open": bool(s.get("stdin_open")),
            "extra_hosts": s.get("extra_hosts") or [],
            "dns": s.get("dns") if isinstance(s.get("dns"), list)
            else [s["dns"]] if s.get("dns") else [],
            "dns_search": s.get("dns_search") or [],
            "security_opt": s.get("security_opt") or [],
            "group_add": [str(g) for g in s.get("group_add") or []],
            "tmpfs": s.get("tmpfs") if isinstance(s.get("tmpfs"), list)
            else [s["tmpfs"]] if s.get("tmpfs") else [],
            "shm_size": size(s.get("shm_size")),
            "mem_limit": size(s.get("mem_limit")),
            "cpus": float(s["cpus"]) if s.get("cpus") else None,
            "pids_limit": s.get("pids_limit"),
            "sysctls": kv(s.get("sysctls")),
            "ulimits": ulimits(s.get("ulimits")),
            **{k: s.get(k) for k in PLAIN_RUN},
            **{k: s.get(k) or [] for k in LIST_RUN},
            "oom_kill_disable": bool(s.get("oom_kill_disable")),
            "container_name": s.get("container_name"),
            "ipv4": {n: v["ipv4_address"] for n, v in
                     (s.get("networks") or {}).items()
                     if isinstance(v, dict) and v.get("ipv4_address")}
            if isinstance(s.get("networks"), dict) else {},
        }
    return out


def from_berth(m):
    out = {}
    for name, s in m["services"].items():
        r = s.get("run", {})
        h = s.get("healthcheck")
        b = s.get("build")
        vols = []
        for v in s.get("volumes", []):
            vols.append((v["type"], v.get("source"), v["target"],
                         bool(v.get("read_only"))))
        out[name] = {
            "image": s.get("image"),
            "command": s.get("command"),
            "entrypoint": s.get("entrypoint"),
            "environment": s.get("environment", {}),
            "labels": s.get("labels", {}),
            "restart": None if s.get("restart") in (None, "no")
            else s.get("restart"),
            "replicas": s["replicas"],
            "depends_on": {k: v["condition"] for k, v in
                           s.get("depends_on", {}).items()},
            "networks": sorted(s.get("networks", [])),
            "ports": sorted(((p.get("host_ip"), p.get("published"),
                              p["target"], p["protocol"])
                             for p in s.get("ports", [])), key=str),
            "volumes": sorted(vols, key=str),
            "healthcheck": None if not h else {"disabled": True}
            if h.get("disable") else {
                "test": h.get("test"),
                "interval": h["interval_ms"] / 1000 if "interval_ms" in h
                else None,
                "timeout": h["timeout_ms"] / 1000 if "timeout_ms" in h
                else None,
                "start_period": h["start_period_ms"] / 1000
                if "start_period_ms" in h else None,
                "retries": h.get("retries")},
            "build": None if not b else {
                "context": b["context"], "target": b.get("target"),
                "args": b.get("args", {})},
            "user": r.get("user"), "working_dir": r.get("working_dir"),
            "hostname": r.get("hostname"),
            "stop_signal": r.get("stop_signal"),
            "stop_grace": r["stop_grace_period_ms"] / 1000
            if "stop_grace_period_ms" in r else None,
            "cap_add": r.get("cap_add", []),
            "cap_drop": r.get("cap_drop", []),
            "privileged": r.get("privileged", False),
            "init": r.get("init", False),
            "read_only": r.get("read_only", False),
            "tty": r.get("tty", False),
            "stdin_open": r.get("stdin_open", False),
            "extra_hosts": r.get("extra_hosts", []),
            "dns": r.get("dns", []),
            "dns_search": r.get("dns_search", []),
            "security_opt": r.get("security_opt", []),
            "group_add": r.get("group_add", []),
            "tmpfs": r.get("tmpfs", []),
            "shm_size": r.get("shm_size"),
            "mem_limit": r.get("mem_limit"),
            "cpus": r["nano_cpus"] / 1e9 if "nano_cpus" in r else None,
            "pids_limit": r.get("pids_limit"),
            "sysctls": r.get("sysctls", {}),
            "ulimits": {k: (v["soft"], v["hard"])
                        for k, v in r.get("ulimits", {}).items()},
            **{k: r.get(k) for k in PLAIN_RUN},
            **{k: r.get(k, []) for k in LIST_RUN},
            "oom_kill_disable": r.get("oom_kill_disable", False),
            "container_name": s.get("container_name"),
            "ipv4": s.get("ipv4_addresses", {}),
        }
    return out


def comparable(c, b, project):
    """What berth does differently on purpose, brought in line."""
    for name in c:
        if name not in b:
            continue
        cs, bs = c[name], b[name]
        # no address written: compose publishes on every address, berth
        # on 127.0.0.1; published ports are otherwise the same
        cs["ports"] = sorted(((ip or "127.0.0.1", pub, t, pr)
                              for ip, pub, t, pr in cs["ports"]), key=str)
        # compose keeps a bind's source as written, made absolute
        cs["volumes"] = sorted(
            ((k, (project + "/" + s[2:] if s and s.startswith("./")
                  else s) if k == "bind" else s, t, ro)
             for k, s, t, ro in cs["volumes"]), key=str)
        # no network named: the default one, in both
        if not cs["networks"]:
            cs["networks"] = bs["networks"] = []
        if cs["networks"] == ["default"]:
            cs["networks"] = []


def main():
    with open(sys.argv[1]) as f:
        c = yaml.safe_load(f)
    with open(sys.argv[2]) as f:
        m = json.load(f)
    project = sys.argv[3]
    cs, bs = from_compose(c, project), from_berth(m)
    comparable(cs, bs, project)
    bad = 0
    if sorted(cs) != sorted(bs):
        print("services: compose %s, berth %s" % (sorted(cs), sorted(bs)))
        bad = 1
    for name in sorted(set(cs) & set(bs)):
        for key in cs[name]:
            if cs[name][key] != bs[name][key]:
                print("%s.%s: compose %r, berth %r" %
                      (name, key, cs[name][key], bs[name][key]))
                bad = 1
    # a network's own subnet and gateway (the first ipam config)
    for what, key in (("subnets", "subnet"), ("gateways", "gateway")):
        want = {}
        for n, v in (c.get("networks") or {}).items():
            cfg = ((v or {}).get("ipam") or {}).get("config") or [{}]
            if cfg[0].get(key):
                want[n] = cfg[0][key]
        if want != m.get(what, {}):
            print("networks %s: compose %r, berth %r" %
                  (what, want, m.get(what, {})))
            bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main())
