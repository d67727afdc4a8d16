"""Tone bursts for the audio latency row: a WAV of short bursts after
silence (written with sox), their onsets in a recording (an amplitude
threshold; stdlib wave and array only), and the delay from each sent burst
to its echo."""

import array
import subprocess
import sys
import wave

RATE = 48000            # [Hz] sip-call's recordings and devices
PERIOD = 1.0            # [s] one burst per second ...
BURST = 0.05            # [s] ... 50 ms of 1 kHz at -6 dBFS, after 0.95 s of silence
HZ = 1000
LEVEL = 0.5
THRESHOLD = 0.25        # onset: |sample| above this share of the channel's peak ...
QUIET = 0.5             # [s] ... after at least this long below it


def write_bursts(path, count):
    """A mono 16-bit WAV at RATE of `count` periods, each silence then a burst."""
    subprocess.run(["sox", "-n", "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer", path,
                    "synth", str(BURST), "sine", str(HZ), "vol", str(LEVEL), "pad", str(PERIOD - BURST), "0",
                    "repeat", str(count - 1)], check=True, capture_output=True)
    return path


def wav_to_raw(wav, raw, pad_seconds=0.0):
    """A mono 16-bit WAV's samples as a raw S16_LE file (what ALSA's file
    plugin captures from), with pad_seconds of silence after them."""
    with wave.open(wav, "rb") as w, open(raw, "wb") as out:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(f"{wav}: mono 16-bit PCM expected")
        out.write(w.readframes(w.getnframes()))
        out.write(b"\0\0" * int(pad_seconds * w.getframerate()))
    return raw


def _samples(data):
    samples = array.array("h", data)
    if sys.byteorder != "little":
        samples.byteswap()
    return samples


def read_wav_channels(path):
    """([samples of each channel], rate) of a 16-bit PCM WAV."""
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM is supported")
        channels, rate = w.getnchannels(), w.getframerate()
        samples = _samples(w.readframes(w.getnframes()))
    return [samples[c::channels] for c in range(channels)], rate


def read_raw(path):
    """Samples of a raw S16_LE mono file (the ALSA file plugin's format here)."""
    with open(path, "rb") as f:
        return _samples(f.read())


def onsets(samples, rate, threshold=THRESHOLD, quiet=QUIET):
    """Sample indices where a burst starts: the first sample whose magnitude
    reaches `threshold` times the channel's peak after at least `quiet`
    seconds below it.  An empty or silent channel has none."""
    peak = max((abs(s) for s in samples), default=0)
    if peak == 0:
        return []
    level = threshold * peak
    gap = int(quiet * rate)
    out = []
    last_loud = -gap - 1
    for i, s in enumerate(samples):
        if s >= level or -s >= level:
            if i - last_loud > gap:
                out.append(i)
            last_loud = i
    return out


def echo_delays(sent, received, rate, window=PERIOD * 0.8):
    """Milliseconds from each sent onset to the first received onset within
    `window` seconds after it; sent onsets without an echo are left out."""
    delays = []
    for s in sent:
        echo = next((r for r in received if s <= r < s + window * rate), None)
        if echo is not None:
            delays.append((echo - s) * 1000.0 / rate)
    return delays
