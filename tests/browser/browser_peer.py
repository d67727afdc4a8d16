"""Debian's Chromium with the JsSIP test softphone (phone.html) as a SIP peer
on the test PBX, driven through puppeteer-core (controller.js).

    from netns import NetNamespace
    from browser_peer import BrowserPeer
    with NetNamespace() as ns, BrowserPeer(pbx, 103, ns, tone_hz=440) as alice:
        alice.register()
        alice.call("104")
        alice.wait_until(lambda s: s["calls"][-1]["status"] == "confirmed")
        alice.heard()      # {"frequency_hz": 1000.2, "level_dbfs": -14.1, ...}

Processes, each started and stopped by PID (SIGTERM, then SIGKILL):
Chromium itself (inside the namespace; `ip netns exec` execs it, so the PID
is Chromium's), with --remote-debugging-port=0 and a fresh user-data-dir,
and node controller.js, which connects puppeteer-core to it and relays JSON
requests to window.phone in the page.  Chromium's helper processes are in
its process group and die with it.  The test CA goes into a private NSS
database in the user-data-dir (certutil), so wss is verified.

npm ci must have run in this directory (node_modules); build_bundle() makes
build/phone.js (esbuild) once per process.
"""

import fcntl
import json
import os
import selectors
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "pbx"))

from peerproc import Peer, PeerError, PeerProcess, WorkDir, describe_exit, read_text  # noqa: E402
from testpbx import _pids_in_group, die_with_parent, wait_until as _poll  # noqa: E402
from tones import write_tone_wav  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/lib/chromium/chromium")
NODE = os.environ.get("NODE_BIN", "node")
PAGE = os.path.join(HERE, "phone.html")

CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",
    # real addresses in candidates, not .local names (no mDNS in a namespace)
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    # AudioContext runs without a click
    "--autoplay-policy=no-user-gesture-required",
    # nothing but the test traffic
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--no-default-browser-check", "--disable-default-apps",
    "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
]

_bundle_built = False


