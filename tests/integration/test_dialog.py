"""Requests inside a call that the far end leaves unanswered or refuses
(BYE, INFO): sip-call must say so with exit code 11 (dialog_failure), stop
its media when it hangs up, and hang up on time, against sipp callees of
tests/pbx/sipp_peer.py's misbehaving modes and a small Python callee."""

import os
import socket
import sys
import threading
import time

from sipcall import account_args, run
from test_call import CALLER, ScriptedCallee, ack_2xx, dial, finish, pcmu_sdp, start_answer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "pbx"))
from sipclient import SipClient  # noqa: E402
from hostile_registrar import HostileRegistrar, response  # noqa: E402
from sipp_peer import SippUas  # noqa: E402

# Extensions of their own (other test files use 1xx).
NO_BYE, SILENT_BYE, IGNORE_INFO, REFUSE_INFO, ANSWERER, CROSSING_BYE = "1401", "1402", "1403", "1404", "1405", "1406"


def bye_from(pbx, user, mark, timeout=15):
    """The caller's BYE as the PBX received it (waits for it)."""
    return pbx.wait_for_message(lambda m: m.get("method") == "BYE" and m["type"] == "request" and m["from"] == user,
                                since=mark, timeout=timeout)


def test_unanswered_bye_is_a_dialog_failure(pbx):
    """sipp never answers the BYE and our wait (--timeout 3s) ends first."""
    with SippUas(pbx, NO_BYE, mode="no_bye_answer") as peer:
        peer.wait_registered()
        r = dial(pbx, "udp", CALLER, NO_BYE, ["--duration", "2s", "--tone", "440", "--timeout", "3"])
        peer._wait_events("BYE", 1, 5)
    assert r.code == 11, r
    report = r.report()
    assert report["exit_reason"] == "dialog_failure"
    assert report["hangup_by"] == "local" and report["bye_status"] == 0
    assert report["media"]["packets_received"] > 50  # the call itself was fine
    assert "the far end never answered our BYE within 3 s" in r.stderr
    assert "(our BYE got no answer)" in r.stderr
    assert r.seconds < 15


def test_bye_timed_out_by_the_proxy_is_a_dialog_failure(pbx):
    """With the default --timeout the PBX's own transaction timer answers
    the BYE with 408: the proxy could not reach the far end."""
    with SippUas(pbx, NO_BYE, mode="no_bye_answer") as peer:
        peer.wait_registered()
        r = dial(pbx, "udp", CALLER, NO_BYE, ["--duration", "1s", "--tone", "440"])
    assert r.code == 11, r
    assert r.report()["bye_status"] == 408
    assert "our BYE got 408 Request Timeout from the network" in r.stderr


class CrossingByeCallee(ScriptedCallee):
    """Answers with PCMU; when the caller's BYE comes, sends a BYE of its own
    first (the two cross) and answers the caller's with 200 only once the
    caller has answered its own: the caller's call is over before the
    answer to its BYE arrives."""

    def _run(self):
        try:
            invite = self.client.wait_request("INVITE", timeout=20)
            self.caller_rtp = int(next(line.split()[1] for line in invite.body.splitlines()
                                       if line.startswith("m=audio ")))
            self.invite = invite
            self.client.reply(invite, 200, "OK", to_tag="callee1", extra=["Content-Type: application/sdp"],
                              body=pcmu_sdp(self.port))
            self.client.wait_request("ACK", timeout=10)
            bye = self.client.wait_request("BYE", timeout=30)
            self.answer_to_ours = self.reinvite("", 2, method="BYE")
            self.client.reply(bye, 200, "OK")
        except Exception as e:  # reported by the test
            self.error = e


def test_a_bye_answered_after_the_far_ends_own_bye_crossed_it(pbx):
    """BYEs that cross are both answered: the call ended properly, and the
    200 to ours (which comes after nua ended the call on theirs) is its
    bye_status, not "our BYE got no answer"."""
    callee = CrossingByeCallee(pbx, CROSSING_BYE, pcmu_sdp)
    callee.stream_tone(440)
    try:
        r = dial(pbx, "udp", CALLER, CROSSING_BYE, ["--duration", "1s", "--tone", "440", "--timeout", "5"])
    finally:
        callee.close()
    assert callee.error is None, callee.error
    assert callee.answer_to_ours.status == 200  # we answered the far end's BYE
    assert r.code == 0, r
    report = r.report()
    assert report["bye_status"] == 200 and report["bye_reason"] == "OK", report
    assert "our BYE got no answer" not in r.stderr and "never answered" not in r.stderr, r.stderr


