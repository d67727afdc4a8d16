"""WebRTC media (UDP/TLS/RTP/SAVPF: ICE + DTLS-SRTP, RFC 8827) in real
calls: through the test PBX, which leaves SDP alone, sip-call against
itself end to end and what --media-security dtls does with peers that
cannot give it; through the PBX's media gateway (Kamailio + rtpengine,
the usual WebRTC gateway), sip-call on wss with WebRTC media and baresip
on udp with plain RTP, both ways. (The browser cases are in
tests/browser.)"""

import os
import re
import sys

import pytest

from test_call import ScriptedCallee, SipClient, dial, finish, pcmu_sdp, start_answer, tone_check
from testpbx import running_pbx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "pbx"))
from baresip_peer import BaresipPeer  # noqa: E402
from netns import NetNamespace  # noqa: E402
from testpbx import TestPbx  # noqa: E402

# Users of their own (test_srtp has 181-185).
CALLER, CALLEE, PLAIN_PEER, PHONE = "190", "191", "192", "193"
DTLS = ["--media-security", "dtls"]


def test_dtls_call_between_two_sip_calls(pbx, tmp_path):
    heard_by_caller = str(tmp_path / "caller.wav")
    heard_by_callee = str(tmp_path / "callee.wav")
    with start_answer(pbx, "udp", CALLEE,
                      ["-v", "--calls", "1", "--tone", "1000", "--record", heard_by_callee]) as callee:
        r = dial(pbx, "tcp", CALLER, CALLEE, ["-v", "--duration", "2s", "--tone", "440", "--record", heard_by_caller,
                                               *DTLS])
        code, callee_report = finish(callee)
    assert r.code == 0, r
    report = r.report()
    media = report["media"]
    assert media["security"] == "dtls-srtp"
    assert media["srtp_suite"] == "AEAD_AES_256_GCM"  # both ends' first DTLS-SRTP profile
    assert media["ice"]["local"].startswith("host 127.0.0.1:") and media["ice"]["remote"].startswith("host 127.0.0.1:")
    assert media["packets_received"] > 50 and media["packets_unauthenticated"] == 0
    assert report["timings"]["ice_ms"] >= 0 and report["timings"]["dtls_ms"] > 0
    assert re.search(r"media: DTLS-SRTP AEAD_AES_256_GCM, ICE host 127\.0\.0\.1:\d+ <-> host 127\.0\.0\.1:\d+ "
                     r"\(ICE \d+ ms, DTLS \d+ ms\)", r.stderr), r.stderr
    # Our offer as -v shows it: the profile, rtcp-mux, ICE and DTLS lines.
    assert "m=audio" in r.stderr and "UDP/TLS/RTP/SAVPF" in r.stderr
    assert "a=setup:actpass" in r.stderr and "a=end-of-candidates" in r.stderr
    assert code == 0, callee.stderr
    callee_media = callee_report["calls"][0]["media"]
    assert callee_media["security"] == "dtls-srtp"
    assert callee_media["ice"]["remote"] == media["ice"]["local"]
    assert "a=setup:active" in callee.stderr  # the answerer to actpass is the DTLS client
    tone_check(heard_by_caller, 1000, 440)
    tone_check(heard_by_callee, 440, 1000)


def test_dtls_demanded_of_a_plain_rtp_peer_is_a_media_failure(pbx):
    callee = ScriptedCallee(pbx, PLAIN_PEER, pcmu_sdp)
    try:
        r = dial(pbx, "udp", CALLER, PLAIN_PEER, ["--tone", "440", *DTLS])
    finally:
        callee.close()
    assert r.code == 10, r
    assert ("--media-security dtls: the far end answered RTP/AVP, not WebRTC media (UDP/TLS/RTP/SAVPF)"
            in r.stderr), r.stderr
    assert r.report()["exit_reason"] == "media_failure"
    assert "UDP/TLS/RTP/SAVPF" in callee.invite.body and "a=fingerprint:sha-256 " in callee.invite.body


