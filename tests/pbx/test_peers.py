#!/usr/bin/python3
"""Self-tests of the independent SIP peers (baresip, sipp) on the test PBX.
Run: /usr/bin/python3 -m pytest -q tests/pbx/test_peers.py"""

import os
import sys
import wave

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import testpbx  # noqa: E402
from baresip_peer import BaresipPeer  # noqa: E402
from peerproc import PeerError, PeerProcess  # noqa: E402
from sipp_peer import SippUas  # noqa: E402
from tones import tone_check, write_tone_wav  # noqa: E402

LOW, HIGH = 440, 1000  # [Hz] caller's and callee's tones
AUDIO_SECONDS = 1.5    # received audio to wait for before hanging up


@pytest.fixture(scope="module")
def pbx():
    yield from testpbx.running_pbx()


def test_peer_process_stop_reaps_with_resource_usage(tmp_path):
    proc = PeerProcess(["sleep", "30"], str(tmp_path), str(tmp_path / "sleep.log"))
    assert proc.running() and proc.rusage is None
    assert proc.stop(timeout=5) == -15
    assert proc.rusage is not None and proc.rusage.ru_utime >= 0     # for the benchmarks' CPU figures
    assert proc.stop() == -15                                          # idempotent


def test_peer_process_that_ignores_sigterm_is_killed(tmp_path):
    log = tmp_path / "stubborn.log"
    proc = PeerProcess([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                        "print('ready', flush=True); time.sleep(30)"], str(tmp_path), str(log))
    testpbx.wait_until(lambda: "ready" in proc.log_text(), 10, what="the SIGTERM handler")
    assert proc.stop(timeout=0.2) == -9 and proc.rusage is not None


def wav_rate(path):
    with wave.open(path, "rb") as w:
        return w.getframerate()


def test_tone_check_finds_the_tone_and_can_fail(tmp_path):
    tone = write_tone_wav(str(tmp_path / "tone.wav"), LOW, seconds=2)
    assert tone_check(tone, LOW, reject=(HIGH,))["pass"]
    wrong = tone_check(tone, HIGH, reject=(LOW,))
    assert not wrong["pass"] and len(wrong["reasons"]) == 2
    silent = str(tmp_path / "silent.wav")
    with wave.open(silent, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 16000)
    assert not tone_check(silent, LOW)["pass"]
    assert not tone_check(str(tmp_path / "missing.wav"), LOW)["pass"]


# opus over UDP and PCMU over TCP: each codec and transport once, a few
# seconds per call
@pytest.mark.parametrize("codec,transport,callee_ext,caller_ext,rate", [
    ("opus", "udp", 110, 111, 48000),
    ("PCMU", "tcp", 112, 113, 8000),
])
def test_baresip_calls_baresip_with_two_way_audio(pbx, codec, transport, callee_ext, caller_ext, rate):
    with BaresipPeer(pbx, callee_ext, transport=transport, codecs=[codec], tone_hz=HIGH) as callee, \
            BaresipPeer(pbx, caller_ext, transport=transport, codecs=[codec], tone_hz=LOW) as caller:
        callee.wait_registered()
        caller.wait_registered()
        since = pbx.mark()
        caller.dial(callee_ext)
        caller.wait_established()
        callee.wait_established()
        callee.wait_received(AUDIO_SECONDS)
        caller.wait_received(AUDIO_SECONDS)
        caller.hangup()
        heard_by_caller = caller.wait_closed()
        heard_by_callee = callee.wait_closed()
        # (the recordings live in the peers' work directories until stop)
        for call, expect, reject in ((heard_by_callee, LOW, HIGH), (heard_by_caller, HIGH, LOW)):
            assert wav_rate(call["received_wav"]) == rate  # the codec's rate: that codec was used
            result = tone_check(call["received_wav"], expect, reject=(reject,))
            assert result["pass"], result
            # and what the peer sent is its own tone
            assert tone_check(call["sent_wav"], reject, reject=(expect,))["pass"]

    invite = pbx.wait_for_message(lambda m: m["method"] == "INVITE" and m["type"] == "request"
                                  and m["to"] == str(callee_ext), since=since)
    assert invite["proto"] == transport


def test_sipp_answers_and_echoes_rtp(pbx):
    with SippUas(pbx, 120) as echo, \
            BaresipPeer(pbx, 121, codecs=["PCMU"], tone_hz=LOW) as caller:
        echo.wait_registered()
        caller.wait_registered()
        caller.dial(120)
        caller.wait_established()
        call_ids = echo.wait_answered(1)
        caller.wait_received(AUDIO_SECONDS)
        caller.hangup()
        heard = caller.wait_closed()
        assert echo.wait_closed(1) == call_ids == [heard["id"]]
        result = tone_check(heard["received_wav"], LOW, reject=(HIGH,))
        assert result["pass"], result


def test_baresip_reports_a_rejected_call(pbx):
    with BaresipPeer(pbx, 122, codecs=["PCMU"], tone_hz=LOW) as caller:
        caller.wait_registered()
        caller.dial(486)
        with pytest.raises(PeerError, match="486"):
            caller.wait_established()
        closed = caller.wait_closed()
        assert closed["received_wav"] is None


def test_baresip_fails_to_register_with_a_wrong_password(pbx):
    class WrongPassword:
        """The PBX, seen by a peer that has the wrong password."""
        host, domain, ports = pbx.host, pbx.domain, pbx.ports

        @staticmethod
        def password(ext):
            return "wrong"

    with BaresipPeer(WrongPassword, 123, tone_hz=LOW) as peer:
        with pytest.raises(PeerError, match="REGISTER_FAIL"):
            peer.wait_registered(timeout=10)