def build_bundle():
    """Bundle phone.js with JsSIP into build/phone.js (once per process; a
    lock file keeps parallel runs from building at the same time)."""
    global _bundle_built
    if _bundle_built:
        return
    if not os.path.isdir(os.path.join(HERE, "node_modules", "jssip")):
        raise PeerError("run `npm ci` in %s first" % HERE)
    os.makedirs(os.path.join(HERE, "build"), exist_ok=True)
    with open(os.path.join(HERE, "build", ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        res = subprocess.run([NODE, os.path.join(HERE, "build.js")], stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=60)
    if res.returncode != 0:
        raise PeerError("esbuild failed: %s" % res.stderr)
    _bundle_built = True


class BrowserPeer(Peer):
    """One Chromium process with one softphone page and one account.

    pbx:      a started testpbx.TestPbx (running inside netns)
    ext:      extension it registers (password pbx.password(ext))
    netns:    a netns.NetNamespace: Chromium runs only inside one
    tone_hz:  what its fake microphone plays (a 48 kHz WAV it writes), or
    tone_wav: a WAV file of your own
    """

    stop_timeout = 3.0

    def __init__(self, pbx, ext, netns, tone_hz=440, tone_wav=None, workdir=None, keep_workdir=False,
                 start_timeout=15.0):
        if netns is None:
            raise ValueError("a browser runs only inside a network namespace")
        self.pbx = pbx
        self.ext = str(ext)
        self.netns = netns
        self.tone_hz = tone_hz
        self.tone_wav = tone_wav
        self.start_timeout = start_timeout
        self._workdir = WorkDir(workdir, "browser-%s-" % self.ext, keep_workdir)
        self.process = None       # Chromium
        self.controller = None    # node controller.js
        self.start_seconds = None  # Chromium's exec to DevTools ready
        self._sel = None
        self._buf = b""
        self._next_id = 1

    @property
    def user_data_dir(self):
        return self._workdir.join("profile")

    @property
    def log_path(self):
        """Chromium's stderr."""
        return self._workdir.join("chromium.log")

    @property
    def controller_log_path(self):
        """controller.js's stderr: the page's console."""
        return self._workdir.join("controller.log")

    def start(self):
        if self.process is not None:
            raise PeerError("already started")
        try:
            build_bundle()
            self._workdir.create()
            os.makedirs(self.user_data_dir)
            self._trust_ca()
            wav = self.tone_wav or write_tone_wav(self._workdir.join("tone.wav"), self.tone_hz,
                                                  seconds=10, rate=48000)
            cmd = [CHROMIUM, *CHROMIUM_FLAGS, "--use-file-for-fake-audio-capture=" + wav,
                   "--user-data-dir=" + self.user_data_dir, "about:blank"]
            t0 = time.monotonic()
            self.process = PeerProcess(self.netns.command(cmd), self.workdir, self.log_path,
                                       # Chromium reads $HOME/.pki/nssdb: HOME is the profile
                                       env=dict(os.environ, HOME=self.user_data_dir))
            endpoint = self._wait_devtools()
            self.start_seconds = time.monotonic() - t0
            self._start_controller(endpoint)
            return self
        except BaseException:
            self.stop()
            raise

    def _trust_ca(self):
        """Chromium on Linux trusts what the NSS db in the profile trusts."""
        db = "sql:" + os.path.join(self.user_data_dir, ".pki", "nssdb")
        os.makedirs(os.path.join(self.user_data_dir, ".pki", "nssdb"))
        for args in (["-N", "--empty-password"],
                     ["-A", "-n", "sip-call test CA", "-t", "C,,", "-i", self.pbx.ca_file]):
            res = subprocess.run(["certutil", "-d", db, *args], stdin=subprocess.DEVNULL,
                                 capture_output=True, text=True, timeout=30)
            if res.returncode != 0:
                raise PeerError("certutil %s: %s" % (args[0], res.stderr.strip()))

    def _wait_devtools(self):
        port_file = os.path.join(self.user_data_dir, "DevToolsActivePort")

        def ready():
            if not self.process.running():
                raise describe_exit(self.process, "chromium")
            lines = read_text(port_file).split("\n")
            return len(lines) >= 2 and lines[1] and lines
        try:
            lines = _poll(ready, self.start_timeout, interval=0.02, what="Chromium's DevTools port")
        except TimeoutError as e:
            raise PeerError("%s:\n%s" % (e, self.process.log_tail())) from None
        return "ws://127.0.0.1:%s%s" % (lines[0].strip(), lines[1].strip())

    def _start_controller(self, endpoint):
        log = open(self.controller_log_path, "ab")
        try:
            # node talks to Chromium on the namespace's loopback: it runs there too
            self.controller = subprocess.Popen(
                self.netns.command([NODE, os.path.join(HERE, "controller.js"), endpoint, "file://" + PAGE]),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, start_new_session=True,
                preexec_fn=die_with_parent)
        finally:
            log.close()
        self._sel = selectors.DefaultSelector()
        self._sel.register(self.controller.stdout, selectors.EVENT_READ)
        first = self._read_reply(0, self.start_timeout)
        if not first["ok"]:
            raise PeerError("controller: %s\n%s" % (first.get("error"), read_text(self.controller_log_path)))
        self.jssip_version = first["value"]

    # -- requests to the page ------------------------------------------------

    def _read_reply(self, want_id, timeout):
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self._buf:
                line, self._buf = self._buf.split(b"\n", 1)
                if line.strip():
                    msg = json.loads(line)
                    if msg.get("id") == want_id:
                        return msg
            left = deadline - time.monotonic()
            if left <= 0:
                raise PeerError("no answer from the page within %.1fs\n%s"
                                % (timeout, read_text(self.controller_log_path)[-3000:]))
            if self._sel.select(timeout=left):
                chunk = os.read(self.controller.stdout.fileno(), 65536)
                if not chunk:
                    raise PeerError("controller exited (%s):\n%s"
                                    % (self.controller.poll(), read_text(self.controller_log_path)[-3000:]))
                self._buf += chunk

    def request(self, fn, *args, timeout=10.0):
        """window.phone[fn](*args) in the page; its (awaited) value, or
        PeerError with the page's error."""
        if self.controller is None or self.controller.poll() is not None:
            raise PeerError("the browser is not running")
        rid = self._next_id
        self._next_id += 1
        self.controller.stdin.write((json.dumps({"id": rid, "fn": fn, "args": list(args)}) + "\n").encode())
        self.controller.stdin.flush()
        msg = self._read_reply(rid, timeout)
        if not msg["ok"]:
            raise PeerError("%s: %s" % (fn, msg.get("error")))
        return msg["value"]

    @property
    def aor(self):
        return "sip:%s@%s" % (self.ext, self.pbx.domain)

    def register(self, transport="wss", timeout=10.0):
        """Register over wss (or ws); returns once the PBX said 200."""
        return self.request("register", {"wss": self.pbx.url(transport), "uri": self.aor,
                                         "password": self.pbx.password(self.ext)}, timeout=timeout)

    def call(self, target):
        """Call target (an extension or a SIP URI); returns the call's index."""
        uri = target if ":" in str(target) else "sip:%s@%s" % (target, self.pbx.domain)
        return self.request("call", uri)

    def answer_next(self):
        """Answer the call that rings now, or the next one to come."""
        return self.request("answerNext")

    def hangup(self, index=None):
        return self.request("hangup", index)

    def state(self):
        """{"registration": {...}, "calls": [{direction, status (new,
        progress, answering, accepted, confirmed, ended, failed), cause,
        status_code, originator, local_sdp, remote_sdp, ice_state, ...}]}"""
        return self.request("state")

    def last_call(self):
        calls = self.state()["calls"]
        return calls[-1] if calls else None

    def wait_until(self, predicate, timeout=10.0, what="the browser's state"):
        """Poll state() until predicate(state) is true; returns that state."""
        last = {}

        def check():
            last["s"] = self.state()
            try:
                return predicate(last["s"]) and last["s"]
            except (IndexError, KeyError, TypeError):
                return False
        try:
            return _poll(check, timeout, interval=0.05, what=what)
        except TimeoutError as e:
            calls = [{k: v for k, v in c.items() if not k.endswith("_sdp")} for c in last.get("s", {}).get("calls", [])]
            raise PeerError("%s; registration %s, calls %s" % (e, last.get("s", {}).get("registration"), calls)) from None

    def wait_call(self, statuses, timeout=10.0):
        """Wait until the last call's status is one of statuses; returns it."""
        statuses = (statuses,) if isinstance(statuses, str) else tuple(statuses)

        def reached(s):
            call = s["calls"][-1]
            if call["status"] in statuses:
                return True
            if call["status"] in ("ended", "failed"):  # it never will: say so now
                raise PeerError("the call %s (%s, %s %s) while waiting for %s"
                                % (call["status"], call["originator"], call["status_code"] or "",
                                   call["cause"], "/".join(statuses)))
            return False
        s = self.wait_until(reached, timeout, what="a call %s" % "/".join(statuses))
        return s["calls"][-1]

    def wait_heard(self, timeout=10.0):
        """Wait until the last call has a remote audio track."""
        self.wait_until(lambda s: s["calls"][-1]["has_remote_audio"], timeout, what="a remote audio track")

    def heard(self, window_ms=1000, index=None):
        """What the remote track sounded like over window_ms: frequency_hz,
        level_dbfs, tone_share (see phone.js)."""
        return self.request("heard", window_ms, index, timeout=window_ms / 1000 + 10)

    def sdp(self, index=None):
        """{"local": the SDP this browser sent, "remote": the SDP it got}."""
        calls = self.state()["calls"]
        c = calls[-1] if index is None else calls[index]
        return {"local": c["local_sdp"], "remote": c["remote_sdp"]}

    def ice_pair(self, index=None):
        """The selected candidate pair: {"local": {type, address, port,
        protocol}, "remote": {...}} or None."""
        return self.request("icePair", index)

    def pids(self):
        """Chromium and every process of its group (renderer, GPU, ...)."""
        if not self.process:
            return []
        return _pids_in_group(self.process.pid)

    def cpu_seconds(self):
        """User+system CPU of Chromium's processes so far (/proc)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids():
            try:
                with open("/proc/%d/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[-1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / tick

    # -- shutdown ------------------------------------------------------------

    def stop(self, remove_workdir=True):
        """Stop the controller, then Chromium and its process group, by PID
        and group id.  Idempotent; also after a failed start()."""
        if self.controller is not None:
            if self.controller.poll() is None:
                try:
                    self.controller.stdin.close()
                except OSError:
                    pass
                try:
                    self.controller.wait(2)
                except subprocess.TimeoutExpired:
                    self.controller.kill()
                    self.controller.wait(5)
            else:
                self.controller.stdin.close()
            self.controller.stdout.close()
            self.controller = None
        if self._sel is not None:
            self._sel.close()
            self._sel = None
        if self.process is not None:
            pgid = self.process.pid
            self.process.stop(self.stop_timeout)
            try:  # helpers that outlived their parent
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                _poll(lambda: not self.pids(), 5, interval=0.02, what="Chromium's helpers to exit")
            except TimeoutError:
                raise PeerError("Chromium's helpers %s outlived SIGKILL" % self.pids()) from None
        if remove_workdir and self._workdir is not None:
            self._workdir.remove()
