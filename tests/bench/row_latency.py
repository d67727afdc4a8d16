"""Row 4 of the benchmark: the audio delay that two sip-calls add, on
loopback (no network delay, no jitter).

`sip-call dial` plays a WAV of tone bursts (bursts.py: 50 ms of 1 kHz once
a second after silence) to `sip-call answer --echo`, which sends back what
it receives, and records with --record-both: left what it sent, right what
it received, sample-aligned (both are written in the same 20 ms tick).  The
delay from each burst's onset on the left to its echo's onset on the right
is one round trip: the caller's encoder and packetisation, the callee's
jitter buffer, decoder, echo and encoder, and the caller's jitter buffer and
decoder.  Half of it is reported as "UA one-way", the latency one user
agent adds to a call at zero network jitter (both UAs' buffers and framing
counted, which is what a user hears).  Each run's figure is the median over
its bursts.

  audio round trip / UA one-way   opus and PCMU, no sound device
                                  (--play, --record-both, --no-playback)
  ... opus PortAudio              the caller's microphone and speaker are
                                  PortAudio devices on ALSA's file plugins
                                  (tests/integration/alsa.py): the bursts
                                  are captured from a raw file and the echo
                                  is played into another; the delay is
                                  measured between those two files

The PortAudio figure is NOT a sound card's latency: ALSA's null/file
plugins have no clock, so they add no device buffering, and sip-call paces
them itself (src/media/audio/portaudio_io.cpp: up to 250 ms ahead of the wall
clock, capture queue kept near one frame by dropping its standing delay).  What it shows is what
sip-call's own rings between PortAudio and its media clock add on top of
the file path, plus the few milliseconds between opening the capture and
the playback stream, which cannot be told apart from outside.  A real card
adds its period and buffer sizes to each direction."""

import os
import shutil
import statistics
import sys
import tempfile

from bursts import PERIOD, RATE, echo_delays, onsets, read_raw, read_wav_channels, wav_to_raw, write_bursts
from calls import sip_call_call, sip_call_missing
from measure import Sample, failed
from targets import check, summary_median

sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                                 "integration")))
from alsa import fake_sound_card  # noqa: E402

BURSTS = 5
MIN_ECHOES = BURSTS - 1         # a run with fewer echoed bursts failed
ROUND_TRIP, ONE_WAY = "audio round trip", "UA one-way"
ONE_WAY_LIMIT_MS = 60.0


def _sox_missing():
    return None if shutil.which("sox") else "sox not installed (bash .ci/install-deps)"


def bursts_wav(ctx):
    path = os.path.join(ctx.workdir, "bursts.wav")
    if not os.path.exists(path):
        write_bursts(path, BURSTS)
    return path


def _round_trip(sent, received, rate, what):
    """(median ms, None) of the echo delays, or (None, why not)."""
    delays = echo_delays(onsets(sent, rate), onsets(received, rate), rate)
    if len(delays) < MIN_ECHOES:
        return None, f"{what}: {len(delays)} of {BURSTS} bursts came back"
    return statistics.median(delays), None


class Case:
    tool = "sip-call"
    metrics = [(ROUND_TRIP, "ms"), (ONE_WAY, "ms")]

    def __init__(self, codec, users, portaudio, missing):
        self.codec = codec
        self.variant = codec + (" PortAudio" if portaudio else "")
        self.users = users
        self.portaudio = portaudio
        self.missing = missing

    def run_once(self, ctx):
        caller, callee = self.users
        # a directory per run: nothing of an earlier run's files can be measured
        workdir = tempfile.mkdtemp(prefix=f"latency-{self.variant.replace(' ', '-')}-", dir=ctx.workdir)
        recording = os.path.join(workdir, "caller.wav")
        duration = f"{BURSTS * PERIOD + 0.5:g}s"
        common = ["--duration", duration, "--record", recording, "--record-both", "--codecs", self.codec]
        if self.portaudio:
            card = fake_sound_card(workdir, seconds=1)
            wav_to_raw(bursts_wav(ctx), card.capture_file, pad_seconds=2)     # the bursts as the microphone
            call = sip_call_call(ctx, caller, callee, dial_args=common, answer_args=["--echo", "--codecs", self.codec],
                                 dial_env=card.env, dial_playback=True)
        else:
            call = sip_call_call(ctx, caller, callee, dial_args=["--play", bursts_wav(ctx), *common],
                                 answer_args=["--echo", "--codecs", self.codec])
        rtt, error = None, call.error or call.codec_error(self.codec)
        if error is None:
            (left, right), rate = read_wav_channels(recording)
            rtt, error = _round_trip(left, right, rate, "recording")
        if error is None and self.portaudio:
            rtt, error = _round_trip(read_raw(card.capture_file), read_raw(card.playback_file), RATE,
                                     "sound card files")
        if error is not None:
            return {row: failed(error) for row, _ in self.metrics}
        return {ROUND_TRIP: Sample(value=rtt), ONE_WAY: Sample(value=rtt / 2)}


def cases(ctx):
    missing = sip_call_missing(ctx) or _sox_missing()
    return [Case("opus", ("1300", "1301"), False, missing),
            Case("pcmu", ("1302", "1303"), False, missing),
            Case("opus", ("1304", "1305"), True, missing)]


def targets(summaries):
    return [check(f"{codec}: UA-added latency <= {ONE_WAY_LIMIT_MS:.0f} ms one way (no sound device)",
                  summary_median(summaries, ONE_WAY, "sip-call", codec), test=lambda v: v <= ONE_WAY_LIMIT_MS)
            for codec in ("opus", "pcmu")]
