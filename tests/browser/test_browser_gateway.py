"""The test PBX's media gateway mode (TestPbx(rtpengine=True)) between a
WebRTC browser and a plain SIP phone: Chromium + JsSIP over wss and baresip
over udp, each side hearing the other's tone through rtpengine, which turns
the browser's DTLS-SRTP/ICE/rtcp-mux media into baresip's RTP/AVP and back.
Everything runs inside a network namespace with only lo.  Needs root,
chromium, certutil, rtpengine, baresip and `npm ci` in this directory.
"""

import os
import re
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "pbx"))

from baresip_peer import BaresipPeer  # noqa: E402
from browser_peer import BrowserPeer  # noqa: E402
from netns import NetNamespace  # noqa: E402
from testpbx import TestPbx  # noqa: E402
from tones import tone_check  # noqa: E402

BROWSER, PHONE = "106", "107"
BROWSER_HZ, PHONE_HZ = 440, 1000
AUDIO_SECONDS = 1.5


@pytest.fixture
def ns(request):
    """A namespace with lo only (parametrize indirectly with True: and the
    documentation address, which the browser then prefers for ICE)."""
    with NetNamespace(doc_address=getattr(request, "param", False)) as n:
        yield n


@pytest.fixture
def pbx(ns):
    """The PBX in gateway mode inside the namespace (Kamailio and rtpengine
    on the namespace's 127.0.0.1); one per test, so that the registrar and
    rtpengine hold only that test's browser and call."""
    with ns.started(TestPbx(rtpengine=True)) as p:
        yield p


@pytest.fixture
def phone(ns, pbx):
    """baresip on udp, inside the namespace."""
    with ns.started(BaresipPeer(pbx, PHONE, codecs=["opus", "PCMU"], tone_hz=PHONE_HZ)) as peer:
        peer.wait_registered()
        yield peer


@pytest.fixture
def browser(ns, pbx):
    with BrowserPeer(pbx, BROWSER, ns, tone_hz=BROWSER_HZ) as b:
        b.register()
        pbx.wait_for_bindings(BROWSER, 1)
        yield b


def hears(browser, hz, window_ms=1000):
    m = browser.heard(window_ms)
    assert abs(m["frequency_hz"] - hz) < 15, m
    assert m["level_dbfs"] > -40, m
    assert m["tone_share"] > 0.8, m
    return m


def media_line(sdp):
    """(address, port, protocol) of the first audio stream of an SDP."""
    c = re.search(r"^c=IN IP4 (\S+)", sdp, re.M)
    m = re.search(r"^m=audio (\d+) (\S+)", sdp, re.M)
    assert c and m, sdp
    return c.group(1), int(m.group(1)), m.group(2)


def assert_relayed(pbx, browser, phone):
    """Each side was told rtpengine's address and ports, in its own
    profile: the browser WebRTC media, baresip plain RTP."""
    rtp = pbx.rtpengine
    remote = browser.sdp()["remote"]
    local = browser.sdp()["local"]
    address, port, proto = media_line(remote)
    assert proto == "UDP/TLS/RTP/SAVPF" and media_line(local)[2] == "UDP/TLS/RTP/SAVPF", remote
    assert "a=fingerprint:sha-256" in remote and "a=rtcp-mux" in remote and "a=ice-ufrag" in remote
    assert "a=crypto" not in remote
    cands = re.findall(r"^a=candidate:\S+ \d+ UDP \d+ (\S+) (\d+) typ host", remote, re.M | re.I)
    assert cands and all(a == pbx.host and rtp.port_min <= int(p) <= rtp.port_max for a, p in cands), remote
    assert address == pbx.host and rtp.port_min <= port <= rtp.port_max, remote
    told_phone = phone.received_sdp()
    assert told_phone, phone.log_text()[-2000:]
    address, port, proto = media_line(told_phone[-1])
    assert proto == "RTP/AVP" and address == pbx.host and rtp.port_min <= port <= rtp.port_max, told_phone[-1]
    for attribute in ("a=fingerprint", "a=ice-", "a=candidate", "a=rtcp-mux", "a=setup"):
        assert attribute not in told_phone[-1], told_phone[-1]
    pair = browser.ice_pair()
    assert pair["remote"]["address"] == pbx.host and rtp.port_min <= pair["remote"]["port"] <= rtp.port_max, pair


def relayed_packets(pbx):
    """RTP packets rtpengine relayed per call leg, of its only call."""
    calls = pbx.rtpengine.calls()
    assert len(calls) == 1, calls
    tags = pbx.rtpengine.query(calls[0])["tags"]
    return {tag: sum(s["stats"]["packets"] for m in t["medias"] for s in m["streams"]) for tag, t in tags.items()}


def talk_and_hang_up(pbx, browser, phone, hang_up):
    browser.wait_call("confirmed")
    phone.wait_established()
    browser.wait_heard()
    phone.wait_received(AUDIO_SECONDS)
    heard = hears(browser, PHONE_HZ)
    assert_relayed(pbx, browser, phone)
    packets = relayed_packets(pbx)
    assert len(packets) == 2 and min(packets.values()) > 25, packets   # both directions, > 0.5 s each
    hang_up()
    call = phone.wait_closed()
    browser.wait_call("ended")
    result = tone_check(call["received_wav"], BROWSER_HZ, reject=(PHONE_HZ,))
    assert result["pass"], result
    return heard, result


# rtpengine stays on the PBX's 127.0.0.1 either way
@pytest.mark.parametrize("ns", [False, True], indirect=True, ids=["lo-only", "doc-address"])
def test_browser_calls_baresip_through_the_gateway(ns, pbx, browser, phone):
    browser.call(PHONE)
    talk_and_hang_up(pbx, browser, phone, browser.hangup)


def test_baresip_calls_the_browser_through_the_gateway(pbx, browser, phone):
    browser.answer_next()
    phone.dial(BROWSER)
    talk_and_hang_up(pbx, browser, phone, phone.hangup)
