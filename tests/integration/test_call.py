"""dial and answer against the real test PBX: sip-call calls sip-call, each
side sends its own tone and records what it hears; failures of every kind
end with the documented exit code."""

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

import pytest

from sipcall import BIN, Running, account_args, run
import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "pbx"))
from sipclient import SipClient  # noqa: E402

TONE_CHECK = os.environ.get("TONE_CHECK_BIN") or os.path.join(os.path.dirname(BIN), "tests", "tools", "tone-check")

# Users of their own: test_register uses 110-119.
CALLER, CALLEE = "150", "151"


def tone_check(path, expect, reject):
    proc = subprocess.run([TONE_CHECK, path, "--expect", str(expect), "--reject", str(reject)],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, f"{path}: expected {expect} Hz, not {reject} Hz: {proc.stdout} {proc.stderr}"


def start_answer(pbx, transport, user, extra=()):
    """sip-call answer, running and registered."""
    proc = Running(account_args(pbx, transport, user, ["--json", "answer", "--no-playback", *extra]),
                   password=pbx.password(user))
    proc.wait_for_json(lambda o: o.get("event") == "registered")
    return proc


def finish(proc, timeout=20):
    """Waits for a Running sip-call to exit by itself; returns (code, report)."""
    out, err = proc.proc.communicate(timeout=timeout)
    proc.stderr = err
    out = proc._partial.decode() + out
    lines = proc.lines + [json.loads(line) for line in out.splitlines() if line.strip()]
    return proc.proc.returncode, lines[-1]


def dial(pbx, transport, user, target, extra=(), timeout=40):
    return run(account_args(pbx, transport, user, ["--json", "dial", target, "--no-playback", *extra]),
               password=pbx.password(user), timeout=timeout)


@pytest.mark.parametrize("dial_transport,answer_transport,codec", [
    ("wss", "udp", "opus"),
    ("udp", "wss", "pcmu"),
    ("tcp", "tls", "opus"),
    ("ws", "tcp", "pcma"),
])
def test_two_way_audio(pbx, tmp_path, dial_transport, answer_transport, codec):
    heard_by_caller = str(tmp_path / "caller.wav")
    heard_by_callee = str(tmp_path / "callee.wav")
    with start_answer(pbx, answer_transport, CALLEE,
                      ["--calls", "1", "--tone", "1000", "--record", heard_by_callee, "--codecs", codec]) as callee:
        r = dial(pbx, dial_transport, CALLER, CALLEE,
                 ["--duration", "2s", "--tone", "440", "--record", heard_by_caller, "--codecs", codec])
        code, callee_report = finish(callee)
    assert r.code == 0, r
    report = r.report()
    assert report["result"] == "ok"
    assert report["media"]["codec"] == codec
    assert report["media"]["packets_received"] > 50
    # The PBX may relay the callee's 180 and 200 in either order (workers).
    assert {180, 200} <= set(report["statuses"]), report["statuses"]
    assert report["hangup_by"] == "local"
    if "post_dial_delay_ms" in report["timings"]:
        assert report["timings"]["post_dial_delay_ms"] <= report["timings"]["answer_ms"]
    assert code == 0, callee.stderr
    assert callee_report["calls_answered"] == 1
    assert callee_report["calls"][0]["hangup_by"] == "remote"
    assert callee_report["calls"][0]["media"]["packets_received"] > 50
    tone_check(heard_by_caller, 1000, 440)
    tone_check(heard_by_callee, 440, 1000)
    # The call flow is printed as it happens.
    for line in ("-> INVITE sip:%s@pbx.test" % CALLEE, "<- 180 Ringing", "<- 200 OK", "-> ACK", "-> BYE",
                 "<- 200 OK (BYE)"):
        assert line in r.stderr, r.stderr


def test_echo_answer_returns_our_tone(pbx, tmp_path):
    heard = str(tmp_path / "echo.wav")
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--echo"]) as callee:
        r = dial(pbx, "udp", CALLER, CALLEE, ["--duration", "2s", "--tone", "700", "--record", heard])
        code, _ = finish(callee)
    assert r.code == 0, r
    assert code == 0
    tone_check(heard, 700, 1000)


def test_callee_hangs_up_first(pbx):
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "1000", "--duration", "1s"]) as callee:
        r = dial(pbx, "tcp", CALLER, CALLEE, ["--duration", "20s", "--tone", "440"])
        code, report = finish(callee)
    assert r.code == 0, r
    assert r.report()["hangup_by"] == "remote"
    assert r.report()["timings"]["call_ms"] < 5000
    assert code == 0 and report["calls"][0]["hangup_by"] == "local"


