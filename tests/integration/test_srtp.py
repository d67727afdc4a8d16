"""SDES-SRTP (RFC 4568 keys over RFC 3711) in real calls: sip-call with
--media-security sdes against itself, baresip's srtp module and sipp
through the test PBX; a plain peer, a refused suite, tampered packets and
the keys' absence from every trace and report."""

import os
import re
import subprocess
import sys

import pytest

from sipcall import account_args, run
from test_call import ScriptedCallee, dial, finish, pcmu_sdp, start_answer, tone_check

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "pbx"))
from baresip_peer import BaresipPeer  # noqa: E402

# Users of their own (test_examples has 170-171, test_call 172-180).
CALLER, CALLEE, PEER, PLAIN_PEER, SIPP_CALLER = "181", "182", "183", "184", "185"
SDES = ["--media-security", "sdes"]


def test_sdes_call_between_two_sip_calls(pbx, tmp_path):
    heard_by_caller = str(tmp_path / "caller.wav")
    heard_by_callee = str(tmp_path / "callee.wav")
    with start_answer(pbx, "udp", CALLEE,
                      ["-v", "--calls", "1", "--tone", "1000", "--record", heard_by_callee, *SDES]) as callee:
        r = dial(pbx, "tcp", CALLER, CALLEE, ["--duration", "2s", "--tone", "440", "--record", heard_by_caller, *SDES])
        code, callee_report = finish(callee)
    assert r.code == 0, r
    media = r.report()["media"]
    assert media["security"] == "sdes-srtp"
    assert media["srtp_suite"] == "AES_CM_128_HMAC_SHA1_80"  # our first choice, taken by the answerer
    assert media["packets_received"] > 50 and media["packets_unauthenticated"] == 0
    assert "media: SDES-SRTP AES_CM_128_HMAC_SHA1_80" in r.stderr
    assert code == 0, callee.stderr
    assert callee_report["calls"][0]["media"]["security"] == "sdes-srtp"
    assert "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<redacted>" in callee.stderr  # -v: the offer it got
    assert not re.search(r"inline:[A-Za-z0-9+/]", callee.stderr)
    tone_check(heard_by_caller, 1000, 440)
    tone_check(heard_by_callee, 440, 1000)


def test_sip_call_dials_baresip_srtp_mandatory(pbx, tmp_path):
    heard = str(tmp_path / "heard.wav")
    with BaresipPeer(pbx, PEER, codecs=("pcmu",), tone_hz=1000, mediaenc="srtp-mand") as peer:
        peer.wait_registered()
        r = dial(pbx, "udp", CALLER, PEER, ["--duration", "2s", "--tone", "440", "--record", heard, *SDES])
        closed = peer.wait_closed()
        assert r.code == 0, r
        media = r.report()["media"]
        assert media["security"] == "sdes-srtp" and media["srtp_suite"]
        assert media["packets_unauthenticated"] == 0
        tone_check(heard, 1000, 440)
        tone_check(closed["received_wav"], 440, 1000)  # before the peer's work directory goes


@pytest.mark.parametrize("mode", ["sdes", "auto"])  # auto answers an SRTP offer with SRTP
def test_baresip_srtp_mandatory_dials_sip_call_answer(pbx, tmp_path, mode):
    heard = str(tmp_path / "heard.wav")
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "440", "--record", heard, "--duration", "2s",
                                           "--media-security", mode]) as callee:
        with BaresipPeer(pbx, PEER, codecs=("opus",), tone_hz=1000, mediaenc="srtp-mand") as peer:
            peer.wait_registered()
            peer.dial(CALLEE)
            peer.wait_established()
            closed = peer.wait_closed(timeout=15)
            code, report = finish(callee)
            assert code == 0, callee.stderr
            media = report["calls"][0]["media"]
            assert media["security"] == "sdes-srtp" and media["codec"] == "opus"
            assert media["srtp_suite"] in ("AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AEAD_AES_128_GCM",
                                           "AEAD_AES_256_GCM")
            tone_check(heard, 1000, 440)
            tone_check(closed["received_wav"], 440, 1000)


def test_sipp_offer_of_an_unknown_suite_only_gets_488_with_a_warning(pbx, tmp_path):
    """sipp offers RTP/SAVP with F8_128_HMAC_SHA1_80 alone; the scenario
    fails unless the 488 carries `Warning: 399 <host> "... F8 ..."`."""
    scenario = os.path.join(os.path.dirname(__file__), os.pardir, "pbx", "sipp_uac_srtp_unknown_suite.xml")
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "440"]) as callee:
        sipp = subprocess.run(
            ["sipp", "%s:%d" % (pbx.host, pbx.ports["udp"]), "-sf", scenario, "-t", "u1", "-m", "1",
             "-key", "domain", pbx.domain, "-key", "caller", SIPP_CALLER, "-s", CALLEE,
             "-au", SIPP_CALLER, "-ap", pbx.password(SIPP_CALLER),
             "-i", pbx.host, "-mi", pbx.host, "-ci", pbx.host, "-nostdin", "-timeout", "20s", "-timeout_error",
             "-trace_msg", "-message_file", str(tmp_path / "sipp.msg")],
            capture_output=True, text=True, timeout=40, cwd=str(tmp_path))
        code, report = finish(callee)
    messages = (tmp_path / "sipp.msg").read_text() if (tmp_path / "sipp.msg").exists() else ""
    assert sipp.returncode == 0, messages[-3000:] + sipp.stdout[-2000:] + sipp.stderr
    warning = [line for line in messages.splitlines() if line.startswith("Warning: 399 ")]
    assert warning and "F8_128_HMAC_SHA1_80" in warning[0], warning
    assert "inline:" not in warning[0]
    assert code == 10, callee.stderr
    call = report["calls"][0]
    assert call["refused_status"] == 488
    assert "F8_128_HMAC_SHA1_80" in call["error"]


