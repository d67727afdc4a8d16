"""sip-call opens nothing to the world: during a call every UDP socket is
bound to the address towards the server (never 0.0.0.0), and no TCP socket
listens; the answering side is reached over its own registration."""

import re
import signal
import socket
import struct
import time

import pytest

from proctools import sockets_of
from sipcall import Running, account_args, run
from test_call import finish, start_answer

CALLER, CALLEE = "175", "176"


@pytest.mark.parametrize("transport", ["udp", "tcp", "tls", "wss"])
def test_no_socket_is_open_to_the_world_during_a_call(pbx, transport):
    with start_answer(pbx, transport, CALLEE, ["--calls", "1", "--tone", "1000"]) as callee:
        with Running(account_args(pbx, transport, CALLER, ["--json", "dial", CALLEE, "--tone", "440",
                                                            "--no-playback", "--duration", "2s"]),
                     password=pbx.password(CALLER)) as caller:
            caller.wait_for_json(lambda o: o.get("event") == "answered")
            for proc in (caller.proc, callee.proc):
                socks = sockets_of(proc.pid)
                assert socks, "no sockets found"
                listening = [s for s in socks if s[0].startswith("tcp") and s[3] == "0A"]
                assert not listening, listening
                wildcard = [s for s in socks if s[0].startswith("udp") and s[1] in ("0.0.0.0", "::")]
                assert not wildcard, wildcard
            caller.proc.wait(timeout=20)
        code, _ = finish(callee)
    assert caller.proc.returncode == 0
    assert code == 0


STRANGER_CALLER = "177"


def contact_port(pbx, user):
    """The UDP port of the Contact `user` registered (what the PBX saw)."""
    bindings = pbx.wait_for_bindings(user, 1)
    return int(re.search(r":(\d+)(?:;|>|$)", bindings[0]["uri"]).group(1))