@pytest.mark.parametrize("mode", ["rfc4733", "info"])
def test_dtmf_reaches_the_other_side(pbx, mode):
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "1000"]) as callee:
        r = dial(pbx, "udp", CALLER, CALLEE, ["--duration", "3s", "--tone", "440", "--dtmf", "123#",
                                              "--dtmf-delay", "300ms", "--dtmf-mode", mode])
        code, report = finish(callee)
    assert r.code == 0, r
    assert r.report()["dtmf_sent"] == "123#"
    assert code == 0
    assert report["calls"][0]["dtmf_received"] == "123#"


@pytest.mark.parametrize("target,code,reason", [
    ("486", 6, "busy"),
    ("404", 7, "not_found"),
    ("199", 8, "no_answer"),  # a known user that is not registered: 480
])
def test_failed_calls_exit_codes(pbx, target, code, reason):
    r = dial(pbx, "udp", CALLER, target, ["--tone", "440"])
    assert r.code == code, r
    assert r.report()["exit_reason"] == reason
    assert "sip-call: call to sip:%s@pbx.test failed" % target in r.stderr


def test_ring_timeout_cancels(pbx):
    mark = pbx.mark()
    r = dial(pbx, "udp", CALLER, "180", ["--tone", "440", "--ring-timeout", "1s"])
    assert r.code == 8, r
    assert "no answer within 1 s" in r.stderr
    pbx.wait_for_message(lambda m: m.get("method") == "CANCEL" and m["type"] == "request" and m["from"] == CALLER,
                         since=mark)
    assert 0.9 < r.seconds < 8


def test_ctrl_c_while_ringing_sends_cancel(pbx):
    mark = pbx.mark()
    with Running(account_args(pbx, "udp", CALLER, ["--json", "dial", "180", "--tone", "440", "--no-playback"]),
                 password=pbx.password(CALLER)) as caller:
        caller.wait_for_json(lambda o: o.get("message", "").startswith("180"))
        code = caller.stop(signal.SIGINT)
    assert code == 1
    assert caller.lines[-1]["error"] == "interrupted while ringing, call cancelled"
    pbx.wait_for_message(lambda m: m.get("method") == "CANCEL" and m["type"] == "request" and m["from"] == CALLER,
                         since=mark)


def test_ctrl_c_in_call_sends_bye(pbx, tmp_path):
    heard = str(tmp_path / "heard.wav")
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "1000"]) as callee:
        with Running(account_args(pbx, "udp", CALLER, ["--json", "dial", CALLEE, "--tone", "440", "--no-playback",
                                                        "--duration", "30s", "--record", heard]),
                     password=pbx.password(CALLER)) as caller:
            caller.wait_for_json(lambda o: o.get("event") == "answered")
            time.sleep(1)  # not synchronisation: a second of call to record
            code = caller.stop(signal.SIGINT)
        callee_code, report = finish(callee)
    assert code == 1
    assert caller.lines[-1]["hangup_by"] == "local"
    assert callee_code == 0 and report["calls"][0]["hangup_by"] == "remote"
    tone_check(heard, 1000, 440)  # the recording is a complete WAV file