def webrtc_answer_nobody_checks(port):
    """A WebRTC answer whose one candidate is a port where no ICE agent
    listens: no pair can ever work."""
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d UDP/TLS/RTP/SAVPF 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\na=mid:0\r\n"
            "a=ice-ufrag:nobody\r\na=ice-pwd:nobodyanswersthesechecks\r\n"
            "a=fingerprint:sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n"
            "a=setup:active\r\na=candidate:1 1 udp 2130706431 127.0.0.1 %d typ host\r\n"
            "a=end-of-candidates\r\n" % (port, port))


def test_ice_that_finds_no_pair_fails_within_the_media_timeout(pbx):
    callee = ScriptedCallee(pbx, PLAIN_PEER, webrtc_answer_nobody_checks)
    try:
        r = dial(pbx, "udp", CALLER, PLAIN_PEER, ["--tone", "440", "--media-timeout", "2s", "--duration", "20s", *DTLS])
    finally:
        callee.close()
    assert r.code == 10, r
    assert "ICE failed: no working candidate pair within 2000 ms" in r.stderr, r.stderr
    report = r.report()
    assert report["media"]["transport_error"].startswith("ICE failed")
    assert report["media"]["ice"] is None and report["media"]["packets_sent"] == 0  # nothing left without keys
    assert report["timings"]["call_ms"] < 4000


def test_answer_refuses_webrtc_when_sdes_is_demanded(pbx):
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "440", "--media-security", "sdes"]) as callee:
        r = dial(pbx, "udp", CALLER, CALLEE, ["--tone", "440", *DTLS])
        code, _ = finish(callee)
    assert r.report()["status"] == 488, r
    assert code == 10, callee.stderr
    assert "--media-security sdes: the offer is WebRTC media (UDP/TLS/RTP/SAVPF)" in callee.stderr


def test_answer_dtls_refuses_a_plain_offer(pbx):
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "440", *DTLS]) as callee:
        r = dial(pbx, "udp", CALLER, CALLEE, ["--tone", "440", "--media-security", "none"])
        code, _ = finish(callee)
    assert r.report()["status"] == 488, r
    assert code == 10, callee.stderr
    assert "--media-security dtls: the offer is RTP/AVP, not WebRTC media (UDP/TLS/RTP/SAVPF)" in callee.stderr


# What the test PBX writes over the a=fingerprint of a call to 81NN / 82NN.
FAKE_FINGERPRINT = "a=fingerprint:sha-256 " + ":".join(["00", "11", "22", "33", "44", "55", "66", "77", "88", "99",
                                                        "AA", "BB", "CC", "DD", "EE", "FF"] * 2)
MISMATCH = "DTLS: the peer's certificate does not match a=fingerprint"


@pytest.mark.parametrize("prefix, changed", [("81", "offer"), ("82", "answer")])
def test_a_fingerprint_changed_on_the_way_fails_the_call(pbx, prefix, changed):
    """A man in the middle of the keys: the PBX replaces the fingerprint in
    the offer (81NN) or in the answer (82NN). The side that meets a
    certificate the SDP did not vouch for says so in one line; neither
    side sends or plays a packet, and both fail the call as a media
    failure."""
    with start_answer(pbx, "udp", CALLEE, ["-v", "--calls", "1", "--tone", "1000", "--media-timeout", "3s"]) as callee:
        r = dial(pbx, "udp", CALLER, prefix + CALLEE[1:],
                 ["-v", "--duration", "20s", "--tone", "440", "--media-timeout", "3s", *DTLS])
        code, callee_report = finish(callee)
    # The PBX really changed the SDP it passed on.
    receiver = callee.stderr if changed == "offer" else r.stderr
    assert FAKE_FINGERPRINT in receiver, receiver
    checker, other = (callee.stderr, r.stderr) if changed == "offer" else (r.stderr, callee.stderr)
    assert checker.count(MISMATCH) == 1, checker
    assert r.code == 10, r
    assert code == 10, callee.stderr
    report = r.report()
    assert report["exit_reason"] == "media_failure"
    assert report["timings"]["call_ms"] < 10000  # the handshake's failure ends it, not --duration
    callee_call = callee_report["calls"][0]
    for media in (report["media"], callee_call["media"]):
        assert media["transport_error"].startswith("DTLS"), media
        assert media["security"] == "dtls-srtp" and media["srtp_suite"] is None, media
        assert media["packets_sent"] == 0 and media["packets_received"] == 0, media
    checking_media = callee_call["media"] if changed == "offer" else report["media"]
    assert checking_media["transport_error"] == MISMATCH
    assert "DTLS" in other