def test_sdes_to_a_plain_rtp_peer_is_a_media_failure(pbx):
    callee = ScriptedCallee(pbx, PLAIN_PEER, pcmu_sdp)
    try:
        r = dial(pbx, "udp", CALLER, PLAIN_PEER, ["--tone", "440", *SDES])
    finally:
        callee.close()
    assert r.code == 10, r
    assert ("answered, but the SDP answer is unusable: --media-security sdes: the far end answered plain "
            "RTP/AVP, not SRTP (RTP/SAVP)") in r.stderr
    assert r.report()["exit_reason"] == "media_failure"
    assert "RTP/SAVP" in callee.invite.body and "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" in callee.invite.body


def test_answer_sdes_refuses_a_plain_offer(pbx):
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "440", *SDES]) as callee:
        r = dial(pbx, "udp", CALLER, CALLEE, ["--tone", "440", "--media-security", "none"])
        code, report = finish(callee)
    assert r.report()["status"] == 488, r
    assert code == 10, callee.stderr
    assert "--media-security sdes: the offer is plain RTP/AVP, not SRTP (RTP/SAVP)" in callee.stderr


def test_no_key_in_a_verbose_json_run(pbx):
    """-v prints our offer and the peer's answer, --json every event: the
    keys of both (as the peer saw and sent them) appear in none of it."""
    peer_key = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk"
    answer = lambda port: pcmu_sdp(port).replace("RTP/AVP", "RTP/SAVP") + \
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n" % peer_key
    callee = ScriptedCallee(pbx, PLAIN_PEER, answer)
    try:
        r = run(account_args(pbx, "udp", CALLER, ["-v", "--json", "dial", PLAIN_PEER, "--no-playback", "--tone", "440",
                                                  "--media-timeout", "1s", "--duration", "2s", *SDES]),
                password=pbx.password(CALLER), timeout=40)
    finally:
        callee.close()
    assert r.code == 10, r  # the scripted peer sends no SRTP
    our_keys = re.findall(r"inline:([A-Za-z0-9+/=]+)", callee.invite.body)
    assert len(our_keys) == 4
    for text in (r.stdout, r.stderr):
        for key in our_keys + [peer_key]:
            assert key not in text and key[:16] not in text
        assert not re.search(r"inline:[A-Za-z0-9+/]", text)
    assert r.stderr.count("inline:<redacted>") >= 5  # our offer's four lines, the answer's one
    assert r.report()["media"]["security"] == "sdes-srtp"


def savp_answer_with(key):
    return lambda port: pcmu_sdp(port).replace("RTP/AVP", "RTP/SAVP") + \
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n" % key


def test_forged_packets_are_dropped_and_the_call_fails(pbx):
    """The far end agrees SRTP but sends plain RTP of a tone (what a forger
    without the key can do): every packet fails authentication, none is
    heard, and --expect-tone does not pass."""
    callee = ScriptedCallee(pbx, PLAIN_PEER, savp_answer_with("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk"))
    callee.stream_tone(800)
    try:
        r = dial(pbx, "udp", CALLER, PLAIN_PEER, ["--tone", "440", "--duration", "2s", "--media-timeout", "5s",
                                                  "--expect-tone", "800", *SDES])
    finally:
        callee.close()
    assert r.code == 10, r
    media = r.report()["media"]
    assert media["packets_unauthenticated"] > 20
    assert media["packets_received"] == 0
    assert "packets that failed SRTP authentication or replay protection" in r.stderr
    assert "no RTP received from the far end" in r.stderr
    assert media["expect_tone"]["found"] is False


def test_re_invite_with_new_crypto_is_answered_with_a_new_key(pbx):
    replies = []

    def rekey(callee, invite):
        replies.append(callee.reinvite(savp_answer_with("WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz")(callee.port), 10))

    callee = ScriptedCallee(pbx, PLAIN_PEER, savp_answer_with("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk"),
                            in_call=rekey)
    try:
        r = dial(pbx, "udp", CALLER, PLAIN_PEER, ["--tone", "440", "--duration", "2s", "--media-timeout", "0", *SDES])
    finally:
        callee.close()
    assert callee.error is None, callee.error
    assert r.code == 0, r
    assert replies and replies[0].status == 200, replies
    offered = re.findall(r"inline:([A-Za-z0-9+/=]+)", callee.invite.body)
    answered = re.findall(r"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:([A-Za-z0-9+/=]+)", replies[0].body)
    assert len(answered) == 1 and answered[0] not in offered  # our fresh key for the peer's new one
    assert "RTP/SAVP" in replies[0].body


def test_sdes_offer_refused_by_a_plain_only_answerer(pbx):
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "440", "--media-security", "none"]) as callee:
        r = dial(pbx, "udp", CALLER, CALLEE, ["--tone", "440", *SDES])
        code, report = finish(callee)
    assert r.code == 10, r  # the call cannot get what --media-security sdes demands; the line says why
    assert "488 Not Acceptable Here (Warning: \"unusable SDP offer: --media-security none: the offer is RTP/SAVP " \
           "(SRTP), plain RTP only\") (our offer was SRTP only: --media-security sdes)" in r.stderr
    assert code == 10
    assert "--media-security none: the offer is RTP/SAVP (SRTP), plain RTP only" in report["calls"][0]["error"]