class SilentByeCallee:
    """A registered callee that answers with PCMU, echoes RTP, and never
    answers BYE; it notes when each RTP packet and the first BYE arrived."""

    def __init__(self, pbx, user):
        self.client = SipClient(pbx, "udp", user)
        assert self.client.register().status == 200
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind(("127.0.0.1", 0))
        self.rtp.settimeout(0.1)
        self.arrivals = []
        self.bye_at = None
        self.error = None
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=f, daemon=True) for f in (self._signalling, self._echo)]
        for t in self._threads:
            t.start()

    def _signalling(self):
        try:
            invite = self.client.wait_request("INVITE", timeout=20)
            self.client.reply(invite, 200, "OK", to_tag="silent1", extra=["Content-Type: application/sdp"],
                              body=pcmu_sdp(self.rtp.getsockname()[1]))
            self.client.wait_request("ACK", timeout=10)
            self.client.wait_request("BYE", timeout=30)
            self.bye_at = time.monotonic()
            while not self._stop.is_set():  # retransmissions stay unanswered too
                try:
                    self.client.wait_request(timeout=0.2)
                except Exception:
                    pass
        except Exception as e:  # reported by the test
            self.error = e

    def _echo(self):
        while not self._stop.is_set():
            try:
                data, source = self.rtp.recvfrom(2048)
            except socket.timeout:
                continue
            self.arrivals.append(time.monotonic())
            self.rtp.sendto(data, source)

    def rtp_after_bye(self, grace=0.1):
        return [t for t in self.arrivals if t > self.bye_at + grace]

    def close(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)
        self.client.register(expires=0)
        self.client.close()
        self.rtp.close()


def test_media_stops_when_the_bye_is_sent(pbx):
    """RFC 3261 15.1.1: no RTP leaves after our BYE, answered or not."""
    callee = SilentByeCallee(pbx, SILENT_BYE)
    try:
        r = dial(pbx, "udp", CALLER, SILENT_BYE, ["--duration", "2s", "--tone", "440", "--timeout", "3"])
    finally:
        callee.close()
    assert callee.error is None, callee.error
    assert r.code == 11, r
    assert callee.bye_at is not None
    assert len(callee.arrivals) > 50
    assert callee.rtp_after_bye() == [], "%d RTP packets after the BYE" % len(callee.rtp_after_bye())


def dial_with_info_dtmf(pbx, ext, mode, digits, duration):
    """Calls a sipp callee of `mode` and sends `digits` by SIP INFO; returns
    sip-call's result and the PBX's message mark from before the call."""
    mark = pbx.mark()
    with SippUas(pbx, ext, mode=mode) as peer:
        peer.wait_registered()
        r = dial(pbx, "udp", CALLER, ext, ["--duration", duration, "--tone", "440", "--dtmf", digits,
                                           "--dtmf-mode", "info", "--dtmf-delay", "300ms"])
        peer.wait_closed(1)
    return r, mark


def test_unanswered_info_dtmf_fails_and_the_call_still_ends(pbx):
    r, mark = dial_with_info_dtmf(pbx, IGNORE_INFO, "ignore_info", "123#*A", "3s")
    assert r.code == 11, r
    report = r.report()
    assert report["exit_reason"] == "dialog_failure"
    assert report["dtmf_sent"] == ""
    assert "DTMF: 0 of 6 digits acknowledged" in report["error"]
    assert report["bye_status"] == 200
    bye_from(pbx, CALLER, mark)
    # One INFO at a time: the next digit waits for the answer to this one.
    infos = [m for m in pbx.messages(since=mark) if m.get("method") == "INFO" and m["type"] == "request"]
    assert len({m["cseq"] for m in infos}) == 1, infos
    assert r.seconds < 15


