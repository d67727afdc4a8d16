#!/usr/bin/python3
"""Throw-away Kamailio PBX for sip-call's integration tests.

Stdlib only.  Typical use::

    from testpbx import TestPbx
    with TestPbx() as pbx:
        url = pbx.url("wss")            # wss://localhost:PORT/ws
        ...
        pbx.wait_for_bindings("101", 1, timeout=10)
        msg = pbx.wait_for_message(lambda m: m["method"] == "REGISTER", 10)

CLI (prints one JSON line, runs until SIGINT/SIGTERM or --duration)::

    /usr/bin/python3 tests/pbx/testpbx.py [--duration S] [--rtpengine]

TestPbx(rtpengine=True) / --rtpengine: the media-anchoring WebRTC gateway
mode (rtpengine relays every call's media, see rtpengine.py).

See tests/pbx/README.md for the details of the PBX behaviour.
"""

import atexit
import json
import os
import re
import selectors
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

from proctools import start_with_retries, terminate
from rtpengine import Rtpengine

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(HERE, "kamailio.cfg.in")
HOST = "127.0.0.1"
DOMAIN = "pbx.test"
TRANSPORTS = ("udp", "tcp", "tls", "ws", "wss")
CLI_USERS = range(101, 106)

MODULE_DIRS = (
    "/usr/lib/x86_64-linux-gnu/kamailio/modules",
    "/usr/lib/aarch64-linux-gnu/kamailio/modules",
    "/usr/lib/kamailio/modules",
    "/usr/local/lib64/kamailio/modules",
    "/usr/local/lib/kamailio/modules",
)


class PbxError(RuntimeError):
    """The PBX could not be started or queried."""


# --------------------------------------------------------------------------
# helpers


def free_port(kind=socket.SOCK_STREAM):
    """Return a currently free port on 127.0.0.1 (TCP by default)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _free_ports(n_tcp, n_udp):
    """Distinct free ports; sockets are kept open until all are chosen."""
    socks, tcp, udp = [], [], []
    try:
        while len(tcp) < n_tcp:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.bind((HOST, 0))
            tcp.append(s.getsockname()[1])
        while len(udp) < n_udp:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(s)
            s.bind((HOST, 0))
            port = s.getsockname()[1]
            if port not in tcp and port not in udp:
                udp.append(port)
        return tcp, udp
    finally:
        for s in socks:
            s.close()


def password(ext):
    """Password of a test extension (100..199, 1000..1999)."""
    return "secret%s" % ext


def _is_user(ext):
    ext = str(ext)
    return ext.isdigit() and (100 <= int(ext) <= 199 or 1000 <= int(ext) <= 1999)


def _find_module_dir():
    for d in MODULE_DIRS:
        if os.path.exists(os.path.join(d, "tm.so")):
            return d
    raise PbxError("Kamailio module directory not found (tried %s)" % ", ".join(MODULE_DIRS))


def _run(cmd, cwd=None, timeout=60):
    res = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, timeout=timeout)
    if res.returncode != 0:
        raise PbxError("%s failed (%d): %s" % (" ".join(cmd), res.returncode,
                                                res.stdout.decode(errors="replace")))
    return res.stdout


SERVER_SANS = "DNS:localhost,DNS:pbx.test,IP:127.0.0.1,IP:::1"


def make_certificates(directory, sans=SERVER_SANS):
    """Create ca.pem/ca.key and server.pem/server.key (signed by the CA, with
    the subjectAltNames `sans`) in directory.  Returns a dict of paths."""
    p = {name: os.path.join(directory, name) for name in
         ("ca.pem", "ca.key", "server.pem", "server.key", "server.csr", "server.ext", "ca.srl")}
    _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
          "-days", "3", "-subj", "/O=sip-call tests/CN=sip-call test CA",
          "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign",
          "-keyout", p["ca.key"], "-out", p["ca.pem"]])
    _run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-sha256",
          "-subj", "/O=sip-call tests/CN=pbx.test",
          "-keyout", p["server.key"], "-out", p["server.csr"]])
    with open(p["server.ext"], "w") as f:
        f.write("basicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=%s\n" % sans)
    _run(["openssl", "x509", "-req", "-sha256", "-days", "3", "-in", p["server.csr"],
          "-CA", p["ca.pem"], "-CAkey", p["ca.key"], "-CAcreateserial", "-CAserial", p["ca.srl"],
          "-extfile", p["server.ext"], "-out", p["server.pem"]])
    for k in ("ca.key", "server.key"):
        os.chmod(p[k], 0o600)
    return p


_LINE_RE = re.compile(r"(SIPMSG|HTTPMSG) rx (.*)$")
_KEY_RE = re.compile(r"(?:^| )([a-z_]+)=")


def parse_log_line(line):
    """Parse one 'SIPMSG rx k=v ...' / 'HTTPMSG rx ...' line into a dict, or
    None.  The last field of a SIPMSG line is 'contact', which runs to the end
    of the line.  '<null>' values become ''."""
    m = _LINE_RE.search(line.rstrip("\r\n"))
    if not m:
        return None
    kind, rest = m.groups()
    contact = None
    idx = rest.find(" contact=")
    if idx >= 0:
        contact = rest[idx + len(" contact="):]
        rest = rest[:idx]
    d = {}
    for tok in rest.split(" "):
        if "=" in tok:
            k, v = tok.split("=", 1)
            d[k] = v
    if contact is not None:
        d["contact"] = contact
    for k, v in list(d.items()):
        if v == "<null>":
            d[k] = ""
    for k in ("ua", "protocol"):  # escaped in the config (spaces -> %20)
        if k in d:
            d[k] = urllib.parse.unquote(d[k])
    if kind == "HTTPMSG":
        d["type"] = "http"
        return d
    if "reply" in d:
        d["type"] = "reply"
        try:
            d["status"] = int(d["reply"])
        except ValueError:
            d["status"] = None
    else:
        d["type"] = "request"
    d["auth"] = d.get("auth") == "yes"
    try:
        d["cseq"] = int(d.get("cseq", ""))
    except ValueError:
        d["cseq"] = None
    try:  # when Kamailio received it (wall clock, microseconds)
        d["time"] = float(d.get("time", ""))
    except ValueError:
        d["time"] = None
    d["transport"] = d.get("proto", "")
    d["via_transport"] = d.get("via", "").lower()
    d["line"] = line.rstrip("\r\n")
    return d


def wait_until(cond, timeout, interval=0.05, what="condition"):
    """Poll cond() until it returns a truthy value and return that value;
    raise TimeoutError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