class ScriptedCallee:
    """A registered SIP endpoint that answers one INVITE with the given SDP
    and then does what the test says with RTP (nothing, or garbage)."""

    def __init__(self, pbx, user, sdp_for, early=False, in_call=None):
        self.client = SipClient(pbx, "udp", user)
        assert self.client.register().status == 200
        self.sdp_for = sdp_for
        self.early = early        # 183 with SDP before the 200
        self.in_call = in_call    # callable(self, invite) run after the ACK
        self.invite = None
        self._stop = threading.Event()
        self._streamer = None
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind(("127.0.0.1", 0))
        self.port = self.rtp.getsockname()[1]
        self.caller_rtp = None
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            invite = self.client.wait_request("INVITE", timeout=20)
            offer = invite.body if hasattr(invite, "body") else ""
            for line in offer.splitlines():
                if line.startswith("m=audio "):
                    self.caller_rtp = int(line.split()[1])
            self.invite = invite
            if self.early:
                self.client.reply(invite, 183, "Session Progress", to_tag="callee1",
                                  extra=["Content-Type: application/sdp"], body=self.sdp_for(self.port))
                time.sleep(1.0)  # the caller hears the early media meanwhile
            else:
                self.client.reply(invite, 180, "Ringing", to_tag="callee1")
            self.client.reply(invite, 200, "OK", to_tag="callee1",
                              extra=["Content-Type: application/sdp"], body=self.sdp_for(self.port))
            self.client.wait_request("ACK", timeout=10)
            if self.in_call:
                self.in_call(self, invite)
            bye = self.client.wait_request("BYE", timeout=30)
            self.client.reply(bye, 200, "OK")
        except Exception as e:  # reported by the test
            self.error = e

    def stream_tone(self, hz, seconds=10):
        """Sends a PCMU tone to the caller's RTP port (once the INVITE named
        it) on a thread of its own; close() stops it."""
        def run():
            deadline = time.monotonic() + 5
            while self.caller_rtp is None and time.monotonic() < deadline and not self._stop.is_set():
                time.sleep(0.01)
            if self.caller_rtp is not None:
                send_pcmu_tone(self.rtp, self.caller_rtp, hz, seconds, self._stop)
        self._streamer = threading.Thread(target=run, daemon=True)
        self._streamer.start()

    def reinvite(self, sdp, cseq, method="INVITE"):
        """An in-dialog re-INVITE (or UPDATE: `method`) from the callee
        (route set from the INVITE's Record-Route); returns the caller's
        final reply."""
        inv = self.invite
        contact = inv.get("contact").strip()
        target = contact[contact.index("<") + 1:contact.index(">")] if "<" in contact else contact
        lines = ["%s %s SIP/2.0" % (method, target), "Via: %s" % self.client.via(), "Max-Forwards: 70",
                 "From: %s;tag=callee1" % inv.get("to"), "To: %s" % inv.get("from"),
                 "Call-ID: %s" % inv.get("call-id"), "CSeq: %d %s" % (cseq, method),
                 "Contact: %s" % self.client.contact, "Content-Type: application/sdp"]
        lines += ["Route: %s" % r for r in inv.get_all("record-route")]
        lines.append("Content-Length: %d" % len(sdp.encode()))
        self.client.tp.send("\r\n".join(lines) + "\r\n\r\n" + sdp)
        while True:
            r = self.client.tp.recv(10)
            if r.is_reply and r.status >= 200:
                break
        if method != "INVITE":
            return r
        ack = ["ACK %s SIP/2.0" % target, "Via: %s" % self.client.via(), "Max-Forwards: 70",
               "From: %s;tag=callee1" % inv.get("to"), "To: %s" % r.get("to"),
               "Call-ID: %s" % inv.get("call-id"), "CSeq: %d ACK" % cseq, "Content-Length: 0"]
        ack[-1:-1] = ["Route: %s" % rr for rr in inv.get_all("record-route")]
        self.client.tp.send("\r\n".join(ack) + "\r\n\r\n")
        return r

    def close(self):
        self._stop.set()
        if self._streamer:
            self._streamer.join(timeout=5)
        self.thread.join(timeout=35)
        self.client.register(expires=0)
        self.client.close()
        self.rtp.close()


def pcmu_sdp(port, extra=""):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n%s" % (port, extra))


