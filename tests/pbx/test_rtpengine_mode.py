#!/usr/bin/python3
"""Self-tests of the test PBX's media gateway mode (TestPbx(rtpengine=True)):
rtpengine is started and stopped with the PBX, by PID, listens only on the
PBX's address, and relays the media of a call between two plain SIP phones
(baresip).  The browser side of the gateway is in
tests/browser/test_browser_gateway.py.
Run: /usr/bin/python3 -m pytest -q tests/pbx/test_rtpengine_mode.py"""

import json
import os
import re
import signal
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import testpbx  # noqa: E402
from baresip_peer import BaresipPeer  # noqa: E402
from peerproc import PeerError  # noqa: E402
from proctools import alive, sockets_of  # noqa: E402
from rtpengine import bdecode, bencode  # noqa: E402
from sipclient import SDP, SipClient, digest_header  # noqa: E402
from testpbx import PbxError, TestPbx  # noqa: E402
from tones import tone_check  # noqa: E402

LOW, HIGH = 440, 1000
AUDIO_SECONDS = 1.5


@pytest.fixture(scope="module")
def pbx():
    yield from testpbx.running_pbx(rtpengine=True)


def rtpengine_children():
    """PIDs of rtpengine processes this Python process started."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    stat = f.read()
            except OSError:
                continue
            comm, rest = stat.split("(", 1)[1].rsplit(")", 1)
            fields = rest.split()
            if comm == "rtpengine" and fields[1] == str(os.getpid()) and fields[0] not in ("Z", "X"):
                out.append(int(entry))
    return out


def test_bencode_round_trip_and_bad_input():
    msg = {"command": "offer", "flags": ["trust-address"], "n": 3, "sdp": "v=0\r\n"}
    assert bdecode(bencode(msg)) == msg
    assert bencode({"command": "ping"}) == b"d7:command4:pinge"
    for bad in (b"", b"d7:command", b"5:abc", b"i12", b"d1:ae", b"x", b"4:pinge", b"l" * 100):
        with pytest.raises(ValueError):
            bdecode(bad)


def test_mode_off_loads_no_rtpengine():
    with TestPbx() as p:
        assert p.rtpengine is None and "rtpengine" not in p.info()
        with open(p.cfg_file) as f:
            assert "#!define WITH_RTPENGINE" not in f.read()
        assert "rtpengine" not in p.log_text()


def test_rtpengine_runs_with_the_pbx_on_its_address_only(pbx):
    rtp = pbx.rtpengine
    assert rtp.running() and rtp.ping()
    info = pbx.info()["rtpengine"]
    assert info["pid"] == rtp.pid and info["ng"] == "udp:127.0.0.1:%d" % rtp.ng_port
    assert info["ports"] == [rtp.port_min, rtp.port_max] and rtp.port_max - rtp.port_min >= 99
    # Kamailio found it at start-up
    assert "rtpengine instance <%s> found" % rtp.ng_url in pbx.log_text()
    # userspace only, no system config, and only 127.0.0.1: the ng port (no CLI, no HTTP)
    with open("/proc/%d/cmdline" % rtp.pid) as f:
        argv = f.read().split("\0")
    assert "--table=-1" in argv and "--config-file=none" in argv and "--interface=127.0.0.1" in argv
    assert [s[:3] for s in sockets_of(rtp.pid)] == [("udp", "127.0.0.1", rtp.ng_port)]


def test_stop_ends_rtpengine_by_pid(monkeypatch):
    monkeypatch.delenv("TESTPBX_KEEP", raising=False)
    p = TestPbx(rtpengine=True)
    p.start()
    pid = p.rtpengine.pid
    assert alive(pid)
    p.stop()
    p.stop()
    assert not alive(pid) and p.rtpengine is None


def test_failed_start_ends_rtpengine():
    before = rtpengine_children()
    with pytest.raises(PbxError, match="kamailio exited"):
        TestPbx(rtpengine=True, kamailio="false").start()
    assert rtpengine_children() == before


def test_cli_rtpengine_flag_starts_and_stops_it():
    env = {k: v for k, v in os.environ.items() if k != "TESTPBX_KEEP"}
    proc = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "testpbx.py"), "--rtpengine"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        info = json.loads(proc.stdout.readline())
        pid = info["rtpengine"]["pid"]
        assert alive(pid) and info["rtpengine"]["ng"].startswith("udp:127.0.0.1:")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        assert not alive(pid) and not os.path.exists(info["rundir"])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def media_of(sdp):
    c = re.search(r"^c=IN IP4 (\S+)", sdp, re.M)
    m = re.search(r"^m=audio (\d+) (\S+)", sdp, re.M)
    assert c and m, sdp
    return c.group(1), int(m.group(1)), m.group(2)


def own_media_port(peer):
    """The RTP port a baresip peer offered or answered with (its own SDP)."""
    sent = re.findall(r"^m=audio (\d+) ", peer.log_text(), re.M)
    told = {media_of(s)[1] for s in peer.received_sdp()}
    own = [int(p) for p in sent if int(p) not in told]
    assert own, peer.log_text()[-2000:]
    return own[0]


def test_baresip_calls_baresip_through_rtpengine(pbx):
    rtp = pbx.rtpengine
    with BaresipPeer(pbx, 140, codecs=["opus"], tone_hz=HIGH) as callee, \
            BaresipPeer(pbx, 141, codecs=["opus"], tone_hz=LOW) as caller:
        callee.wait_registered()
        caller.wait_registered()
        caller.dial(140)
        call_id = caller.wait_established()["id"]
        callee.wait_established()
        callee.wait_received(AUDIO_SECONDS)
        caller.wait_received(AUDIO_SECONDS)
        # each side was told rtpengine's address and a port of its range,
        # not the other phone's, and plain RTP without ICE or DTLS
        for peer, other in ((caller, callee), (callee, caller)):
            address, port, proto = media_of(peer.received_sdp()[-1])
            assert address == pbx.host and rtp.port_min <= port <= rtp.port_max, peer.received_sdp()[-1]
            assert proto == "RTP/AVP" and port != own_media_port(other)
            for attribute in ("a=ice-", "a=candidate", "a=fingerprint", "a=crypto"):
                assert attribute not in peer.received_sdp()[-1]
        # and rtpengine relayed packets on both legs
        assert call_id in rtp.calls()
        legs = rtp.query(call_id)["tags"]
        packets = [sum(s["stats"]["packets"] for m in leg["medias"] for s in m["streams"]) for leg in legs.values()]
        assert len(packets) == 2 and min(packets) > 25, packets
        caller.hangup()
        heard_by_caller = caller.wait_closed()
        heard_by_callee = callee.wait_closed()
        for call, expect, reject in ((heard_by_callee, LOW, HIGH), (heard_by_caller, HIGH, LOW)):
            result = tone_check(call["received_wav"], expect, reject=(reject,))
            assert result["pass"], result
    # the BYE ended the call in rtpengine too
    assert call_id not in rtp.calls()


def test_cancelled_call_is_deleted_in_rtpengine(pbx):
    with BaresipPeer(pbx, 142, codecs=["PCMU"], auto_answer=False) as callee, \
            BaresipPeer(pbx, 143, codecs=["PCMU"]) as caller:
        callee.wait_registered()
        caller.wait_registered()
        caller.dial(142)
        call_id = callee.wait_event("CALL_INCOMING")["id"]
        assert call_id in pbx.rtpengine.calls()       # the offer went through rtpengine
        caller.hangup()                               # CANCEL
        caller.wait_closed()
        testpbx.wait_until(lambda: call_id not in pbx.rtpengine.calls(), 5, what="rtpengine to drop the call")


def test_halt_and_start_again_keep_rtpengine(monkeypatch):
    monkeypatch.delenv("TESTPBX_KEEP", raising=False)
    with TestPbx(rtpengine=True) as p:
        pid = p.rtpengine.pid
        p.restart()
        assert p.rtpengine.pid == pid and p.rtpengine.ping()
        assert p.log_text().count("rtpengine instance <%s> found" % p.rtpengine.ng_url) == 2


def test_without_rtpengine_a_call_fails_instead_of_bypassing_it(monkeypatch):
    """A gateway that lost its media relay says so (503); it never lets the
    media flow around it."""
    monkeypatch.delenv("TESTPBX_KEEP", raising=False)
    with TestPbx(rtpengine=True) as p:
        with BaresipPeer(p, 144, codecs=["PCMU"]) as callee, BaresipPeer(p, 145, codecs=["PCMU"]) as caller:
            callee.wait_registered()
            caller.wait_registered()
            p.rtpengine.stop()
            caller.dial(144)
            with pytest.raises(PeerError, match="503"):
                caller.wait_established()
            assert not callee.events or "CALL_INCOMING" not in [e["type"] for e in callee.events]
        assert "RTPENGINE offer failed" in p.log_text()


def answer_seen_by(pbx, caller_transport, offer):
    """A sipclient on caller_transport (ws for a browser's transport) calls a
    sipclient on udp with `offer`; returns (the offer the callee got, the
    answer the caller got).  The call is left unacknowledged and deleted in
    rtpengine."""
    with SipClient(pbx, "udp", "146") as callee, SipClient(pbx, caller_transport, "147") as caller:
        assert callee.register().status == 200 and caller.register().status == 200
        try:
            invite = ["Content-Type: application/sdp"]
            caller.tp.send(caller.build("INVITE", "sip:146@pbx.test", "sip:146@pbx.test", invite, offer))
            challenge = caller.tp.recv(5)
            assert challenge.status == 407
            caller.send_ack(challenge, "sip:146@pbx.test", "sip:146@pbx.test")
            cred = digest_header(challenge.get("proxy-authenticate"), "INVITE", "sip:146@pbx.test", "147",
                                 pbx.password(147))
            caller.tp.send(caller.build("INVITE", "sip:146@pbx.test", "sip:146@pbx.test",
                                        invite + ["Proxy-Authorization: " + cred], offer))
            got = callee.wait_request("INVITE", timeout=5)
            callee.reply(got, 200, "OK", to_tag="callee1", extra=invite, body=SDP)
            final = caller.tp.recv(5)
            while not (final.is_reply and final.status >= 200):  # 100 Trying first
                final = caller.tp.recv(5)
            assert final.status == 200, final
            pbx.rtpengine.ng({"command": "delete", "call-id": got.get("call-id")})
            return got.body, final.body
        finally:
            callee.register(expires=0)
            caller.register(expires=0)


def test_a_plain_offer_over_ws_gets_a_plain_answer(pbx):
    """The answer goes back in the profile the caller offered: a ws caller
    offering RTP/AVP (a WebSocket SIP client without WebRTC media) gets
    RTP/AVP from rtpengine, not an answer its offer did not allow."""
    offered, answer = answer_seen_by(pbx, "ws", SDP)
    for sdp in (offered, answer):
        address, port, proto = media_of(sdp)
        assert proto == "RTP/AVP" and address == pbx.host, sdp
        assert pbx.rtpengine.port_min <= port <= pbx.rtpengine.port_max, sdp
        assert "a=ice-" not in sdp and "a=fingerprint" not in sdp, sdp
