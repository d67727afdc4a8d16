#!/usr/bin/env python3
"""Writes the seed corpus: small, valid inputs for each fuzz target, in the
input layout its harness describes (tests/fuzz/fuzz_<target>.cpp). The
files are kept in git; rerun this after changing a harness's layout.

    python3 tests/fuzz/corpus/make_seeds.py
"""
import math
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    os.makedirs(os.path.join(HERE, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(HERE, target, name), "wb") as f:
        f.write(data)


# --- SIP text ---------------------------------------------------------------

REGISTER = ("REGISTER sip:pbx.test SIP/2.0\r\n"
            "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK56sdasks\r\n"
            "From: <sip:101@pbx.test>;tag=a73kszlfl\r\n"
            "To: <sip:101@pbx.test>\r\n"
            "Call-ID: 1j9FpLxk3uxtm8tn@df7jal23ls0d.invalid\r\n"
            "CSeq: 2 REGISTER\r\n"
            "Authorization: Digest username=\"101\", realm=\"pbx.test\", nonce=\"ZmFrZQ\", "
            "uri=\"sip:pbx.test\", response=\"0123456789abcdef0123456789abcdef\", "
            "cnonce=\"c0ffee\", nc=00000001, qop=auth\r\n"
            "Content-Length: 0\r\n\r\n")
OK = ("SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK56sdasks\r\n"
      "CSeq: 2 REGISTER\r\n"
      "Contact: <sip:101@df7jal23ls0d.invalid;transport=ws>;expires=600\r\n"
      "Content-Length: 0\r\n\r\n")
MESSAGE_NO_LENGTH = ("MESSAGE sip:101@pbx.test SIP/2.0\r\n"
                     "CSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n\r\nhello")
MESSAGE_COMPACT = "MESSAGE sip:101@pbx.test SIP/2.0\r\nl: 5\r\nc: text/plain\r\n\r\nhello"

# fuzz_sip_stream_framer: chunk-size byte, then the stream.
write("sip_stream_framer", "register", "\x05" + REGISTER)
write("sip_stream_framer", "two_messages", "\x10" + OK + MESSAGE_COMPACT)
write("sip_stream_framer", "keepalive_then_ok", "\x01" + "\r\n\r\n" + OK)
write("sip_stream_framer", "websocket_no_length", "\x20" + MESSAGE_NO_LENGTH)

# fuzz_server_url: the --server text.
for i, url in enumerate(["wss://pbx.example.com:7443/ws", "ws://127.0.0.1:8080", "WSS://PBX.TEST/sip?x=1",
                         "sip:pbx.test;transport=tcp", "sips:[::1]:5061", "pbx.test:5070",
                         "sip:10.0.0.1;transport=ws", "[2001:db8::1]"]):
    write("server_url", f"url{i}", url)


# fuzz_digest: one WWW-Authenticate / Proxy-Authenticate value.
for i, ch in enumerate([
        'Digest realm="pbx.test", nonce="ZmFrZQ", qop="auth", algorithm=MD5',
        'Digest realm="pbx \\"q\\", x:y", nonce="n", opaque="o\\"p", algorithm=SHA-256, qop="auth,auth-int"',
        'Digest realm="r", nonce="n", algorithm=SHA-512-256-sess, stale=true',
        'Digest realm="r"',
        'Basic realm="pbx.test"',
        'Negotiate abc==',
        'Digest realm=\x02\x00t", nonce="n"']):  # a control character in a token value (found by the fuzzer)
    write("digest", f"challenge{i}", ch)

# fuzz_sip_trace: chunk-size byte, then Sofia-SIP's tport dump of messages.
def sofia_dump(direction, peer, message):
    sep = "   " + "-" * 72 + "\n"
    head = f"{direction} {len(message)} bytes {'to' if direction == 'send' else 'from'} {peer} at 10:00:00.000001:\n"
    body = "".join("   " + line + "\n" for line in message.split("\r\n"))
    return head + sep + body + sep


write("sip_trace", "register_and_ok",
      "\x40" + sofia_dump("send", "wss/[127.0.0.1]:7443", REGISTER) + sofia_dump("recv", "wss/[127.0.0.1]:7443", OK))
write("sip_trace", "plain_message", "\x07" + MESSAGE_COMPACT)
# An Authorization header with no value (redaction must leave it, and stay idempotent: found by the fuzzer).
write("sip_trace", "empty_authorization",
      "\x40" + sofia_dump("send", "wss/[127.0.0.1]:7443", "REGISTER sip:pbx.test SIP/2.0\r\nAuthorization: \r\n"
                                                          "Content-Length: 0\r\n\r\n"))
# An SDES offer: a=crypto keys (one already redacted) in an SDP body, in either case.
SDES_SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\n"
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^31|1:4\r\n"
            "a=crypto:2 AES_CM_128_HMAC_SHA1_32 INLINE:<redacted>\r\na=crypto:3 AEAD_AES_128_GCM inline:\r\n")
