"""baresip (Debian's baresip-core) as an independent SIP peer for sip-call's
integration tests and benchmarks, registered on the test PBX.

    from baresip_peer import BaresipPeer
    with BaresipPeer(pbx, 101, codecs=["opus"], tone_hz=440) as alice, \\
         BaresipPeer(pbx, 102, codecs=["opus"], tone_hz=1000) as bob:
        alice.wait_registered(); bob.wait_registered()
        alice.dial("102")
        alice.wait_established(); bob.wait_established()
        ...
        alice.hangup()
        call = bob.wait_closed()          # call["received_wav"]: what bob heard

How it runs (see tests/pbx/README.md, "Independent peers"):
  * headless: no stdio module, stdin is /dev/null; the config directory
    (-f) is generated; no accounts/contacts files;
  * controlled over the ctrl_tcp module (JSON in netstrings on
    127.0.0.1): commands (uanew, dial, hangup) and events (REGISTER_OK,
    CALL_ESTABLISHED, CALL_CLOSED, ...).  The account is created with
    "uanew" only after the control connection is up, so no event is missed;
  * net_interface 127.0.0.1 and SIP listening on random ports of
    127.0.0.1; the PBX is the outbound proxy;
  * audio source: the aufile module reading a 16-bit WAV (a tone written
    at start, or a given file); when the file ends baresip ends the call;
  * audio sink: the sndfile filter writes what was decoded (received) and
    what was encoded (sent) per call; the player is an unconnected aubridge
    device, which discards audio without a sound card.
"""

import os
import re
import wave

from baresip_ctrl import ControlConnection
from peerproc import Peer, PeerError, PeerProcess, WorkDir, describe_exit
from testpbx import free_port, wait_until
from tones import write_tone_wav

BARESIP = "baresip"
MODULE_DIRS = ("/usr/lib/baresip/modules", "/usr/local/lib/baresip/modules")

# Names tests use -> baresip's codec names (account parameter audio_codecs).
CODECS = {"opus": "opus/48000/2", "pcmu": "PCMU/8000/1", "pcma": "PCMA/8000/1"}


def _module_dir():
    for d in MODULE_DIRS:
        if os.path.exists(os.path.join(d, "ctrl_tcp.so")):
            return d
    raise PeerError("baresip modules not found (tried %s); install baresip-core"
                    % ", ".join(MODULE_DIRS))


