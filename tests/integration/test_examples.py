"""The scripts under examples/ run against the test PBX as documented."""

import os
import subprocess

from sipcall import BIN
from test_call import finish, start_answer

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "examples")
USER, ECHO = "170", "171"


def echo_test(pbx, *extra):
    env = dict(os.environ, SIP_CALL_BIN=BIN, SIP_CALL_PASSWORD=pbx.password(USER))
    return subprocess.run(["bash", os.path.join(EXAMPLES, "echo-test.sh"), "-s", pbx.url("udp"), "-u", USER,
                           "-e", ECHO, "--duration", "2", "--", "--domain", pbx.domain, *extra],
                          capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)


def test_echo_test_passes_when_the_tone_comes_back(pbx):
    with start_answer(pbx, "udp", ECHO, ["--calls", "1", "--echo"]) as echo:
        r = echo_test(pbx)
        code, _ = finish(echo)
    assert r.returncode == 0, r
    assert r.stdout.startswith("echo test %s: OK, 1000 Hz came back" % ECHO), r.stdout
    assert code == 0


def test_echo_test_fails_when_no_audio_comes_back(pbx):
    with start_answer(pbx, "udp", ECHO, ["--calls", "1", "--silence"]) as echo:
        r = echo_test(pbx)
        finish(echo)
    assert r.returncode == 10, r
    assert "FAILED (media_failure)" in r.stdout, r.stdout


def test_srtp_call_example_runs_on_its_own_test_pbx():
    env = dict(os.environ, SIP_CALL_BIN=BIN)
    env.pop("SIP_CALL_PASSWORD", None)
    r = subprocess.run(["bash", os.path.join(EXAMPLES, "srtp-call.sh")], capture_output=True, text=True,
                       timeout=90, env=env, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r
    assert "[101] media: SDES-SRTP AES_CM_128_HMAC_SHA1_80" in r.stdout
    assert "[102] media: SDES-SRTP" in r.stdout
    assert "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<redacted>" in r.stdout
    assert "== media.security: sdes-srtp" in r.stdout


def test_srtp_call_example_in_dtls_mode_makes_a_webrtc_media_call():
    env = dict(os.environ, SIP_CALL_BIN=BIN)
    env.pop("SIP_CALL_PASSWORD", None)
    r = subprocess.run(["bash", os.path.join(EXAMPLES, "srtp-call.sh"), "dtls"], capture_output=True, text=True,
                       timeout=90, env=env, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r
    assert "[101] m=audio" in r.stdout and "UDP/TLS/RTP/SAVPF" in r.stdout
    assert "[101] a=setup:actpass" in r.stdout
    assert "[101] media: DTLS-SRTP AEAD_AES_256_GCM, ICE host 127.0.0.1:" in r.stdout
    assert "== media.security: dtls-srtp" in r.stdout


def test_srtp_call_example_refuses_an_unknown_mode():
    r = subprocess.run(["bash", os.path.join(EXAMPLES, "srtp-call.sh"), "zrtp"], capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "MODE must be sdes or dtls" in r.stderr