@pytest.fixture(scope="module")
def gateway():
    """The test PBX in media gateway mode: rtpengine anchors every call's
    media, WebRTC towards ws/wss legs and plain RTP towards the others."""
    yield from running_pbx(rtpengine=True)


def rtpengine_ports(gateway):
    return range(gateway.rtpengine.port_min, gateway.rtpengine.port_max + 1)


def test_dtls_over_wss_to_a_plain_phone_through_the_gateway(gateway, tmp_path):
    heard = str(tmp_path / "heard.wav")
    with BaresipPeer(gateway, PHONE, codecs=("pcmu",), tone_hz=1000) as phone:
        phone.wait_registered()
        r = dial(gateway, "wss", CALLER, PHONE, ["--duration", "2s", "--tone", "440", "--record", heard, *DTLS])
        closed = phone.wait_closed()
        assert r.code == 0, r
        media = r.report()["media"]
        assert media["security"] == "dtls-srtp"
        # ICE with rtpengine, not with the phone
        port = int(media["ice"]["remote"].rsplit(":", 1)[1])
        assert port in rtpengine_ports(gateway), media["ice"]
        tone_check(heard, 1000, 440)
        tone_check(closed["received_wav"], 440, 1000)
        assert "RTP/AVP" in phone.received_sdp()[0] and "a=fingerprint" not in phone.received_sdp()[0]


def test_a_plain_phone_calls_sip_call_answer_on_wss_through_the_gateway(gateway, tmp_path):
    heard = str(tmp_path / "heard.wav")
    with start_answer(gateway, "wss", CALLEE, ["-v", "--calls", "1", "--tone", "440", "--record", heard,
                                               "--duration", "2s"]) as callee:
        with BaresipPeer(gateway, PHONE, codecs=("pcmu",), tone_hz=1000) as phone:
            phone.wait_registered()
            phone.dial(CALLEE)
            phone.wait_established()
            closed = phone.wait_closed(timeout=15)
            code, report = finish(callee)
            assert code == 0, callee.stderr
            media = report["calls"][0]["media"]
            # rtpengine offered WebRTC media to the wss leg; auto took it
            assert media["security"] == "dtls-srtp", media
            assert "UDP/TLS/RTP/SAVPF" in callee.stderr
            tone_check(heard, 1000, 440)
            tone_check(closed["received_wav"], 440, 1000)


def test_auto_on_wss_offers_webrtc_media_to_sip_call(pbx):
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "1000"]) as callee:
        r = dial(pbx, "wss", CALLER, CALLEE, ["--duration", "1s", "--tone", "440"])
        code, _ = finish(callee)
    assert r.code == 0, r
    assert r.report()["media"]["security"] == "dtls-srtp"
    assert 488 not in r.report()["statuses"]
    assert code == 0, callee.stderr


def test_auto_on_wss_offers_plain_rtp_once_after_a_488_to_webrtc_media(pbx, tmp_path):
    """baresip without its DTLS modules refuses a WebRTC offer with 488;
    auto then offers plain RTP in a new INVITE, and the call works."""
    heard = str(tmp_path / "heard.wav")
    with BaresipPeer(pbx, PHONE, codecs=("pcmu",), tone_hz=1000) as phone:
        phone.wait_registered()
        r = dial(pbx, "wss", CALLER, PHONE, ["--duration", "2s", "--tone", "440", "--record", heard])
        # baresip's recordings are its last call's, whichever close it reports first
        closed = phone.wait_closed()
        assert r.code == 0, r
        report = r.report()
        assert report["media"]["security"] == "none"
        statuses = report["statuses"]
        assert 488 in statuses and statuses.index(488) < statuses.index(200), statuses
        assert "488 Not Acceptable Here to our WebRTC media offer: offering plain RTP (RTP/AVP) instead" in r.stderr
        tone_check(heard, 1000, 440)
        tone_check(closed["received_wav"], 440, 1000)  # before the peer's work directory goes