class BaresipPeer(Peer):
    """One baresip process with one account (ext) on the test PBX.

    pbx:         a started testpbx.TestPbx
    ext:         extension (100..199, 1000..1999); password pbx.password(ext)
    transport:   "udp" or "tcp" (to the PBX)
    codecs:      offered/accepted codecs in order: "opus", "PCMU", "PCMA"
                 (or any baresip name such as "opus/48000/2")
    tone_hz:     audio source: a sine of this frequency [Hz] (8 kHz mono WAV
                 of source_seconds, written into the work directory) ...
    source_wav:  ... or this 16-bit PCM WAV file instead (any rate/channels)
    source_seconds: length of the generated tone; baresip ends a call when
                 the source file ends, so keep it longer than any call
    auto_answer: answer incoming calls at once (answermode=auto); else they
                 ring until accept()
    ptime:       packet time [ms]
    rtcp_mux:    offer/accept RTP and RTCP on one port
    mediaenc:    media encryption of the account (e.g. "srtp-mand": SDES-SRTP
                 only, by baresip's srtp module; "dtls_srtp": DTLS-SRTP by
                 its dtls_srtp module); None = plain RTP
    medianat:    media NAT traversal of the account ("ice": baresip's ice
                 module, host candidates); None = none
    extra_config: {name: value} appended to baresip's config file
    sip_trace:   log every SIP message (baresip -s) into the log file
    record:      record every call (the sndfile module); False for
                 benchmarks, where writing files would be a cost sip-call
                 does not pay (wait_closed() then returns no recordings)
    workdir:     directory for config, log and recordings (default: a new
                 temp dir, removed by stop() unless keep_workdir)
    """

    def __init__(self, pbx, ext, transport="udp", codecs=("opus", "PCMU", "PCMA"), tone_hz=440,
                 source_wav=None, source_seconds=60, auto_answer=True, ptime=20, rtcp_mux=False,
                 mediaenc=None, medianat=None, extra_config=None, sip_trace=True, record=True, workdir=None, keep_workdir=False,
                 start_timeout=10.0, stop_timeout=3.0):
        if transport not in ("udp", "tcp"):
            raise ValueError("transport must be udp or tcp, not %r" % transport)
        self.pbx = pbx
        self.ext = str(ext)
        self.transport = transport
        self.codecs = [CODECS.get(c.lower(), c) for c in codecs]
        self.tone_hz = tone_hz
        self.source_wav = source_wav
        self.source_seconds = source_seconds
        self.auto_answer = auto_answer
        self.ptime = ptime
        self.rtcp_mux = rtcp_mux
        self.mediaenc = mediaenc
        self.medianat = medianat
        self.extra_config = dict(extra_config or {})
        self.sip_trace = sip_trace
        self.record = record
        self._workdir = WorkDir(workdir, "baresip-%s-" % self.ext, keep_workdir)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.process = None
        self.control = None
        self.ctrl_port = None
        self.calls = []           # CALL_CLOSED events with recordings, oldest first

    # -- lifecycle ---------------------------------------------------------

    @property
    def aor(self):
        return "sip:%s@%s" % (self.ext, self.pbx.domain)

    @property
    def config_dir(self):
        return self._workdir.join("config")

    @property
    def recordings_dir(self):
        return self._workdir.join("recordings")

    @property
    def log_path(self):
        return self._workdir.join("baresip.log")

    def start(self, attempts=3):
        """Start baresip, connect to its control port and create the
        account (which starts registering).  Returns self."""
        if self.process is not None:
            raise PeerError("already started")
        try:
            self._workdir.create()
            os.makedirs(self.config_dir, exist_ok=True)
            os.makedirs(self.recordings_dir, exist_ok=True)
            source = self._audio_source()
            for attempt in range(attempts):
                # The control port is the only one we choose; another
                # process may take it between choosing and binding.  Then
                # baresip runs on without ctrl_tcp and we may have connected
                # to that other process: uanew gets no answer.
                self.ctrl_port = free_port()
                self._write_config(source)
                cmd = [BARESIP, "-f", self.config_dir] + (["-s"] if self.sip_trace else [])
                self.process = PeerProcess(cmd, self.workdir, self.log_path)
                try:
                    self.control = self._connect()
                    self.control.command("uanew", self._account())
                    return self
                except PeerError:
                    port_taken = "ctrl_tcp: failed to listen" in self.process.log_text()
                    self.stop(remove_workdir=False)
                    self.process = None
                    if not port_taken or attempt == attempts - 1:
                        raise
        except BaseException:
            self.stop()
            raise

    def _connect(self):
        """Connect to ctrl_tcp as soon as baresip listens."""
        def attempt():
            try:
                return ControlConnection(self.ctrl_port, timeout=1.0)
            except OSError:
                return None
        return self._poll(attempt, self.start_timeout, "the control port")

    def stop(self, remove_workdir=True):
        """Stop baresip (SIGTERM: it unregisters and hangs up; SIGKILL after
        stop_timeout).  Idempotent.  Removes the work directory if it
        created it, unless keep_workdir or env TESTPBX_KEEP is set."""
        if self.control is not None:
            self.control.close()
            self.control = None
        super().stop(remove_workdir)

    def log_text(self):
        return self.process.log_text() if self.process else ""

    # -- configuration -----------------------------------------------------

    def _audio_source(self):
        """(path, rate, channels) of the WAV file baresip plays."""
        path = self.source_wav
        if path is None:
            if self.tone_hz is None:
                raise ValueError("give tone_hz or source_wav")
            path = write_tone_wav(self._workdir.join("source-%d.wav" % self.tone_hz),
                                  self.tone_hz, seconds=self.source_seconds)
        with wave.open(path, "rb") as w:
            if w.getsampwidth() != 2:
                raise ValueError("%s: baresip's aufile needs 16-bit PCM" % path)
            return os.path.abspath(path), w.getframerate(), w.getnchannels()

    def _write_config(self, source):
        path, rate, channels = source
        player = "aubridge,discard-%s" % self.ext  # no source joins it: audio is dropped
        cfg = [
            ("poll_method", "epoll"),
            # only loopback: the interface baresip uses and advertises, and
            # (port 0) random SIP ports on it
            ("net_interface", "127.0.0.1"),
            ("sip_listen", "127.0.0.1:0"),
            # no DNS query ever leaves the machine (all URIs use IPs anyway)
            ("dns_server", "127.0.0.1:53"),
            ("call_local_timeout", "120"),
            ("call_max_calls", "4"),
            ("audio_player", player),
            ("audio_alert", player),
            ("audio_source", "aufile,%s" % path),
            # the file's format; baresip resamples to the codec's
            ("ausrc_srate", str(rate)),
            ("ausrc_channels", str(channels)),
            ("audio_buffer", "20-160"),
            ("rtcp_mux", "yes" if self.rtcp_mux else "no"),
            ("jitter_buffer_delay", "5-10"),
            ("module_path", _module_dir()),
            ("module", "g711.so"),
            ("module", "opus.so"),
            ("module", "aufile.so"),
            ("module", "aubridge.so"),
        ]
        if self.mediaenc:
            cfg += [("module", "dtls_srtp.so" if self.mediaenc.startswith("dtls") else "srtp.so")]
        if self.medianat:
            cfg += [("module", "%s.so" % self.medianat)]
        if self.record:
            cfg += [("module", "sndfile.so"), ("snd_path", self.recordings_dir)]
        cfg += [
            ("module_app", "menu.so"),
            ("module_app", "ctrl_tcp.so"),
            ("ctrl_tcp_listen", "127.0.0.1:%d" % self.ctrl_port),
            ("ringback_disabled", "yes"),
        ]
        cfg += [(k, str(v)) for k, v in self.extra_config.items()]
        with open(os.path.join(self.config_dir, "config"), "w") as f:
            f.write("".join("%s\t%s\n" % kv for kv in cfg))
        # empty: the account comes over the control connection
        open(os.path.join(self.config_dir, "accounts"), "w").close()

    def _account(self):
        params = [
            "auth_pass=%s" % self.pbx.password(self.ext),
            'outbound="sip:%s:%d;transport=%s"' % (self.pbx.host, self.pbx.ports[self.transport],
                                                   self.transport),
            "regint=300",
            "answermode=%s" % ("auto" if self.auto_answer else "manual"),
            "audio_codecs=%s" % ",".join(self.codecs),
            "ptime=%d" % self.ptime,
        ]
        if self.mediaenc:
            params.append("mediaenc=%s" % self.mediaenc)
        if self.medianat:
            params.append("medianat=%s" % self.medianat)
        return "<sip:%s@%s;transport=%s>;%s" % (self.ext, self.pbx.domain, self.transport,
                                                ";".join(params))

    # -- events and commands -----------------------------------------------

    def _missing(self, what, timeout):
        """A builder of the error for a wait that ended without `what`."""
        def build():
            if not self.running():
                return describe_exit(self.process, "baresip (waiting for %s)" % what)
            return PeerError("baresip %s: no %s within %.1f s; events: %s\n%s"
                             % (self.ext, what, timeout, [e.get("type") for e in self.events],
                                self.process.log_tail()))
        return build

    def _poll(self, cond, timeout, what):
        """wait_until(cond) that ends early when baresip exits and explains
        a timeout with the events and the log so far."""
        def check():
            if not self.process.running():
                raise self._missing(what, timeout)()
            return cond()
        try:
            return wait_until(check, timeout, interval=0.02, what=what)
        except TimeoutError:
            raise self._missing(what, timeout)() from None

    def command(self, command, params=None, timeout=5.0):
        """Any baresip command (see its 'help'); returns its output."""
        return self.control.command(command, params, timeout)

    def wait_event(self, *types, timeout=10.0):
        """The oldest not yet taken event of one of these types (e.g.
        "CALL_INCOMING", "CALL_RTPESTAB"): a dict with type, class, param,
        id (Call-ID), peeruri, direction, accountaor, time."""
        return self.control.take_event(types, timeout, on_missing=self._missing("/".join(types), timeout))

    @property
    def events(self):
        return list(self.control.events) if self.control else []

    def wait_registered(self, timeout=10.0):
        """Wait for REGISTER_OK (REGISTER_FAIL raises)."""
        return self.control.take_event(("REGISTER_OK",), timeout, fail_types=("REGISTER_FAIL",),
                                       on_missing=self._missing("REGISTER_OK", timeout))

    def dial(self, target):
        """Call target: an extension ("102") or a SIP URI."""
        uri = target if ":" in str(target) else "sip:%s@%s" % (target, self.pbx.domain)
        self.control.command("dial", uri)

    def accept(self):
        """Answer the ringing incoming call (auto_answer=False)."""
        self.control.command("accept")

    def hangup(self):
        """Hang up the current call."""
        self.control.command("hangup")

    def wait_established(self, timeout=10.0):
        """Wait for CALL_ESTABLISHED; a CALL_CLOSED first raises PeerError
        with its reason (e.g. "486 Busy Here")."""
        return self.control.take_event(("CALL_ESTABLISHED",), timeout, fail_types=("CALL_CLOSED",),
                                       on_missing=self._missing("CALL_ESTABLISHED", timeout))

    def wait_closed(self, timeout=10.0):
        """Wait for CALL_CLOSED and return its event, with two more keys:
        received_wav (what this peer decoded) and sent_wav (what it
        encoded), paths in the work directory or None if the call had no
        audio.  Recordings are complete (baresip has closed them)."""
        ev = self.control.take_event(("CALL_CLOSED",), timeout,
                                     on_missing=self._missing("CALL_CLOSED", timeout))
        ev = dict(ev)
        ev.update(self._collect_recordings(len(self.calls) + 1, timeout))
        self.calls.append(ev)
        return ev

    def received_sdp(self):
        """The SDP bodies of the SIP messages this peer received, oldest
        first, from its SIP trace (needs sip_trace): what it was told to
        send its media to."""
        bodies = []
        for block in _TRACE_RE.finditer(self.log_text()):
            if block.group("dst") != self.pbx.host + ":%d" % self.pbx.ports[self.transport]:
                message = block.group("message").replace("\r\n", "\n")
                head, _, body = message.partition("\n\n")
                if "application/sdp" in head.lower() and body.strip():
                    bodies.append(body.strip() + "\n")
        return bodies

    def wait_received(self, seconds, timeout=10.0):
        """Wait until the current call's recording of received audio holds
        at least `seconds` of audio (its size grows while baresip decodes;
        the header is only final after the call)."""
        def have():
            found = self._dumps("dec")
            return found and _wav_seconds_written(os.path.join(self.recordings_dir, found[-1])) >= seconds
        self._poll(have, timeout, "%.1f s of received audio" % seconds)

    # -- recordings ----------------------------------------------------------

    def _dumps(self, suffix):
        """The sndfile module's files of this call, oldest first."""
        return sorted(f for f in os.listdir(self.recordings_dir)
                      if f.startswith("dump-") and f.endswith("-%s.wav" % suffix))

    def _collect_recordings(self, number, timeout):
        """Rename the sndfile module's dump-<time>-dec/enc.wav to
        call-<n>-received/sent.wav once baresip has closed them (their
        RIFF header then holds the real size).  sndfile names files by the
        second, so a later call within the same second would overwrite
        them; renaming prevents that."""
        out = {"received_wav": None, "sent_wav": None}
        for suffix, key, name in (("dec", "received_wav", "received"), ("enc", "sent_wav", "sent")):
            found = self._dumps(suffix)
            if not found:
                continue
            src = os.path.join(self.recordings_dir, found[-1])
            self._poll(lambda: _wav_complete(src), timeout, "the complete %s" % found[-1])
            dst = os.path.join(self.recordings_dir, "call-%d-%s.wav" % (number, name))
            os.replace(src, dst)
            out[key] = dst
        return out


# One SIP message in baresip's -s trace: "<esc>[36;1m#", then "UDP src -> dst",
# the message, "<esc>[;m".
_TRACE_RE = re.compile(r"#\n(?:UDP|TCP|TLS) (?P<src>\S+) -> (?P<dst>\S+)\n(?P<message>.*?)\x1b\[;m", re.S)


def _wav_complete(path):
    """libsndfile writes the RIFF size when it closes the file."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return False
    return (len(head) == 8 and head[:4] == b"RIFF" and size > 44
            and int.from_bytes(head[4:8], "little") == size - 8)


def _wav_seconds_written(path):
    """Seconds of audio in a WAV file libsndfile is still writing: (file
    size - its 44-byte header) / the byte rate its header already holds."""
    try:
        with open(path, "rb") as f:
            head = f.read(44)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return 0.0
    byte_rate = int.from_bytes(head[28:32], "little") if len(head) == 44 else 0
    return (size - 44) / byte_rate if byte_rate else 0.0