def test_far_end_sends_no_rtp_is_media_failure(pbx):
    callee = ScriptedCallee(pbx, "152", pcmu_sdp)
    try:
        r = dial(pbx, "udp", CALLER, "152", ["--tone", "440", "--media-timeout", "1500ms", "--duration", "20s"])
    finally:
        callee.close()
    assert callee.error is None, callee.error
    assert r.code == 10, r
    assert "no RTP received within 1.5 s" in r.stderr
    assert r.report()["exit_reason"] == "media_failure"
    assert r.report()["media"]["packets_sent"] > 0
    assert r.seconds < 10


def test_garbage_rtp_is_ignored_and_counted(pbx):
    callee = ScriptedCallee(pbx, "153", pcmu_sdp)

    def spray():
        deadline = time.monotonic() + 5
        while callee.caller_rtp is None and time.monotonic() < deadline:
            time.sleep(0.01)
        junk = [b"", b"\x80", b"\x80\x00\x00", b"\xff" * 11, os.urandom(200), b"\x80\x00" + os.urandom(30),
                b"\x90\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\xff\xff\x00\x10"]  # extension longer than packet
        while time.monotonic() < deadline:
            for j in junk:
                callee.rtp.sendto(j, ("127.0.0.1", callee.caller_rtp))
            time.sleep(0.02)

    t = threading.Thread(target=spray, daemon=True)
    t.start()
    try:
        r = dial(pbx, "udp", CALLER, "153", ["--tone", "440", "--media-timeout", "2s", "--duration", "20s"])
    finally:
        t.join(timeout=10)
        callee.close()
    assert r.code == 10, r  # garbage is not audio
    assert r.report()["media"]["packets_invalid"] > 0


@pytest.mark.parametrize("body,message", [
    (lambda port: "this is not SDP\r\n", "SDP answer is unusable"),
    (lambda port: pcmu_sdp(port).replace("m=audio", "m=video"), "no audio stream"),
    (lambda port: pcmu_sdp(port).replace("RTP/AVP 0", "RTP/AVP 9").replace("PCMU", "G722"), "none of the offered codecs"),
])
def test_malformed_sdp_answer_hangs_up_cleanly(pbx, body, message):
    mark = pbx.mark()
    callee = ScriptedCallee(pbx, "154", body)
    try:
        r = dial(pbx, "udp", CALLER, "154", ["--tone", "440"])
    finally:
        callee.close()
    assert r.code == 10, r
    assert message in r.stderr
    pbx.wait_for_message(lambda m: m.get("method") == "BYE" and m["type"] == "request" and m["from"] == CALLER,
                         since=mark)


