"""SDES-SRTP (RFC 4568 keys over RFC 3711) in real calls: sip-call with
--media-security sdes against itself, baresip's srtp module and sipp
through the test PBX; a plain peer, a refused suite, tampered packets and
the keys' absence from every trace and report."""

import json
import os
import re
import sys

import pytest

from sipcall import Running, account_args, run
from test_call import dial, finish, start_answer, tone_check

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "pbx"))

# Users of their own: test_interop uses 160-161.
CALLER, CALLEE = "170", "171"
SDES = ["--media-security", "sdes"]


def test_sdes_call_between_two_sip_calls(pbx, tmp_path):
    heard_by_caller = str(tmp_path / "caller.wav")
    heard_by_callee = str(tmp_path / "callee.wav")
    with start_answer(pbx, "udp", CALLEE,
                      ["--calls", "1", "--tone", "1000", "--record", heard_by_callee, *SDES]) as callee:
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
    tone_check(heard_by_caller, 1000, 440)
    tone_check(heard_by_callee, 440, 1000)