write("sip_trace", "sdes_offer",
      "\x40" + sofia_dump("recv", "udp/[127.0.0.1]:5060", "INVITE sip:171@pbx.test SIP/2.0\r\n"
                                                         "Content-Type: application/sdp\r\n"
                                                         f"Content-Length: {len(SDES_SDP)}\r\n\r\n" + SDES_SDP))

# fuzz_dtmf_info: Content-Type byte (even: application/dtmf-relay, odd:
# application/dtmf; > 127: in upper case), then the INFO body.
write("dtmf_info", "kamailio_relay", b"\x00" + b"Signal=5\nDuration=250")
write("dtmf_info", "baresip_relay_hash", b"\x80" + b"Signal=#\r\nDuration=160\r\n")
write("dtmf_info", "3cx_relay_event_10", b"\x02" + b"Duration=100\r\nSignal=10\r\n")
write("dtmf_info", "plain_dtmf", b"\x01" + b"A\r\n")
write("dtmf_info", "relay_no_signal", b"\x00" + b"Signal=\r\n")

# --- RTP, RTCP, DTMF ----------------------------------------------------------


def rtp(pt, seq, ts, ssrc, payload, marker=False, csrcs=(), ext=None, pad=0):
    b0 = 0x80 | (0x20 if pad else 0) | (0x10 if ext is not None else 0) | len(csrcs)
    out = struct.pack("!BBHII", b0, (0x80 if marker else 0) | pt, seq, ts, ssrc)
    out += b"".join(struct.pack("!I", c) for c in csrcs)
    if ext is not None:
        out += struct.pack("!HH", 0xBEDE, len(ext) // 4) + ext
    out += payload
    if pad:
        out += bytes(pad - 1) + bytes([pad])
    return out


write("rtp_packet", "pcmu", rtp(0, 1, 160, 0x1234, bytes([0xFF] * 20), marker=True))
write("rtp_packet", "opus_csrc_ext_pad", rtp(111, 65535, 4294967000, 7, b"\x78\x01\x02", csrcs=(1, 2),
                                             ext=b"\x10\xAA\x00\x00", pad=4))
write("rtp_packet", "telephone_event", rtp(101, 9, 800, 7, bytes([5, 0x8A, 0x03, 0x20])))


def rtcp_header(count, ptype, body):
    return struct.pack("!BBH", 0x80 | count, ptype, len(body) // 4) + body  # length: words - 1


def report_block(ssrc, lost):
    return struct.pack("!IIIIII", ssrc, (25 << 24) | (lost & 0xFFFFFF), 70000, 12, 0x12345678, 65536)


def sdes_cname(ssrc, cname):
    items = bytes([1, len(cname)]) + cname + b"\x00"
    items += bytes(-len(items) % 4)
    return rtcp_header(1, 202, struct.pack("!I", ssrc) + items)


NTP = struct.pack("!II", 3900000000, 0x80000000)  # arrival time, the harness's first 8 bytes
sr = rtcp_header(1, 200, struct.pack("!IIIIII", 0xAABB, 3900000000, 0x40000000, 16000, 100, 16000)
                 + report_block(0xCCDD, -3))
write("rtcp", "sr_sdes_bye", NTP + sr + sdes_cname(0xAABB, b"sip-call@host") + rtcp_header(1, 203, struct.pack("!I", 0xAABB)))
write("rtcp", "rr_empty", NTP + rtcp_header(0, 201, struct.pack("!I", 0xAABB)))
write("rtcp", "rr_two_blocks", NTP + rtcp_header(2, 201, struct.pack("!I", 1) + report_block(2, 5) + report_block(3, 0)))


# fuzz_jitter_buffer: frame-size index, then operations (see the harness).
def jb_step(steps, payload):  # op % 8 == 3: put `steps` (0..31) frames after the last packet
    return bytes([3 + 8 * steps, len(payload)]) + payload


def jb_absolute(ts, seq, payload):  # op % 8 == 0
    return bytes([0]) + struct.pack("!IHH", ts, seq, len(payload)) + payload


PULL, RESET = b"\x05", b"\x07"
write("jitter_buffer", "in_order", b"\x00" + b"".join(jb_step(1, bytes([i] * 20)) + PULL for i in range(12)))
write("jitter_buffer", "loss_and_reorder", b"\x02" + jb_absolute(1000, 10, b"a" * 40) + jb_step(2, b"c" * 40)
      + jb_absolute(1000 + 960, 11, b"b" * 40) + PULL * 4 + jb_step(1, b"d" * 40) + PULL * 3 + RESET + PULL)
write("jitter_buffer", "wrap", b"\x01" + jb_absolute(0xFFFFFE00, 0xFFFE, b"x" * 10)
      + b"".join(jb_step(1, b"y" * 10) for _ in range(4)) + PULL * 6)


# fuzz_dtmf: rate index, tone ms, gap ms, packet index, digit count, digits,
# then received packets (timestamp, length, payload).
def dtmf_packet(ts, event, end, duration):
    return struct.pack("!IB", ts, 4) + struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration)


write("dtmf", "digits_and_events", bytes([0, 100, 50, 1, 6]) + b"1#9*aD"
      + dtmf_packet(800, 1, False, 160) + dtmf_packet(800, 1, True, 800) + dtmf_packet(800, 1, True, 800)
      + dtmf_packet(4000, 11, False, 160))
write("dtmf", "wideband_short", bytes([2, 40, 0, 0, 3]) + b"0x7")

# --- WAV files ----------------------------------------------------------------


def wav(rate, channels, bits, samples, fmt=1, extensible=False):
    block = channels * bits // 8
    data = b"".join(samples)
    if extensible:
        sub = struct.pack("<IHH8s", 1 if fmt == 1 else fmt, 0x0000, 0x0010, b"\x80\x00\x00\xaa\x00\x38\x9b\x71")
        fmt_chunk = struct.pack("<HHIIHHHH", 0xFFFE, channels, rate, rate * block, block, bits, 22, bits) + \
            struct.pack("<I", (1 << channels) - 1) + sub
    else:
        fmt_chunk = struct.pack("<HHIIHH", fmt, channels, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def sine(n, rate, scale):
    return [math.sin(2 * math.pi * 440 * i / rate) * scale for i in range(n)]


write("wav_file", "pcm16_mono_8k", wav(8000, 1, 16, [struct.pack("<h", int(v)) for v in sine(80, 8000, 9000)]))
write("wav_file", "pcm16_stereo_48k", wav(48000, 2, 16, [struct.pack("<hh", int(v), -int(v)) for v in sine(60, 48000, 9000)]))
write("wav_file", "pcm8_mono_16k", wav(16000, 1, 8, [bytes([128 + int(v)]) for v in sine(64, 16000, 100)]))
write("wav_file", "ulaw_mono_8k", wav(8000, 1, 8, [bytes([(i * 37) & 0xFF]) for i in range(64)], fmt=7))
write("wav_file", "float_mono_44k", wav(44100, 1, 32, [struct.pack("<f", v) for v in sine(40, 44100, 0.3)], fmt=3))
write("wav_file", "extensible_pcm16_stereo", wav(22050, 2, 16, [struct.pack("<hh", int(v), int(v)) for v in sine(40, 22050, 5000)],
                                                 extensible=True))


# --- SDP ----------------------------------------------------------------------

SDP_HEAD = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
write("sdp", "phone_offer", SDP_HEAD + "m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"
      "a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\n"
      "a=sendrecv\r\n")
write("sdp", "3cx_opus_answer", SDP_HEAD + "m=audio 9000 RTP/AVP 112 101\r\na=rtpmap:112 opus/48000/2\r\n"
      "a=fmtp:112 useinbandfec=1\r\na=rtpmap:101 telephone-event/48000\r\na=rtcp:9001\r\n")
write("sdp", "sdes_offer", SDP_HEAD + "m=audio 4000 RTP/SAVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
      "a=rtpmap:101 telephone-event/8000\r\n"
      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^31|1:4\r\n"
      "a=crypto:2 AEAD_AES_128_GCM inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldY\r\n")
write("sdp", "mux_hold_ipv6", "v=0\r\no=- 2 2 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\n"
      "m=video 5000 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"
      "m=audio 5002 RTP/AVP 111 0\r\na=rtpmap:111 opus/48000/2\r\na=rtcp-mux\r\na=sendonly\r\na=ptime:40\r\n")

# fuzz_json_writer: the bytes of one string value.
for name, data in [("ascii", b'display "name"\\\t'), ("utf8", "Jos\u00e9 \u20ac \U0001F4DE".encode()),
                   ("latin1", b"Jos\xe9"), ("overlong", b"\xc0\xaf\xe0\x80\xaf"), ("surrogate", b"\xed\xa0\x80"),
                   ("truncated", b"x\xf0\x9f\x93")]:
    write("json_writer", name, data)


# --- SRTP (src/media/srtp) -----------------------------------------------------

# fuzz_sdes_crypto: a=crypto values, one a line. The keys are made up.
KEY30 = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
KEY28 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=="
KEY44 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis="
write("sdes_crypto", "rfc4568_example", f"1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|2^20|1:4")
write("sdes_crypto", "four_suites", f"1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}\n2 AEAD_AES_256_GCM inline:{KEY44}\n"
      f"3 AEAD_AES_128_GCM inline:{KEY28}\n4 AES_CM_128_HMAC_SHA1_32 inline:{KEY30}|2^31")
write("sdes_crypto", "session_params", f"7 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|1000000 WSH=128 KDR=0 -X=1")
write("sdes_crypto", "unknown_then_known", f"1 F8_128_HMAC_SHA1_80 inline:{KEY30}\n2 AES_CM_128_HMAC_SHA1_80 INLINE:{KEY30}")
write("sdes_crypto", "refused", f"1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30} UNENCRYPTED_SRTP\n"
      f"2 AES_CM_128_HMAC_SHA1_80 inline:{KEY30};inline:{KEY30}\n3 AEAD_AES_128_GCM inline:{KEY30}")


# fuzz_srtp_unprotect: set-up byte, then records of control, tamper, u16
# position, u16 length and the bytes (see the harness).
def srtp_record(control, payload, tamper=0, where=0):
    return bytes([control, tamper]) + struct.pack(">HH", where, len(payload)) + payload


def rtp_packet(seq, ssrc=0x11223344, payload=160):
    return struct.pack(">BBHII", 0x80, 0, seq, seq * 160, ssrc) + bytes((seq + i) & 0xFF for i in range(payload))


RTCP_RR = struct.pack(">BBHI", 0x81, 201, 7, 0x11223344) + bytes(range(24))
for suite, name in enumerate(["aes_cm_80", "aes_cm_32", "gcm_128", "gcm_256"]):
    write("srtp_unprotect", name,
          bytes([suite]) + srtp_record(2, rtp_packet(65535)) + srtp_record(2, rtp_packet(0))
          + srtp_record(2, rtp_packet(0)) + srtp_record(2, rtp_packet(1), tamper=4, where=40)
          + srtp_record(3, RTCP_RR) + srtp_record(1, RTCP_RR + bytes(14)) + srtp_record(0, rtp_packet(2)))
write("srtp_unprotect", "gcm_128_mki", bytes([4 | 2]) + srtp_record(2, rtp_packet(9)) + srtp_record(3, RTCP_RR))
write("srtp_unprotect", "raw_short", bytes([0]) + srtp_record(0, b"\x80\x00\x00") + srtp_record(1, b"\x81\xc8"))
# Found by fuzzing: the packet before the wrap is tampered with, so the
# receiver never learns that the sender's rollover counter went to 1.
write("srtp_unprotect", "wrap_after_tampered", bytes([3]) + srtp_record(2, rtp_packet(65535), tamper=0xdd)
      + srtp_record(2, rtp_packet(0)) + srtp_record(3, RTCP_RR))
# --- DTLS-SRTP (media/dtls) ---------------------------------------------------

# fuzz_dtls_attributes: one a=fingerprint or a=setup value (or a datagram's first bytes).
SHA256 = ":".join("%02X" % b for b in range(32))
for name, data in [("sha256", "sha-256 " + SHA256), ("sha1_lower", "SHA-1 " + SHA256[:59].lower()),
                   ("sha512", "sha-512 " + ":".join(["AB"] * 64)), ("md5", "md5 " + ":".join(["01"] * 16)),
                   ("short", "sha-256 AB:CD"), ("setup_actpass", "actpass"), ("setup_holdconn", " holdconn\r\n"),
                   ("rtcp", b"\x81\xc9\x00\x07" + bytes(28)), ("stun", b"\x00\x01\x00\x00\x21\x12\xa4\x42" + bytes(12))]:
    write("dtls_attributes", name, data)


# fuzz_dtls_endpoint: datagrams as [u16 length][bytes]...
def dtls_record(ctype, epoch, seq, body):
    return struct.pack("!BHH", ctype, 0xFEFD, epoch) + seq.to_bytes(6, "big") + struct.pack("!H", len(body)) + body


def handshake(msg_type, msg_seq, body, offset=0, frag=None):
    frag = body if frag is None else frag
    return (struct.pack("!B", msg_type) + len(body).to_bytes(3, "big") + struct.pack("!H", msg_seq)
            + offset.to_bytes(3, "big") + len(frag).to_bytes(3, "big") + frag)


def datagrams(*ds):
    return b"".join(struct.pack("!H", len(d)) + d for d in ds)


use_srtp = struct.pack("!HHHHHB", 0x000E, 5, 2, 0x0001, 0, 0)  # SRTP_AES128_CM_SHA1_80, no MKI
groups = struct.pack("!HHHHH", 0x000A, 4, 2, 0x0017, 0)[:-2]
hello = (struct.pack("!H", 0xFEFD) + bytes(32) + b"\x00" + b"\x00" + struct.pack("!HH", 2, 0xC02B) + b"\x01\x00"
         + struct.pack("!H", len(use_srtp + groups)) + use_srtp + groups)
write("dtls_endpoint", "client_hello_again", datagrams(dtls_record(22, 0, 1, handshake(1, 0, hello))))
write("dtls_endpoint", "second_flight_shapes", datagrams(
    dtls_record(22, 0, 2, handshake(11, 1, bytes(300), 0, bytes(100))),  # Certificate, first fragment
    dtls_record(22, 0, 3, handshake(16, 2, b"\x41" + bytes(65))),          # ClientKeyExchange
    dtls_record(20, 0, 4, b"\x01"),                                        # ChangeCipherSpec
    dtls_record(22, 1, 0, bytes(40))))                                     # encrypted Finished
write("dtls_endpoint", "alerts", datagrams(dtls_record(21, 0, 5, b"\x02\x28"), dtls_record(21, 0, 6, b"\x01\x00")))
write("dtls_endpoint", "application_data", datagrams(dtls_record(23, 1, 1, bytes(64)), b"\x80\x00" + bytes(10)))
# --- ICE attributes (fuzz_ice_sdp): "name:value" lines; a line "m" ends the
# session level.
write("ice_sdp", "chrome_audio", "ice-options:trickle\nm\nice-ufrag:EsAw\nice-pwd:bvW3nRgeJ0X5p4sU1Q/LeH+j\n"
      "candidate:842163049 1 udp 1677729535 198.51.100.7 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0 "
      "ufrag EsAw network-cost 999\n"
      "candidate:3 1 udp 2122260223 127.0.0.1 50230 typ host generation 0 network-id 1\n"
      "candidate:1052214027 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0\n"
      "candidate:2395300328 1 udp 2113937151 3a9f7c1e-8d2b-4c5a-9e6f-1b2c3d4e5f60.local 54400 typ host\n"
      "end-of-candidates")
write("ice_sdp", "session_creds_ipv6", "ice-ufrag:sess\nice-pwd:sessionlevelpasswordxyz\nice-lite\nm\n"
      "candidate:2999745851 1 udp 2122262783 2001:db8::5 51827 typ host generation 0\n"
      "candidate:4 1 udp 41885439 203.0.113.9 3478 typ relay raddr 198.51.100.7 rport 46154\n"
      "candidate:5 2 udp 1845501694 198.51.100.9 5001 typ prflx raddr 10.0.0.1 rport 5001")
write("ice_sdp", "ours", "m\nice-ufrag:Ab3+/xyZ\nice-pwd:0123456789abcdefghij+/AB\nice-options:ice2\n"
      "candidate:1 1 udp 2130706431 127.0.0.1 40012 typ host\nend-of-candidates")

# --- WebRTC transport attributes (fuzz_webrtc_sdp): "name:value" lines; a
# line "m" ends the session level.
FP256 = "sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08"
write("webrtc_sdp", "chrome_audio", "m\nice-ufrag:Pw1d\nice-pwd:VG0DoB5gB2ThaP8nC2BPR8Kr\nice-options:trickle\n"
      "fingerprint:" + FP256 + "\nsetup:actpass\nmid:0\nrtcp-mux\n"
      "candidate:1467250027 1 udp 2122260223 198.51.100.1 46243 typ host generation 0\n"
      "candidate:1467250027 1 tcp 1518280447 198.51.100.1 9 typ host tcptype active generation 0")
write("webrtc_sdp", "session_level", "fingerprint:" + FP256 + "\nsetup:passive\nice-ufrag:sess\n"
      "ice-pwd:sessionlevelpasswordxyz\nm\nfingerprint:md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\n"
      "candidate:1 1 udp 2130706431 127.0.0.1 40012 typ host\nend-of-candidates")
write("webrtc_sdp", "ours", "m\nice-ufrag:abcd1234\nice-pwd:0123456789abcdefghijklmn\nice-options:ice2\n"
      "fingerprint:" + FP256 + "\nsetup:active\ncandidate:1 1 udp 2130706431 127.0.0.1 40012 typ host\n"
      "end-of-candidates")
# Found by fuzzing: many candidates skipped alike once made a 500-character
# error line; now one reason, counted.
write("webrtc_sdp", "skipped_alike", "m\nice-ufrag:Pw1d\nice-pwd:VG0DoB5gB2ThaP8nC2BPR8Kr\nfingerprint:" + FP256 + "\n"
      + "".join("candidate:%d 2 udp 2130706431 127.0.0.1 %d typ host\n" % (i, 4000 + i) for i in range(12)))
