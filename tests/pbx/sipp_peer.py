"""sipp (Debian's sip-tester) as an independent callee on the test PBX: it
registers an extension, answers every INVITE with PCMU and echoes the
caller's RTP back (-rtp_echo).

    from sipp_peer import SippUas
    with SippUas(pbx, 150) as echo:
        echo.wait_registered()
        ... call 150 ...
        echo.wait_answered(1)
        ... the caller hears its own audio ...
        echo.wait_closed(1)

One sipp process runs two scenarios: sipp_uas_register.xml registers
(REGISTER, 401, REGISTER with digest, 200) and then idles, so the binding's
source address is sipp's own socket; INVITEs from the PBX carry other
Call-IDs and go to the out-of-call scenario sipp_uas_answer.xml (-oocsf),
one instance per call.  Both scenarios write <log> lines that this module
reads as events.  sipp picks its SIP port (a free one) and its RTP echo port
(6000, 6002, ... the first free pair), all on 127.0.0.1.
"""

import os

from peerproc import Peer, PeerError, PeerProcess, WorkDir, describe_exit, read_text
from testpbx import wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
SIPP = "sipp"
REGISTER_SCENARIO = os.path.join(HERE, "sipp_uas_register.xml")
ANSWER_SCENARIO = os.path.join(HERE, "sipp_uas_answer.xml")
# The callee's behaviours: ANSWER_SCENARIO behaves; "silent" answers and
# never sends RTP; the others answer and echo like ANSWER_SCENARIO, then
# fail one in-dialog request (see each file's comment).
MODES = {
    "answer": ANSWER_SCENARIO,
    "silent": os.path.join(HERE, "sipp_uas_silent.xml"),
    "no_bye_answer": os.path.join(HERE, "sipp_uas_no_bye_answer.xml"),
    "ignore_info": os.path.join(HERE, "sipp_uas_ignore_info.xml"),
    "refuse_info": os.path.join(HERE, "sipp_uas_refuse_info.xml"),
}
SIPP_TRANSPORTS = {"udp": "u1", "tcp": "t1"}  # one socket for everything


class SippUas(Peer):
    """A registered sipp callee that answers with PCMU and echoes RTP.

    pbx:       a started testpbx.TestPbx
    ext:       extension it registers (password pbx.password(ext))
    transport: "udp" or "tcp" (one socket/connection to the PBX)
    mode:      a key of MODES: "answer" (default) behaves; "silent"
               answers and never sends RTP; "no_bye_answer"
               never answers the caller's BYE; "ignore_info" never answers
               INFO; "refuse_info" answers INFO with 488
    workdir:   directory for sipp's logs (default: a new temp dir, removed by
               stop() unless keep_workdir or env TESTPBX_KEEP)
    """

    def __init__(self, pbx, ext, transport="udp", workdir=None, keep_workdir=False,
                 start_timeout=10.0, stop_timeout=3.0, mode="answer"):
        if transport not in SIPP_TRANSPORTS:
            raise ValueError("transport must be udp or tcp, not %r" % transport)
        if mode not in MODES:
            raise ValueError("mode must be one of %s, not %r" % (sorted(MODES), mode))
        self.mode = mode
        self.scenario = MODES[mode]
        self.pbx = pbx
        self.ext = str(ext)
        self.transport = transport
        self._workdir = WorkDir(workdir, "sipp-%s-" % self.ext, keep_workdir)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.process = None

    def _path(self, name):
        return self._workdir.join(name)

    @property
    def events_path(self):
        """sipp's <log> lines: REGISTERED, INVITE <callid>, ANSWERED
        <callid>, INFO <callid>, BYE <callid> (modes), CLOSED <callid>."""
        return self._path("events.log")

    @property
    def messages_path(self):
        """Every SIP message sipp sent or received (-trace_msg)."""
        return self._path("messages.log")

    def start(self):
        """Start sipp; returns once it has bound its sockets and sent its
        first REGISTER (or raises PeerError with its output)."""
        if self.process is not None:
            raise PeerError("already started")
        try:
            self._workdir.create()
            cmd = [SIPP, "%s:%d" % (self.pbx.host, self.pbx.ports[self.transport]),
                   "-sf", REGISTER_SCENARIO, "-oocsf", self.scenario,
                   "-t", SIPP_TRANSPORTS[self.transport],
                   "-key", "domain", self.pbx.domain,
                   "-s", self.ext, "-au", self.ext, "-ap", self.pbx.password(self.ext),
                   # SIP, RTP echo and the remote-control socket on loopback only
                   "-i", self.pbx.host, "-mi", self.pbx.host, "-ci", self.pbx.host,
                   *([] if self.mode == "silent" else ["-rtp_echo"]), "-m", "1", "-nostdin",
                   "-trace_logs", "-log_file", self.events_path,
                   "-trace_msg", "-message_file", self.messages_path,
                   "-trace_err", "-error_file", self._path("errors.log")]
            self.process = PeerProcess(cmd, self.workdir, self._path("sipp.out"))
            wait_until(lambda: not self.process.running() or "REGISTER sip:" in read_text(self.messages_path),
                       self.start_timeout, what="sipp's first REGISTER")
            if not self.process.running():
                raise describe_exit(self.process, "sipp")
            return self
        except BaseException:
            self.stop()
            raise

    def events(self):
        """sipp's event lines so far, as (word, argument) pairs."""
        out = []
        for line in read_text(self.events_path).splitlines():
            word, _, arg = line.strip().partition(" ")
            if word:
                out.append((word, arg))
        return out

    def _wait_events(self, word, count, timeout):
        """Call-IDs of the first `count` events `word`, once there are that many."""
        def enough():
            ids = [arg for w, arg in self.events() if w == word]
            if len(ids) >= count:
                return ids[:count]
            if not self.process.running():
                raise describe_exit(self.process, "sipp (waiting for %s)" % word)
            return None
        try:
            return wait_until(enough, timeout, what="%d sipp %s event(s)" % (count, word))
        except TimeoutError as e:
            raise PeerError("%s; events: %s\n%s" % (e, self.events(),
                                                   self.process.log_tail())) from None

    def wait_registered(self, timeout=10.0):
        """Wait until the PBX accepted sipp's REGISTER."""
        self._wait_events("REGISTERED", 1, timeout)

    def wait_answered(self, count=1, timeout=10.0):
        """Wait until `count` calls were answered (ACK received); returns
        their Call-IDs."""
        return self._wait_events("ANSWERED", count, timeout)

    def wait_closed(self, count=1, timeout=10.0):
        """Wait until `count` calls ended with a BYE; returns their Call-IDs."""
        return self._wait_events("CLOSED", count, timeout)