def test_dtls_is_not_retried_after_a_488(pbx):
    with BaresipPeer(pbx, PHONE, codecs=("pcmu",), tone_hz=1000) as phone:
        phone.wait_registered()
        r = dial(pbx, "wss", CALLER, PHONE, ["--tone", "440", *DTLS])
    assert r.code == 10, r  # the call cannot get what --media-security dtls demands
    assert "(our offer was WebRTC media only: --media-security dtls)" in r.stderr, r.stderr
    assert r.report()["statuses"][-1] == 488 and r.report()["exit_reason"] == "media_failure"
    assert "offering plain RTP" not in r.stderr and r.report()["statuses"].count(488) == 1, r.stderr


# baresip's ice module offers every interface's address but loopback's:
# inside a namespace of our own with only lo and a documentation address
# (198.51.100.1), its candidates and every check stay in the namespace.
def baresip_dtls_peer(pbx):
    return BaresipPeer(pbx, PHONE, codecs=("pcmu",), tone_hz=1000, mediaenc="dtls_srtp", medianat="ice",
                       rtcp_mux=True)


def test_sip_call_dials_baresip_with_dtls_srtp_and_ice(tmp_path):
    heard = str(tmp_path / "heard.wav")
    with NetNamespace(doc_address=True) as ns, ns.started(TestPbx()) as pbx, ns.started(baresip_dtls_peer(pbx)) as phone:
        phone.wait_registered()
        with ns.entered():
            r = dial(pbx, "udp", CALLER, PHONE, ["--duration", "2s", "--tone", "440", "--record", heard, *DTLS])
        closed = phone.wait_closed()
        assert r.code == 0, r
        media = r.report()["media"]
        assert media["security"] == "dtls-srtp" and media["packets_unauthenticated"] == 0
        assert media["ice"]["remote"].split()[1].rsplit(":", 1)[0] in ("127.0.0.1", ns.address), media["ice"]
        tone_check(heard, 1000, 440)
        tone_check(closed["received_wav"], 440, 1000)


def test_baresip_dials_sip_call_answer_with_dtls_srtp_and_ice(tmp_path):
    heard = str(tmp_path / "heard.wav")
    with NetNamespace(doc_address=True) as ns, ns.started(TestPbx()) as pbx:
        with ns.entered():
            callee = start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "440", "--record", heard,
                                                       "--duration", "2s"])
        with callee, ns.started(baresip_dtls_peer(pbx)) as phone:
            phone.wait_registered()
            phone.dial(CALLEE)
            phone.wait_established()
            closed = phone.wait_closed(timeout=15)
            code, report = finish(callee)
            assert code == 0, callee.stderr
            assert report["calls"][0]["media"]["security"] == "dtls-srtp"
            tone_check(heard, 1000, 440)
            tone_check(closed["received_wav"], 440, 1000)


def test_answer_on_wss_offers_webrtc_media_to_an_invite_without_sdp(pbx):
    """Delayed offer on wss under auto: our offer in the 200 is WebRTC
    media; a plain answer in the ACK then fails the call (exit 10)."""
    with start_answer(pbx, "wss", CALLEE, ["--calls", "1", "--tone", "440"]) as callee:
        with SipClient(pbx, "udp", CALLER) as caller:
            uri = "sip:%s@%s" % (CALLEE, pbx.domain)
            ok, _ = caller.request("INVITE", uri, uri, timeout=10)
            assert ok.status == 200, ok
            assert "UDP/TLS/RTP/SAVPF" in ok.body and "a=setup:actpass" in ok.body, ok.body
            contact = ok.get("contact")
            target = contact[contact.index("<") + 1:contact.index(">")]
            routes = list(reversed(ok.get_all("record-route")))
            body = pcmu_sdp(9)
            lines = ["ACK %s SIP/2.0" % target, "Via: %s" % caller.via(), "Max-Forwards: 70",
                     "From: %s" % ok.get("from"), "To: %s" % ok.get("to"), "Call-ID: %s" % ok.get("call-id"),
                     "CSeq: %d ACK" % ok.cseq] + ["Route: %s" % r for r in routes] + \
                    ["Content-Type: application/sdp", "Content-Length: %d" % len(body)]
            caller.tp.send("\r\n".join(lines) + "\r\n\r\n" + body)
            code, _ = finish(callee)
    assert code == 10, callee.stderr
    assert "not WebRTC media" in callee.stderr, callee.stderr
