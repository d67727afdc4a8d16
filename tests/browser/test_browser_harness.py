"""Chromium + JsSIP as a real WebRTC peer (browser_peer.py), every process
inside a network namespace of the test's own (netns.py) with the test PBX.

The browser-to-browser call proves the harness: registration over wss,
a call through the PBX, and each side hearing the other's tone in its
AnalyserNode.  The sip-call cases are issue 12's: sip-call dials the
browser (auto on wss, and --media-security dtls) and answers its WebRTC
offer, and both ends hear each other over ICE + DTLS-SRTP; a plain offer,
or plain media only, gets Chromium's or sip-call's 488.  Needs root (ip
netns), chromium, certutil, and `npm ci` in this directory.
"""

import os
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "pbx"))
sys.path.insert(0, os.path.join(HERE, os.pardir, "integration"))

from browser_peer import BrowserPeer  # noqa: E402
from netns import NetNamespace  # noqa: E402
from proctools import alive  # noqa: E402
from sipcall import Running, account_args  # noqa: E402
from testpbx import TestPbx  # noqa: E402
from tones import tone_check  # noqa: E402

ALICE, BOB, SIP_CALL = "103", "104", "105"
ALICE_HZ, BOB_HZ = 440, 1000


@pytest.fixture
def ns(request):
    """A namespace with lo only (parametrize indirectly with True: and the
    documentation address)."""
    with NetNamespace(doc_address=getattr(request, "param", False)) as n:
        yield n


@pytest.fixture
def pbx(ns):
    """The test PBX inside the namespace (it listens on 127.0.0.1 there)."""
    p = TestPbx()
    try:
        with ns.entered():
            p.start()
        yield p
    finally:
        p.stop()


def hears(peer, hz, window_ms=1000):
    """Assert the browser hears a tone of hz; returns the measurement."""
    m = peer.heard(window_ms)
    assert abs(m["frequency_hz"] - hz) < 15, m
    assert m["level_dbfs"] > -40, m      # a tone, not silence or comfort noise
    assert m["tone_share"] > 0.8, m      # and nothing much else
    return m


def started_sip_call(ns, pbx, args, user=SIP_CALL, transport="wss"):
    """sip-call (over wss unless told) started inside the namespace."""
    with ns.entered():
        return Running(account_args(pbx, transport, user, ["--json", *args]), password=pbx.password(user))


def finish(proc, timeout=20):
    out, err = proc.proc.communicate(timeout=timeout)
    proc.stderr = err
    return proc.proc.returncode, err


# -- the harness ----------------------------------------------------------------


# Chromium gathers 127.0.0.1 (--allow-loopback-in-peer-connection) only when
# it has no other address; beside a documentation address it uses that one.
@pytest.mark.parametrize("ns,ice_address", [(False, "127.0.0.1"), (True, "198.51.100.1")],
                         indirect=["ns"], ids=["lo-only", "doc-address"])
def test_two_browsers_hear_each_other(ns, pbx, ice_address):
    with BrowserPeer(pbx, ALICE, ns, tone_hz=ALICE_HZ) as alice, \
         BrowserPeer(pbx, BOB, ns, tone_hz=BOB_HZ) as bob:
        alice.register()
        bob.register()
        pbx.wait_for_bindings(BOB, 1)
        bob.answer_next()
        alice.call(BOB)
        alice.wait_call("confirmed")
        bob.wait_call("confirmed")
        alice.wait_heard()
        bob.wait_heard()
        cpu0, t0 = alice.cpu_seconds() + bob.cpu_seconds(), time.monotonic()
        heard_by_alice = hears(alice, BOB_HZ)
        heard_by_bob = hears(bob, ALICE_HZ)
        cores = (alice.cpu_seconds() + bob.cpu_seconds() - cpu0) / (time.monotonic() - t0)
        # WebRTC media end to end, and ICE inside the namespace
        sdp = alice.sdp()
        assert "UDP/TLS/RTP/SAVPF" in sdp["local"] and "a=fingerprint:sha-256" in sdp["remote"]
        pair = alice.ice_pair()
        assert pair["local"]["address"] == ice_address and pair["remote"]["address"] == ice_address, pair
        alice.hangup()
        ended = bob.wait_call(("ended", "failed"))
        assert ended["status"] == "ended" and ended["originator"] == "remote", ended
        print("\nchromium start %.2f s / %.2f s; two browsers in a call: %.2f cores; alice heard %s, bob heard %s"
              % (alice.start_seconds, bob.start_seconds, cores, heard_by_alice, heard_by_bob))


def test_browser_stops_every_process_and_the_namespace_goes(pbx):
    with NetNamespace() as other:
        peer = BrowserPeer(pbx, ALICE, other)
        with peer:
            pids = peer.pids()
            assert len(pids) > 1  # Chromium and its helpers
        assert not [p for p in pids if alive(p)]
        name = other.name
    assert name not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout


def test_a_page_error_is_reported(ns, pbx):
    with BrowserPeer(pbx, ALICE, ns) as alice:
        with pytest.raises(Exception, match="no call"):
            alice.heard()


# -- sip-call meets a WebRTC peer -------------------------------------------------


def test_a_plain_offer_from_sip_call_dial_gets_488_from_the_browser(ns, pbx):
    with BrowserPeer(pbx, BOB, ns, tone_hz=BOB_HZ) as bob:
        bob.register()
        pbx.wait_for_bindings(BOB, 1)
        bob.answer_next()
        dial = started_sip_call(ns, pbx, ["dial", BOB, "--tone", str(ALICE_HZ), "--no-playback", "--duration", "3s",
                                          "--media-security", "none"])
        with dial:
            code, err = finish(dial)
        call = bob.wait_call(("failed", "ended"))
    assert code == 9, err
    assert "488" in err, err
    # Chromium refused sip-call's RTP/AVP offer
    assert call["status"] == "failed" and call["originator"] == "system", call
    assert "RTP/AVP" in call["remote_sdp"] and "a=fingerprint" not in call["remote_sdp"]


def test_sip_call_answer_with_plain_media_only_refuses_the_browser_with_488(ns, pbx):
    answer = started_sip_call(ns, pbx, ["answer", "--calls", "1", "--tone", str(ALICE_HZ), "--no-playback",
                                        "--media-security", "none"])
    with answer:
        answer.wait_for_json(lambda o: o.get("event") == "registered")
        with BrowserPeer(pbx, BOB, ns, tone_hz=BOB_HZ) as bob:
            bob.register()
            bob.call(SIP_CALL)
            call = bob.wait_call(("failed", "ended"))
        answer.proc.terminate()
        finish(answer)
    assert call["status"] == "failed" and call["status_code"] == 488, call
    assert "UDP/TLS/RTP/SAVPF" in call["local_sdp"]


# -- WebRTC media between sip-call and the browser -----------------------------------


def both_hear(browser, sip_call, recording):
    """The browser's call comes up and it hears sip-call's tone; sip-call
    ends the call by itself with exit 0 and recorded the browser's tone."""
    browser.wait_call("confirmed")
    browser.wait_heard()
    hears(browser, ALICE_HZ)
    code, err = finish(sip_call)
    assert code == 0, err
    result = tone_check(recording, BOB_HZ, reject=(ALICE_HZ,))
    assert result["pass"], result


def dial_browser(ns, pbx, tmp_path, security, transport="wss"):
    heard = str(tmp_path / "heard.wav")
    with BrowserPeer(pbx, BOB, ns, tone_hz=BOB_HZ) as bob:
        bob.register()
        pbx.wait_for_bindings(BOB, 1)
        bob.answer_next()
        dial = started_sip_call(ns, pbx, ["dial", BOB, "--tone", str(ALICE_HZ), "--no-playback",
                                          "--duration", "4s", "--record", heard, *security], transport=transport)
        with dial:
            both_hear(bob, dial, heard)
        return bob, dial


def test_sip_call_dials_a_browser_with_dtls_and_both_hear(ns, pbx, tmp_path):
    bob, dial = dial_browser(ns, pbx, tmp_path, ["--media-security", "dtls"])
    assert "media: DTLS-SRTP" in dial.stderr and "ICE host 127.0.0.1:" in dial.stderr, dial.stderr


def test_sip_call_dials_a_browser_in_auto_mode_and_both_hear(ns, pbx, tmp_path):
    # auto on wss offers WebRTC media first
    bob, dial = dial_browser(ns, pbx, tmp_path, [])
    assert "media: DTLS-SRTP" in dial.stderr, dial.stderr


# sip-call on udp: the test PBX leaves SDP alone, so sip-call and the
# browser do ICE and DTLS end to end whatever carries the SIP.
def test_sip_call_on_udp_dials_a_browser_with_dtls_and_both_hear(ns, pbx, tmp_path):
    bob, dial = dial_browser(ns, pbx, tmp_path, ["--media-security", "dtls"], transport="udp")
    assert "media: DTLS-SRTP" in dial.stderr, dial.stderr


@pytest.mark.parametrize("transport", ["wss", "udp"])
def test_browser_dials_sip_call_answer_and_both_hear(ns, pbx, tmp_path, transport):
    heard = str(tmp_path / "heard.wav")
    answer = started_sip_call(ns, pbx, ["answer", "--calls", "1", "--tone", str(ALICE_HZ), "--no-playback",
                                        "--duration", "4s", "--record", heard], transport=transport)
    with answer:
        answer.wait_for_json(lambda o: o.get("event") == "registered")
        with BrowserPeer(pbx, BOB, ns, tone_hz=BOB_HZ) as bob:
            bob.register()
            bob.call(SIP_CALL)
            both_hear(bob, answer, heard)