def test_unreadable_wav_fails_before_dialling(pbx, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF....WAVEfmt garbage")
    mark = pbx.mark()
    r = dial(pbx, "udp", CALLER, CALLEE, ["--play", str(bad)])
    assert r.code == 2, r
    assert str(bad) in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not [m for m in pbx.messages(since=mark) if m.get("from") == CALLER]


@pytest.mark.parametrize("args,needle", [
    (["--rtp-ports", "5-4"], "--rtp-ports"),
    (["--dtmf", "12x"], "--dtmf"),
    (["--codecs", "g729"], "unknown codec"),
    (["--tone", "440", "--silence"], "excludes"),
    (["--duration", "ten"], "duration"),
])
def test_bad_call_flags_are_usage_errors(pbx, args, needle):
    r = dial(pbx, "udp", CALLER, CALLEE, args)
    assert r.code == 2, r
    assert needle.lower() in r.stderr.lower()


def test_expect_tone_passes_on_the_right_tone_and_fails_on_another(pbx):
    with start_answer(pbx, "udp", CALLEE, ["--calls", "2", "--tone", "1000"]) as callee:
        good = dial(pbx, "udp", CALLER, CALLEE, ["--duration", "2s", "--tone", "440", "--expect-tone", "1000"])
        bad = dial(pbx, "udp", CALLER, CALLEE, ["--duration", "2s", "--tone", "440", "--expect-tone", "700"])
        code, report = finish(callee)
    assert good.code == 0, good
    assert good.report()["media"]["expect_tone"]["found"] is True
    assert "tone check: 1000 Hz found" in good.stderr
    assert bad.code == 10, bad
    assert bad.report()["media"]["expect_tone"]["found"] is False
    assert abs(bad.report()["media"]["expect_tone"]["dominant_hz"] - 1000) < 20
    assert "not the expected 700 Hz tone" in bad.stderr
    assert code == 0 and report["calls_answered"] == 2


def test_answer_exits_non_zero_when_one_call_fails(pbx):
    """--calls 2: the second call offers only a codec the answerer does not
    allow (488), so answer ends with that call's status although the first
    call was fine."""
    with start_answer(pbx, "udp", CALLEE, ["--calls", "2", "--tone", "1000", "--codecs", "pcmu"]) as callee:
        first = dial(pbx, "udp", CALLER, CALLEE, ["--duration", "1s", "--tone", "440"])
        second = dial(pbx, "udp", CALLER, CALLEE, ["--duration", "1s", "--tone", "440", "--codecs", "opus"])
        code, report = finish(callee)
    assert first.code == 0, first
    assert second.code == 9 and second.report()["statuses"][-1] == 488, second
    assert code == 10, callee.stderr
    assert report["calls_answered"] == 1 and report["calls_failed"] == 1
    assert [c["result"] for c in report["calls"]] == ["ok", "error"]


def test_answer_delay_and_record_both(pbx, tmp_path):
    both = str(tmp_path / "both.wav")
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "1000", "--answer-delay", "1s"]) as callee:
        r = dial(pbx, "udp", CALLER, CALLEE, ["--duration", "2s", "--tone", "440", "--record", both,
                                              "--record-both"])
        code, _ = finish(callee)
    assert r.code == 0, r
    assert r.report()["timings"]["answer_ms"] >= 1000
    assert r.report()["timings"]["post_dial_delay_ms"] < 1000
    import wave
    with wave.open(both) as w:
        assert w.getnchannels() == 2
    left, right = str(tmp_path / "left.wav"), str(tmp_path / "right.wav")
    subprocess.run(["sox", both, left, "remix", "1"], check=True)
    subprocess.run(["sox", both, right, "remix", "2"], check=True)
    tone_check(left, 440, 1000)   # what we sent
    tone_check(right, 1000, 440)  # what we heard


def test_play_any_wav_format(pbx, tmp_path):
    """An 8 kHz stereo 8-bit WAV is mixed, resampled and heard as its tone."""
    src = str(tmp_path / "prompt.wav")
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "2", "-b", "8", src, "synth", "3", "sine", "600"], check=True)
    heard = str(tmp_path / "heard.wav")
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--silence", "--record", heard]) as callee:
        r = dial(pbx, "udp", CALLER, CALLEE, ["--duration", "2s", "--play", src])
        code, _ = finish(callee)
    assert r.code == 0, r
    assert code == 0
    tone_check(heard, 600, 1000)


def send_pcmu_tone(sock, dest_port, hz, seconds, stop, ts0=0, seq0=0):
    """RTP PCMU packets of a sine tone, 20 ms apart, until `stop` is set;
    the first has timestamp ts0 and sequence number seq0."""
    import audioop
    import math
    import struct
    seq, ts, phase = seq0, ts0, 0.0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not stop.is_set():
        pcm = b"".join(struct.pack("<h", int(8000 * math.sin(phase + 2 * math.pi * hz * i / 8000)))
                       for i in range(160))
        phase += 2 * math.pi * hz * 160 / 8000
        sock.sendto(struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, ts, 0x1234) + audioop.lin2ulaw(pcm, 2),
                    ("127.0.0.1", dest_port))
        seq, ts = seq + 1, ts + 160
        time.sleep(0.02)


def test_early_media_is_heard_before_the_answer(pbx, tmp_path):
    heard = str(tmp_path / "early.wav")
    callee = ScriptedCallee(pbx, "155", pcmu_sdp, early=True)
    callee.stream_tone(800)
    try:
        r = dial(pbx, "udp", CALLER, "155", ["--tone", "440", "--duration", "1s", "--record", heard])
    finally:
        callee.close()
    assert callee.error is None, callee.error
    assert r.code == 0, r
    assert "early media from 127.0.0.1" in r.stderr
    assert 183 in r.report()["statuses"]
    assert r.report()["media"]["first_rtp_ms"] < r.report()["timings"]["answer_ms"]
    tone_check(heard, 800, 440)