def direct_invite(port, rtp_port, callee=CALLEE):
    """An INVITE straight to sip-call's UDP port, from a socket that is not
    the PBX, with an SDP that asks for RTP at `rtp_port`. Returns the socket."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    here = sock.getsockname()[1]
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" % rtp_port)
    invite = ("INVITE sip:%s@127.0.0.1:%d SIP/2.0\r\n"
              "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-stranger%d;rport\r\n"
              "Max-Forwards: 70\r\nFrom: <sip:mallory@evil.test>;tag=m1\r\nTo: <sip:%s@pbx.test>\r\n"
              "Call-ID: stranger-%d@evil.test\r\nCSeq: 1 INVITE\r\nContact: <sip:mallory@127.0.0.1:%d>\r\n"
              "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
              % (callee, port, here, here, callee, here, here, len(sdp), sdp))
    sock.sendto(invite.encode(), ("127.0.0.1", port))
    return sock


def received_within(sock, seconds):
    """Every datagram `sock` receives within `seconds` (an absence can only
    be observed for a bounded time)."""
    got = []
    sock.settimeout(0.1)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            got.append(sock.recv(65536))
        except socket.timeout:
            pass
    return got


def test_a_request_from_a_stranger_is_ignored_and_counted(pbx):
    """Behind the PBX, a UDP INVITE straight to our port from anyone else is
    dropped unanswered: no 100/180/200 to it, no RTP to its SDP address; the
    report counts it, and a call through the PBX still works."""
    rtp_sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp_sink.bind(("127.0.0.1", 0))
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "1000"]) as callee:
        port = contact_port(pbx, CALLEE)
        stranger = direct_invite(port, rtp_sink.getsockname()[1])
        try:
            callee.wait_for_json(lambda o: o.get("event") == "request_ignored")
            assert received_within(stranger, 2) == []
            assert received_within(rtp_sink, 0.5) == []
        finally:
            stranger.close()
        r = run(account_args(pbx, "udp", STRANGER_CALLER, ["--json", "dial", CALLEE, "--tone", "440",
                                                             "--no-playback", "--duration", "2s"]),
                password=pbx.password(STRANGER_CALLER))
        assert r.code == 0, r
        code, report = finish(callee)
    rtp_sink.close()
    assert code == 0, callee.stderr
    assert report["requests_ignored"] == 1 and report["calls_answered"] == 1
    assert "ignored INVITE from 127.0.0.1:" in callee.stderr and "not the server" in callee.stderr


def test_accept_from_any_answers_a_direct_invite(pbx):
    """--accept-from any takes requests from anyone, for set-ups with no PBX
    in front: the direct INVITE is answered and gets RTP."""
    rtp_sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp_sink.bind(("127.0.0.1", 0))
    args = account_args(pbx, "udp", CALLEE, ["--accept-from", "any", "--json", "answer", "--no-playback",
                                             "--calls", "1", "--tone", "1000"])
    try:
        with Running(args, password=pbx.password(CALLEE)) as callee:
            callee.wait_for_json(lambda o: o.get("event") == "registered")
            stranger = direct_invite(contact_port(pbx, CALLEE), rtp_sink.getsockname()[1])
            try:
                replies = received_within(stranger, 2)
                statuses = [int(d.split(b" ", 2)[1]) for d in replies if d.startswith(b"SIP/2.0 ")]
                assert 200 in statuses, statuses
                assert received_within(rtp_sink, 1), "no RTP reached the direct caller"
            finally:
                stranger.close()
            callee.stop(signal.SIGTERM)
    finally:
        rtp_sink.close()


def test_register_keep_ignores_out_of_dialog_requests_from_strangers(pbx):
    """The same for a registered phone that takes no calls: an OPTIONS or
    MESSAGE from a stranger (a scanner) gets no answer at all."""
    user = "178"
    with Running(account_args(pbx, "udp", user, ["--json", "register", "--keep", "--expires", "60"]),
                 password=pbx.password(user)) as p:
        p.wait_for_json(lambda o: o.get("event") == "registered")
        port = contact_port(pbx, user)
        stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        stranger.bind(("127.0.0.1", 0))
        here = stranger.getsockname()[1]
        try:
            for n, method in enumerate(("OPTIONS", "MESSAGE")):
                stranger.sendto(("%s sip:%s@127.0.0.1:%d SIP/2.0\r\n"
                                 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-scan%d\r\nMax-Forwards: 70\r\n"
                                 "From: <sip:scanner@evil.test>;tag=s%d\r\nTo: <sip:%s@pbx.test>\r\n"
                                 "Call-ID: scan-%d@evil.test\r\nCSeq: 1 %s\r\nContent-Length: 0\r\n\r\n"
                                 % (method, user, port, here, n, n, user, n, method)).encode(), ("127.0.0.1", port))
            p.wait_for_json(lambda o: o.get("event") == "request_ignored" and o["request"].startswith("MESSAGE"))
            assert received_within(stranger, 1.5) == []
        finally:
            stranger.close()
        assert p.stop(signal.SIGTERM) == 0
    assert p.lines[-1]["requests_ignored"] == 2


def test_an_in_dialog_bye_from_a_stranger_gets_nothing_and_ends_nothing(pbx):
    """A BYE for the running call's Call-ID sent straight to our port by
    someone else: no answer (not even 481) and the call goes on."""
    caller = "179"
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "1000"]) as callee:
        port = contact_port(pbx, CALLEE)
        mark = pbx.mark()
        with Running(account_args(pbx, "udp", caller, ["--json", "dial", CALLEE, "--tone", "440",
                                                        "--no-playback", "--duration", "3s"]),
                     password=pbx.password(caller)) as dialling:
            dialling.wait_for_json(lambda o: o.get("event") == "answered")
            invite = [m for m in pbx.messages(since=mark) if m.get("method") == "INVITE" and m.get("from") == caller]
            stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            stranger.bind(("127.0.0.1", 0))
            here = stranger.getsockname()[1]
            try:
                stranger.sendto(("BYE sip:%s@127.0.0.1:%d SIP/2.0\r\n"
                                 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-bye1\r\nMax-Forwards: 70\r\n"
                                 "From: <sip:%s@pbx.test>;tag=guess1\r\nTo: <sip:%s@pbx.test>;tag=guess2\r\n"
                                 "Call-ID: %s\r\nCSeq: 99 BYE\r\nContent-Length: 0\r\n\r\n"
                                 % (CALLEE, port, here, caller, CALLEE, invite[-1]["callid"])).encode(),
                                ("127.0.0.1", port))
                callee.wait_for_json(lambda o: o.get("event") == "request_ignored")
                assert received_within(stranger, 1) == []
            finally:
                stranger.close()
            assert dialling.proc.wait(timeout=20) == 0
        code, report = finish(callee)
    assert code == 0, callee.stderr
    assert report["requests_ignored"] == 1
    assert report["calls"][0]["hangup_by"] == "remote"  # the real caller's BYE, at the end of its 3 s
