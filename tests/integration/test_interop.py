"""sip-call against independent SIP implementations from Debian (baresip,
sipp) through the test PBX, and through the real PortAudio path with ALSA
standing in for a sound card. Every call's audio is checked in recordings."""

import os
import sys

import pytest

from alsa import fake_sound_card
from sipcall import Running, account_args, run
from test_call import finish, start_answer, tone_check

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "pbx"))
from baresip_peer import BaresipPeer  # noqa: E402
from sipp_peer import SippUas  # noqa: E402

SIP_CALL_USER, PEER_USER = "160", "161"


@pytest.mark.parametrize("codec,transport", [("opus", "wss"), ("pcmu", "udp"), ("pcma", "tcp")])
def test_sip_call_dials_baresip(pbx, tmp_path, codec, transport):
    heard = str(tmp_path / "heard.wav")
    with BaresipPeer(pbx, PEER_USER, codecs=(codec,), tone_hz=1000) as peer:
        peer.wait_registered()
        r = run(account_args(pbx, transport, SIP_CALL_USER,
                             ["--json", "dial", PEER_USER, "--duration", "2s", "--tone", "440", "--no-playback",
                              "--codecs", codec, "--record", heard]),
                password=pbx.password(SIP_CALL_USER), timeout=40)
        closed = peer.wait_closed()
        assert r.code == 0, r
        assert r.report()["media"]["codec"] == codec
        tone_check(heard, 1000, 440)
        tone_check(closed["received_wav"], 440, 1000)


def test_baresip_dials_sip_call_answer(pbx, tmp_path):
    heard = str(tmp_path / "heard.wav")
    with start_answer(pbx, "udp", SIP_CALL_USER,
                      ["--calls", "1", "--tone", "440", "--record", heard, "--duration", "2s"]) as callee:
        with BaresipPeer(pbx, PEER_USER, codecs=("opus",), tone_hz=1000) as peer:
            peer.wait_registered()
            peer.dial(SIP_CALL_USER)
            peer.wait_established()
            closed = peer.wait_closed(timeout=15)
            code, report = finish(callee)
            assert code == 0, callee.stderr
            assert report["calls"][0]["media"]["codec"] == "opus"
            assert report["calls"][0]["hangup_by"] == "local"
            tone_check(heard, 1000, 440)
            tone_check(closed["received_wav"], 440, 1000)


def test_sip_call_dials_sipp_echo(pbx, tmp_path):
    heard = str(tmp_path / "echo.wav")
    with SippUas(pbx, PEER_USER) as echo:
        echo.wait_registered()
        r = run(account_args(pbx, "udp", SIP_CALL_USER,
                             ["--json", "dial", PEER_USER, "--duration", "2s", "--tone", "700", "--no-playback",
                              "--record", heard]),
                password=pbx.password(SIP_CALL_USER), timeout=40)
        echo.wait_closed(1)
    assert r.code == 0, r
    assert r.report()["media"]["codec"] == "pcmu"  # all sipp answers with
    tone_check(heard, 700, 1000)


def test_portaudio_path_both_ways(pbx, tmp_path):
    """No --tone, --play or --no-playback: the default ALSA devices (a file
    with a 440 Hz tone for the microphone, a file for the speaker) carry
    the call through PortAudio."""
    card = fake_sound_card(tmp_path, tone_hz=440, seconds=20)
    heard_by_callee = str(tmp_path / "callee.wav")
    with start_answer(pbx, "udp", PEER_USER, ["--calls", "1", "--tone", "1000", "--record", heard_by_callee]) as callee:
        r = run(account_args(pbx, "wss", SIP_CALL_USER, ["--json", "dial", PEER_USER, "--duration", "3s"]),
                password=pbx.password(SIP_CALL_USER), timeout=40, env=card.env)
        code, _ = finish(callee)
    assert r.code == 0, r
    assert code == 0
    assert "warning" not in r.stderr  # the speaker was found
    tone_check(heard_by_callee, 440, 1000)  # microphone -> PortAudio -> RTP
    played = card.playback_wav()
    assert played, "nothing was played on the default device"
    tone_check(played, 1000, 440)  # RTP -> PortAudio -> speaker