def reinvite(callee, sdp, cseq):
    """The callee's re-INVITE, tried again after a 500: the PBX may relay
    our ACK after the next re-INVITE (its workers race); the caller then
    answers 500 with Retry-After (RFC 3261 14.2), and like a phone we try
    again."""
    for attempt in range(5):
        reply = callee.reinvite(sdp, cseq + attempt)
        if reply.status != 500:
            break
        time.sleep(0.2)
    return reply


def test_hold_and_resume_by_re_invite(pbx):
    replies = []

    def hold_then_resume(callee, invite):
        replies.append(reinvite(callee, pcmu_sdp(callee.port, "a=sendonly\r\n"), 10))
        replies.append(reinvite(callee, pcmu_sdp(callee.port, "a=sendrecv\r\n"), 20))

    callee = ScriptedCallee(pbx, "156", pcmu_sdp, in_call=hold_then_resume)
    callee.stream_tone(800)
    try:
        r = dial(pbx, "udp", CALLER, "156", ["--tone", "440", "--duration", "3s"])
    finally:
        callee.close()
    assert callee.error is None, callee.error
    assert r.code == 0, r
    assert [x.status for x in replies] == [200, 200]
    assert "a=recvonly" in replies[0].body and "a=sendrecv" in replies[1].body
    assert "re-INVITE: peer is on hold" in r.stderr and "re-INVITE: peer is active" in r.stderr


def test_hold_and_resume_by_update(pbx):
    """RFC 3311: an UPDATE's offer is answered in its 200 and applied."""
    replies = []

    def hold_then_resume(callee, invite):
        replies.append(callee.reinvite(pcmu_sdp(callee.port, "a=sendonly\r\n"), 10, "UPDATE"))
        replies.append(callee.reinvite(pcmu_sdp(callee.port, "a=sendrecv\r\n"), 11, "UPDATE"))
        replies.append(callee.reinvite("", 12, "UPDATE"))  # a refresh without an offer

    callee = ScriptedCallee(pbx, "159", pcmu_sdp, in_call=hold_then_resume)
    callee.stream_tone(800)
    try:
        r = dial(pbx, "udp", CALLER, "159", ["--tone", "440", "--duration", "3s"])
    finally:
        callee.close()
    assert callee.error is None, callee.error
    assert r.code == 0, r
    assert [x.status for x in replies] == [200, 200, 200]
    assert "a=recvonly" in replies[0].body and "a=sendrecv" in replies[1].body, replies[0].body
    assert replies[2].body == ""
    assert "UPDATE: peer is on hold" in r.stderr and "UPDATE: peer is active" in r.stderr


def test_dial_without_registering(pbx):
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "1000"]) as callee:
        mark = pbx.mark()
        r = dial(pbx, "tcp", CALLER, CALLEE, ["--duration", "1s", "--tone", "440", "--no-register"])
        code, _ = finish(callee)
    assert r.code == 0, r
    assert "register_ms" not in r.report()["timings"]
    assert not [m for m in pbx.messages(since=mark) if m.get("method") == "REGISTER" and m["from"] == CALLER]
    assert code == 0