# --------------------------------------------------------------------------
# the PBX

_live = set()


def _stop_all_live():
    for pbx in list(_live):
        try:
            pbx.stop()
        except Exception:  # pragma: no cover - best effort at exit
            pass


atexit.register(_stop_all_live)


def running_pbx(**kwargs):
    """Generator for pytest fixtures: starts a PBX, yields it, and stops it
    afterwards, also when start() itself failed half-way (stop() is
    idempotent)."""
    p = TestPbx(**kwargs)
    try:
        p.start()
        yield p
    finally:
        p.stop()


class TestPbx:
    """A Kamailio instance on 127.0.0.1 with free ports and a temp run dir."""

    __test__ = False  # not a pytest test class

    host = HOST
    domain = DOMAIN

    def __init__(self, start_timeout=15.0, keep_rundir=False, kamailio="kamailio",
                 shm_mb=256, pkg_mb=16, rtpengine=False):
        self.start_timeout = start_timeout
        self.rtpengine_mode = rtpengine
        self.rtpengine = None     # the Rtpengine daemon in that mode
        self.shm_mb = shm_mb
        self.pkg_mb = pkg_mb
        self.keep_rundir = keep_rundir or bool(os.environ.get("TESTPBX_KEEP"))
        self.kamailio = kamailio
        self.ports = {}
        self.blackhole_port = None
        self.rundir = None
        self.ca_file = None
        self.ca_key = None
        self.cert_file = None
        self.key_file = None
        self.cfg_file = None
        self.log_file = None
        self.ctl_socket = None
        self.rpc_socket = None
        self.proc = None
        self._log_fh = None
        self._lock = threading.RLock()
        self._log_offset = 0
        self._parsed_cache = []
        self.ready_times = {}  # start-up diagnostics: seconds until each check passed

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def start(self, attempts=3):
        if self.proc is not None:
            raise PbxError("already started")
        _live.add(self)
        try:
            self.rundir = tempfile.mkdtemp(prefix="testpbx-")
            certs = make_certificates(self.rundir)
            self.ca_file, self.ca_key = certs["ca.pem"], certs["ca.key"]
            self.cert_file, self.key_file = certs["server.pem"], certs["server.key"]
            self.ctl_socket = os.path.join(self.rundir, "kamailio_ctl")
            self.rpc_socket = os.path.join(self.rundir, "kamailio_rpc.sock")
            self.log_file = os.path.join(self.rundir, "kamailio.log")
            self._write_tls_cfg()
            if self.rtpengine_mode:
                # before Kamailio: its rtpengine module pings the daemon at start
                self.rtpengine = Rtpengine(HOST, self.rundir, self.start_timeout, preexec_fn=die_with_parent)
                self.rtpengine.start()
            start_with_retries(self._start_once, self._kill, PbxError, "Address already in use", attempts)
            return self
        except BaseException:
            self.stop()
            raise

    def _write_tls_cfg(self):
        with open(os.path.join(self.rundir, "tls.cfg"), "w") as f:
            f.write("[server:default]\n"
                    "method = TLSv1.2+\n"
                    "verify_certificate = no\n"
                    "require_certificate = no\n"
                    "certificate = %s\n"
                    "private_key = %s\n"
                    "\n"
                    "[client:default]\n"
                    "method = TLSv1.2+\n"
                    "verify_certificate = no\n"
                    "require_certificate = no\n" % (self.cert_file, self.key_file))

    def _start_once(self):
        (tcp, tls, ws, wss), (udp, blackhole) = _free_ports(4, 2)
        self.ports = {"udp": udp, "tcp": tcp, "tls": tls, "ws": ws, "wss": wss}
        self.blackhole_port = blackhole
        with open(TEMPLATE) as f:
            cfg = f.read()
        subst = {
            "PORT_UDP": udp, "PORT_TCP": tcp, "PORT_TLS": tls, "PORT_WS": ws,
            "PORT_WSS": wss, "BLACKHOLE_PORT": blackhole, "RUNDIR": self.rundir,
            "MODULE_DIR": _find_module_dir(),
            "WITH_RTPENGINE": "#!define WITH_RTPENGINE" if self.rtpengine else "# (rtpengine mode off)",
            "RTPENGINE_SOCK": self.rtpengine.ng_url if self.rtpengine else "",
        }
        for k, v in subst.items():
            cfg = cfg.replace("@%s@" % k, str(v))
        left = re.findall(r"@[A-Z_]+@", cfg)
        if left:
            raise PbxError("unfilled placeholders in config: %s" % sorted(set(left)))
        self.cfg_file = os.path.join(self.rundir, "kamailio.cfg")
        with open(self.cfg_file, "w") as f:
            f.write(cfg)
        with self._lock:
            self._log_offset = os.path.getsize(self.log_file) if os.path.exists(self.log_file) else 0
            self._parsed_cache = []
        self._launch()

    def _launch(self):
        """Start Kamailio with the current config and wait until it serves
        every port; the message log is appended to, not restarted."""
        for p in (self.ctl_socket, self.rpc_socket):
            if os.path.exists(p):
                os.unlink(p)
        self._log_fh = open(self.log_file, "ab")
        cmd = [self.kamailio, "-DD", "-E", "-f", self.cfg_file, "-Y", self.rundir,
               "-w", self.rundir, "-P", os.path.join(self.rundir, "kamailio.pid"),
               "-m", str(self.shm_mb), "-M", str(self.pkg_mb)]
        self.proc = subprocess.Popen(cmd, cwd=self.rundir, stdin=subprocess.DEVNULL,
                                     stdout=self._log_fh, stderr=self._log_fh,
                                     start_new_session=True, preexec_fn=die_with_parent)
        self._wait_ready()

    def _wait_ready(self):
        t0 = time.monotonic()
        deadline = t0 + self.start_timeout
        pending = ["tcp", "tls", "ws", "wss", "udp", "rpc"]
        while pending:
            if self.proc.poll() is not None:
                raise PbxError("kamailio exited with %s during start-up:\n%s"
                               % (self.proc.returncode, self.log_tail()))
            if time.monotonic() >= deadline:
                raise PbxError("kamailio not ready after %.0fs (waiting for %s):\n%s"
                               % (self.start_timeout, pending, self.log_tail()))
            t = pending[0]
            ok = False
            try:
                if t == "udp":
                    ok = self._udp_options_ok(timeout=0.3)
                elif t == "rpc":
                    ok = (os.path.exists(self.ctl_socket) and os.path.exists(self.rpc_socket)
                          and self.rpc("core.version", timeout=0.5) is not None)
                else:
                    with socket.create_connection((HOST, self.ports[t]), timeout=0.5):
                        ok = True
            except (OSError, PbxError):
                ok = False
            if ok:
                self.ready_times[pending.pop(0)] = round(time.monotonic() - t0, 3)
            else:
                time.sleep(0.05)

    def _udp_options_ok(self, timeout):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((HOST, 0))
            s.settimeout(timeout)
            lport = s.getsockname()[1]
            branch = "z9hG4bK" + uuid.uuid4().hex
            req = ("OPTIONS sip:%s:%d SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP %s:%d;branch=%s;rport\r\n"
                   "Max-Forwards: 70\r\n"
                   "From: <sip:ready@%s>;tag=%s\r\n"
                   "To: <sip:%s:%d>\r\n"
                   "Call-ID: ready-%s\r\n"
                   "CSeq: 1 OPTIONS\r\n"
                   "Content-Length: 0\r\n\r\n"
                   % (HOST, self.ports["udp"], HOST, lport, branch, HOST,
                      uuid.uuid4().hex[:8], HOST, self.ports["udp"], uuid.uuid4().hex))
            s.sendto(req.encode(), (HOST, self.ports["udp"]))
            try:
                data = s.recv(65535)
            except socket.timeout:
                return False
            return data.startswith(b"SIP/2.0 200")

    def halt(self, timeout=10.0):
        """Stop Kamailio like a crash or an administrator would (SIGTERM; its
        connections close), but keep the ports, the run directory and the
        message log, so that start_again() brings the same PBX back."""
        with self._lock:
            if self.proc is None:
                raise PbxError("not running")
            self._kill(timeout)

    def start_again(self):
        """Start a halted PBX on the same ports.  The registrar is in memory,
        so it starts empty; messages() and mark() continue across the gap."""
        with self._lock:
            if self.proc is not None:
                raise PbxError("already running")
            if not self.cfg_file or not os.path.exists(self.cfg_file):
                raise PbxError("never started")
            try:
                self._launch()
            except BaseException:
                self._kill()
                raise
        return self

    def restart(self):
        """halt() and start_again()."""
        self.halt()
        return self.start_again()

    def stop(self, timeout=10.0):
        """Stop Kamailio (SIGTERM, SIGKILL after timeout).  Idempotent."""
        with self._lock:
            self._kill(timeout)
            if self.rtpengine is not None:
                self.rtpengine.stop()
                self.rtpengine = None
            if self.rundir and not self.keep_rundir and os.path.isdir(self.rundir):
                shutil.rmtree(self.rundir, ignore_errors=True)
                self.rundir = None
            _live.discard(self)

    def _kill(self, timeout=10.0):
        """Stop the process (SIGTERM, SIGKILL after timeout), keep the rundir.
        stop() and the retries between start attempts both use it."""
        if self.proc is not None:
            proc, self.proc = self.proc, None
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(min(0.5, timeout))
                except subprocess.TimeoutExpired:
                    # Now and then (1 stop in 5-10) one of Kamailio 5.6's
                    # workers misses the SIGTERM the main process passes
                    # on, and the main process waits for it: tell the
                    # workers ourselves, by PID, instead of waiting for the
                    # SIGKILLs below (15 s)
                    for pid in _pids_in_group(proc.pid):
                        if pid != proc.pid:
                            try:
                                os.kill(pid, signal.SIGTERM)
                            except ProcessLookupError:
                                pass
            terminate(proc, timeout)
            self._kill_leftover_children(proc.pid)
        if self._log_fh is not None:
            self._log_fh.close()
            self._log_fh = None

    @staticmethod
    def _kill_leftover_children(pgid, timeout=5.0):
        """Kamailio's worker processes are in the process group we created
        (start_new_session) and exit shortly after the main process.  Wait
        for that with a deadline, then SIGKILL any left, by PID."""
        deadline = time.monotonic() + timeout
        while _pids_in_group(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in _pids_in_group(pgid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 2.0
        while _pids_in_group(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # -- information ---------------------------------------------------------

    def url(self, transport):
        """Server URL in the form sip-call takes."""
        p = self.ports[transport]
        return {
            "ws": "ws://%s:%d/ws" % (HOST, p),
            "wss": "wss://localhost:%d/ws" % p,
            "udp": "sip:%s:%d;transport=udp" % (HOST, p),
            "tcp": "sip:%s:%d;transport=tcp" % (HOST, p),
            "tls": "sips:localhost:%d" % p,
        }[transport]

    def urls(self):
        return {t: self.url(t) for t in TRANSPORTS}

    password = staticmethod(password)

    def aor(self, ext):
        return "sip:%s@%s" % (ext, DOMAIN)

    def info(self, users=CLI_USERS):
        return {
            "host": HOST,
            "domain": DOMAIN,
            "ports": dict(self.ports),
            "ca_file": self.ca_file,
            "rundir": self.rundir,
            "log_file": self.log_file,
            "ctl_socket": self.ctl_socket,
            "pid": self.pid,
            "urls": self.urls(),
            **({"rtpengine": {"pid": self.rtpengine.pid, "ng": self.rtpengine.ng_url,
                              "ports": [self.rtpengine.port_min, self.rtpengine.port_max],
                              "log_file": self.rtpengine.log_file}} if self.rtpengine else {}),
            "users": {str(u): password(u) for u in users},
            "test_extensions": {"486": "486 Busy Here", "404": "404 Not Found",
                                "408": "100 Trying, then 408 after ~3 s",
                                "180": "180 Ringing, never final; CANCEL -> 487"},
        }

    def log_text(self):
        if not self.log_file or not os.path.exists(self.log_file):
            return ""
        with open(self.log_file, "rb") as f:
            return f.read().decode(errors="replace")

    def log_tail(self, lines=40):
        return "\n".join(self.log_text().splitlines()[-lines:])

    # -- message log ---------------------------------------------------------

    def _parsed(self):
        """All parsed log lines so far (incremental: only new complete lines
        of the log are read on each call)."""
        with self._lock:
            if not self.log_file or not os.path.exists(self.log_file):
                return list(self._parsed_cache)
            with open(self.log_file, "rb") as f:
                f.seek(self._log_offset)
                data = f.read()
            end = data.rfind(b"\n")
            if end >= 0:
                self._log_offset += end + 1
                for line in data[:end].decode(errors="replace").split("\n"):
                    d = parse_log_line(line)
                    if d is not None:
                        self._parsed_cache.append(d)
            return list(self._parsed_cache)

    def messages(self, since=0, include_http=False):
        """All SIP requests/replies the PBX received so far (dicts), oldest
        first.  since: skip the first N (see mark())."""
        out = [d for d in self._parsed() if include_http or d["type"] != "http"]
        return out[since:]

    def http_requests(self):
        """HTTP requests received on the TCP/TLS ports (WebSocket upgrades)."""
        return [m for m in self.messages(include_http=True) if m["type"] == "http"]

    def mark(self):
        """Number of messages received so far; pass as since= to only look at
        later ones."""
        return len(self.messages())

    def wait_for_message(self, predicate, timeout=10.0, since=0):
        """Wait until a received message satisfies predicate(dict); return it."""
        def find():
            for m in self.messages(since=since):
                try:
                    if predicate(m):
                        return m
                except (KeyError, TypeError, ValueError):
                    pass
            return None
        return wait_until(find, timeout, what="a matching SIP message")

    # -- registrar -------------------------------------------------------------

    def rpc(self, method, *params, timeout=5.0):
        """Call a Kamailio RPC command over the JSON-RPC datagram socket.
        Returns the 'result' or raises PbxError with the error."""
        req = {"jsonrpc": "2.0", "method": method, "params": list(params), "id": 1}
        path = os.path.join(self.rundir, "rpc-client-%s.sock" % uuid.uuid4().hex[:12])
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.bind(path)
            try:
                s.settimeout(timeout)
                s.sendto(json.dumps(req).encode(), self.rpc_socket)
                data = s.recv(1 << 20)
            except (socket.timeout, OSError) as e:
                raise PbxError("rpc %s failed: %s" % (method, e))
            finally:
                os.unlink(path)
        reply = json.loads(data.decode())
        if "error" in reply:
            err = reply["error"]
            raise PbxError("rpc %s: %s %s" % (method, err.get("code"), err.get("message")),
                           ) from None
        return reply.get("result")

    def kamcmd(self, *args, timeout=10):
        """Run kamcmd against the ctl socket; returns its stdout text."""
        res = subprocess.run(["kamcmd", "-s", "unix:" + self.ctl_socket] + list(args),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=timeout)
        return res.stdout.decode(errors="replace")

    @staticmethod
    def _aor_user(aor):
        a = str(aor)
        for prefix in ("sips:", "sip:"):
            if a.startswith(prefix):
                a = a[len(prefix):]
        return a.split("@", 1)[0]

    def bindings(self, aor):
        """Current registrations of aor ('101', '101@pbx.test' or
        'sip:101@pbx.test'): list of dicts with uri, expires (seconds left),
        received, socket, user_agent, q, callid, cseq, path, instance, reg_id,
        raw (the registrar's own dict)."""
        user = self._aor_user(aor)
        try:
            res = self.rpc("ul.lookup", "location", user)
        except PbxError as e:
            low = str(e).lower()
            if "404" in low or "not found" in low or "no contacts" in low:
                return []
            raise
        out = []
        for item in (res or {}).get("Contacts", []) or []:
            c = item.get("Contact", item)
            expires = c.get("Expires")
            if isinstance(expires, str):
                expires = None if expires == "permanent" else int(expires) if expires.isdigit() else expires
            out.append({
                "uri": c.get("Address"),
                "expires": expires,
                "received": _nz(c.get("Received")),
                "socket": _nz(c.get("Socket")),
                "user_agent": _nz(c.get("User-Agent")),
                "q": c.get("Q"),
                "callid": c.get("Call-ID"),
                "cseq": c.get("CSeq"),
                "path": _nz(c.get("Path")),
                "instance": _nz(c.get("Instance")),
                "reg_id": c.get("Reg-Id"),
                "raw": c,
            })
        return out

    def wait_for_bindings(self, aor, count, timeout=10.0):
        """Wait until aor has exactly count bindings; return them."""
        last = []

        def check():
            last[:] = self.bindings(aor)
            return len(last) == count

        try:
            wait_until(check, timeout, interval=0.1, what="%d binding(s) of %s" % (count, aor))
        except TimeoutError as e:
            raise TimeoutError("%s; current bindings: %s" % (e, [b["uri"] for b in last])) from None
        return list(last)


def die_with_parent():
    """In the child before exec: get SIGTERM when the Python process dies
    (even by SIGKILL), so Kamailio or a test peer never outlives the tests."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except Exception:  # pragma: no cover - best effort
        pass


def _nz(v):
    return None if v in (None, "", "[not set]") else v


def _pids_in_group(pgid):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        # fields: state ppid pgrp ...; zombies are gone already
        if (len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X")
                and int(entry) != os.getpid()):
            pids.append(int(entry))
    return pids


# --------------------------------------------------------------------------
# fault servers


class _ServerBase:
    kind = socket.SOCK_STREAM

    def __init__(self, port=0):
        self._req_port = port
        self.host = HOST
        self.port = None
        self.connections = 0
        self.received = []
        self._sock = None
        self._stop = threading.Event()
        self._thread = None
        self._clients = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        self._sock = socket.socket(socket.AF_INET, self.kind)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((HOST, self._req_port))
        if self.kind == socket.SOCK_STREAM:
            self._sock.listen(64)
        self._sock.setblocking(False)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._loop, name=type(self).__name__, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout=5.0):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        for c in self._clients:
            try:
                c.close()
            except OSError:
                pass
        self._clients = []
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _loop(self):
        sel = selectors.DefaultSelector()
        sel.register(self._sock, selectors.EVENT_READ, None)
        try:
            while not self._stop.is_set():
                for key, _ in sel.select(timeout=0.1):
                    if key.data is None:
                        if self.kind == socket.SOCK_DGRAM:
                            try:
                                data, addr = self._sock.recvfrom(65535)
                            except OSError:
                                continue
                            self.received.append(data)
                            continue
                        try:
                            conn, _addr = self._sock.accept()
                        except OSError:
                            continue
                        conn.setblocking(False)
                        self.connections += 1
                        self._clients.append(conn)
                        sel.register(conn, selectors.EVENT_READ, bytearray())
                    else:
                        conn = key.fileobj
                        try:
                            data = conn.recv(65536)
                        except BlockingIOError:
                            continue
                        except OSError:
                            data = b""
                        if not data:
                            sel.unregister(conn)
                            conn.close()
                            continue
                        key.data.extend(data)
                        self.received.append(data)
                        if self._on_data(conn, key.data):
                            sel.unregister(conn)
                            try:
                                conn.shutdown(socket.SHUT_RDWR)
                            except OSError:
                                pass
                            conn.close()
        finally:
            sel.close()

    def _on_data(self, conn, buf):
        """Return True to close the connection."""
        return False

    @property
    def address(self):
        return (self.host, self.port)


class SilentTcpServer(_ServerBase):
    """Accepts TCP connections, reads everything, never answers, never
    closes (until stopped)."""


class SilentUdpServer(_ServerBase):
    """Receives UDP datagrams and never answers."""
    kind = socket.SOCK_DGRAM


class HttpRejectServer(_ServerBase):
    """Answers every HTTP request (including a WebSocket upgrade) with the
    given status and closes the connection."""

    REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
               426: "Upgrade Required", 500: "Internal Server Error", 301: "Moved Permanently",
               302: "Found", 307: "Temporary Redirect", 308: "Permanent Redirect",
               502: "Bad Gateway", 503: "Service Unavailable"}

    def __init__(self, status=404, port=0, location=None):
        super().__init__(port)
        self.status = status
        self.location = location  # a Location header (redirects)
        self.requests = []

    def _on_data(self, conn, buf):
        if b"\r\n\r\n" not in buf:
            return False
        head = bytes(buf).split(b"\r\n\r\n", 1)[0].decode(errors="replace")
        self.requests.append(head)
        body = ("%d %s\n" % (self.status, self.REASONS.get(self.status, "Error"))).encode()
        location = "Location: %s\r\n" % self.location if self.location else ""
        resp = ("HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n%sContent-Length: %d\r\n"
                "Connection: close\r\n\r\n" % (self.status, self.REASONS.get(self.status, "Error"), location,
                                               len(body))).encode() + body
        try:
            conn.setblocking(True)
            conn.settimeout(2)
            conn.sendall(resp)
        except OSError:
            pass
        return True

    def url(self, path="/ws"):
        return "ws://%s:%d%s" % (HOST, self.port, path)


# --------------------------------------------------------------------------
# CLI


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description="Run the sip-call test PBX (Kamailio) on 127.0.0.1.")
    ap.add_argument("--duration", type=float, default=None,
                    help="stop by itself after this many seconds")
    ap.add_argument("--keep", action="store_true", help="keep the run directory")
    ap.add_argument("--rtpengine", action="store_true",
                    help="WebRTC gateway mode: rtpengine anchors every call's media")
    args = ap.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum, _frame):
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    pbx = TestPbx(keep_rundir=args.keep, rtpengine=args.rtpengine)
    try:
        pbx.start()
        sys.stdout.write(json.dumps(pbx.info()) + "\n")
        sys.stdout.flush()
        deadline = None if args.duration is None else time.monotonic() + args.duration
        while not stop.is_set():
            remaining = 1.0 if deadline is None else min(1.0, deadline - time.monotonic())
            if remaining <= 0:
                break
            stop.wait(remaining)
            if not pbx.running():
                sys.stderr.write("kamailio exited unexpectedly:\n%s\n" % pbx.log_tail())
                return 1
            if pbx.rtpengine is not None and not pbx.rtpengine.running():
                sys.stderr.write("rtpengine exited unexpectedly:\n%s\n" % pbx.rtpengine.log_tail())
                return 1
        return 0
    finally:
        pbx.stop()


if __name__ == "__main__":
    sys.exit(main())