def test_bye_goes_out_within_timeout_behind_an_info_the_server_never_answers():
    """The server itself (a B2BUA such as 3CX or Asterisk) answers the call
    and never answers INFO. nua sends a call's requests other than INVITE
    one after another, so the BYE waits for the INFO's transaction: that
    wait must end within --timeout (3 s here), not RFC 3261's 32 s."""
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind(("127.0.0.1", 0))

    def answer(req):
        if req.method == "INVITE":
            return response(req, 200, "OK", ["Contact: <sip:102@127.0.0.1:%d>" % server.port,
                                             "Content-Type: application/sdp"], pcmu_sdp(rtp.getsockname()[1]))
        if req.method == "BYE":
            return response(req, 200, "OK")
        return None  # ACK needs none; INFO gets none, ever

    try:
        with HostileRegistrar(answer) as server:
            r = run(["--server", server.url(), "--user", CALLER, "--domain", "pbx.test", "--timeout", "3",
                     "--json", "dial", "102", "--no-register", "--silence", "--no-playback", "--media-timeout", "0",
                     "--duration", "1s", "--dtmf", "12", "--dtmf-mode", "info", "--dtmf-delay", "100ms"],
                    password="secret", timeout=60)
            requests = list(server.requests)
    finally:
        rtp.close()
    methods = [q.method for q in requests]
    assert "BYE" in methods, (methods, r)
    invite = next(q for q in requests if q.method == "INVITE")
    bye = next(q for q in requests if q.method == "BYE")
    # 1 s of call, then at most --timeout for the INFO ahead of it, and slack.
    assert bye.received_at - invite.received_at < 1 + 3 + 1.5, methods
    assert r.code == 11, r
    report = r.report()
    assert report["dtmf_sent"] == "" and report["bye_status"] == 200, report
    assert "DTMF: 0 of 2 digits acknowledged" in report["error"]


def test_refused_info_dtmf_fails(pbx):
    r, mark = dial_with_info_dtmf(pbx, REFUSE_INFO, "refuse_info", "123", "2s")
    assert r.code == 11, r
    report = r.report()
    assert report["dtmf_sent"] == ""
    assert "DTMF: 0 of 3 digits acknowledged; an INFO was refused with 488" in report["error"]
    assert "sip-call: DTMF: 0 of 3 digits acknowledged" in r.stderr
    bye = bye_from(pbx, CALLER, mark)
    assert report["timings"]["call_ms"] < 3000, bye


def test_answer_does_not_count_a_refused_call_as_answered(pbx):
    """An offer with no codec of --codecs gets 488: failed, never answered."""
    with start_answer(pbx, "udp", ANSWERER, ["--calls", "1", "--codecs", "pcmu", "--tone", "1000"]) as callee:
        r = dial(pbx, "udp", CALLER, ANSWERER, ["--codecs", "opus", "--tone", "440"])
        code, report = finish(callee)
    assert r.code == 9 and r.report()["status"] == 488, r
    assert code == 10, callee.stderr
    assert report["calls_answered"] == 0 and report["calls_failed"] == 1, report
    assert report["calls"][0]["refused_status"] == 488


def test_answer_reports_its_unanswered_bye_and_stops_media(pbx):
    """The answer side hangs up after --duration; the caller (a Python
    client through the PBX) echoes RTP and never answers that BYE."""
    with start_answer(pbx, "udp", ANSWERER, ["--calls", "1", "--tone", "1000", "--duration", "1s",
                                             "--timeout", "3"]) as callee:
        with SipClient(pbx, "udp", "1406") as caller:
            rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            rtp.bind(("127.0.0.1", 0))
            rtp.settimeout(0.1)
            uri = "sip:%s@%s" % (ANSWERER, pbx.domain)
            ok, _ = caller.request("INVITE", uri, uri, body=pcmu_sdp(rtp.getsockname()[1]),
                                   extra=["Content-Type: application/sdp"], timeout=10)
            assert ok.status == 200
            ack_2xx(caller, ok)
            arrivals, bye_at = [], None
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline:  # echo RTP; look for the BYE in between
                try:
                    data, source = rtp.recvfrom(2048)
                    arrivals.append(time.monotonic())
                    rtp.sendto(data, source)
                except socket.timeout:
                    pass
                if bye_at is None:
                    try:
                        caller.wait_request("BYE", timeout=0.01)
                        bye_at = time.monotonic()
                    except Exception:
                        pass
            rtp.close()
            code, report = finish(callee)
    assert bye_at is not None
    assert len(arrivals) > 20
    assert [t for t in arrivals if t > bye_at + 0.1] == []
    assert code == 11, callee.stderr
    call = report["calls"][0]
    assert call["hangup_by"] == "local" and call["bye_status"] == 0, call
    assert call["exit_code"] == 11
    assert "the far end never answered our BYE" in callee.stderr