def test_answer_handles_an_invite_without_sdp(pbx, tmp_path):
    """Delayed offer: the INVITE has no SDP, sip-call offers in its 200 and
    takes the answer from the ACK."""
    heard = str(tmp_path / "heard.wav")
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "1000", "--record", heard]) as callee:
        with SipClient(pbx, "udp", "157") as caller:
            rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            rtp.bind(("127.0.0.1", 0))
            uri = "sip:%s@%s" % (CALLEE, pbx.domain)
            ok, _ = caller.request("INVITE", uri, uri, timeout=10)
            assert ok.status == 200 and "m=audio" in ok.body
            their_rtp = int(re.search(r"m=audio (\d+)", ok.body).group(1))
            contact = ok.get("contact")
            target = contact[contact.index("<") + 1:contact.index(">")]
            routes = list(reversed(ok.get_all("record-route")))

            def in_dialog(method, cseq, body="", extra=()):
                lines = ["%s %s SIP/2.0" % (method, target), "Via: %s" % caller.via(), "Max-Forwards: 70",
                         "From: %s" % ok.get("from"), "To: %s" % ok.get("to"), "Call-ID: %s" % ok.get("call-id"),
                         "CSeq: %d %s" % (cseq, method)] + ["Route: %s" % r for r in routes] + list(extra)
                lines.append("Content-Length: %d" % len(body.encode()))
                caller.tp.send("\r\n".join(lines) + "\r\n\r\n" + body)

            in_dialog("ACK", ok.cseq, pcmu_sdp(rtp.getsockname()[1]), ["Content-Type: application/sdp"])
            stop = threading.Event()
            send_pcmu_tone(rtp, their_rtp, 800, 2, stop)
            in_dialog("BYE", ok.cseq + 1)
            rtp.close()
        code, report = finish(callee)
    assert code == 0, callee.stderr
    assert report["calls"][0]["media"]["codec"] == "pcmu"
    assert report["calls"][0]["hangup_by"] == "remote"
    tone_check(heard, 800, 1000)


def test_password_never_appears_in_a_verbose_call(pbx, tmp_path):
    """-v prints every message of the call (INVITE with Proxy-Authorization,
    REGISTER with Authorization) and --json every event: the password and the
    digest response stay out of all of it, and out of ps."""
    secret = pbx.password(CALLER)
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "1000"]) as callee:
        with Running(account_args(pbx, "tcp", CALLER, ["-v", "--json", "--password", secret, "dial", CALLEE,
                                                        "--tone", "440", "--no-playback", "--duration", "1s"])) as p:
            p.wait_for_json(lambda o: o.get("event") == "answered")
            with open("/proc/%d/cmdline" % p.proc.pid, "rb") as f:
                assert secret.encode() not in f.read()
            out, err = p.proc.communicate(timeout=20)
        finish(callee)
    assert p.proc.returncode == 0, err
    assert "Proxy-Authorization:" in err and "response=\"<redacted>\"" in err.replace("response=<redacted>",
                                                                                   'response="<redacted>"')
    for text in (out, err, json.dumps(p.lines)):
        assert secret not in text


def ack_2xx(caller, ok):
    """A SipClient caller's ACK for the 2xx `ok` to its INVITE (to the
    callee's Contact, along the route set)."""
    contact = ok.get("contact")
    target = contact[contact.index("<") + 1:contact.index(">")]
    ack = ["ACK %s SIP/2.0" % target, "Via: %s" % caller.via(), "Max-Forwards: 70",
           "From: %s" % ok.get("from"), "To: %s" % ok.get("to"), "Call-ID: %s" % ok.get("call-id"),
           "CSeq: %d ACK" % ok.cseq] + ["Route: %s" % r for r in reversed(ok.get_all("record-route"))]
    caller.tp.send("\r\n".join(ack + ["Content-Length: 0"]) + "\r\n\r\n")


def test_answer_refuses_video_in_place(pbx):
    """An offer with video and audio gets an answer with the same m= lines:
    video refused with port 0, audio accepted (RFC 3264 6)."""
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "1000", "--duration", "1s"]) as callee:
        with SipClient(pbx, "udp", "158") as caller:
            offer = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                     "m=video 40002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"
                     "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
            uri = "sip:%s@%s" % (CALLEE, pbx.domain)
            ok, _ = caller.request("INVITE", uri, uri, body=offer, extra=["Content-Type: application/sdp"],
                                   timeout=10)
            assert ok.status == 200
            lines = [l for l in ok.body.splitlines() if l.startswith("m=")]
            assert lines[0] == "m=video 0 RTP/AVP 96", ok.body
            assert lines[1].startswith("m=audio ") and not lines[1].startswith("m=audio 0 "), ok.body
            ack_2xx(caller, ok)
            bye = caller.wait_request("BYE", timeout=10)  # the callee hangs up after --duration
            caller.reply(bye, 200, "OK")
        finish(callee)
