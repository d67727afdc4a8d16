"""Tone WAV files for the independent SIP peers, and a check that a
recording contains a tone (stdlib only: wave, array, math).

    write_tone_wav(path, 440, seconds=60)             # 8 kHz mono S16LE
    result = tone_check(path, expect=440, reject=(1000,))
    assert result["pass"], result

tone_check() mixes all channels, skips the first `skip` seconds (call
set-up, jitter-buffer settling) and measures, with the Goertzel algorithm
over 100 ms blocks, which share of the signal power lies at each
frequency.  A pure sine at an expected frequency gives a share near 1.0.
"""

import array
import math
import sys
import wave


def write_tone_wav(path, hz, seconds=60, rate=8000, amplitude=0.3):
    """Write a mono 16-bit sine of integer frequency hz.  One second holds a
    whole number of periods, so it is computed once and repeated."""
    if int(hz) != hz or not 0 < hz < rate / 2:
        raise ValueError("tone must be an integer frequency below rate/2: %r" % hz)
    peak = amplitude * 32767
    second = array.array("h", (int(round(peak * math.sin(2 * math.pi * hz * i / rate)))
                               for i in range(rate)))
    if sys.byteorder != "little":
        second.byteswap()
    frames = second.tobytes()
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        for _ in range(int(seconds)):
            w.writeframes(frames)
    return path


def read_mono(path):
    """(samples as floats, mixed to mono, sample rate) of a 16-bit PCM WAV."""
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError("%s: only 16-bit PCM is supported" % path)
        channels, rate = w.getnchannels(), w.getframerate()
        data = array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder != "little":
        data.byteswap()
    if channels == 1:
        return [float(s) for s in data], rate
    return [sum(data[i:i + channels]) / channels for i in range(0, len(data), channels)], rate


def _goertzel_power(block, rate, hz):
    """Mean power of the component at hz in block (a sine of amplitude A
    gives about A*A/2, the same scale as the block's mean square)."""
    n = len(block)
    w = 2 * math.pi * hz / rate
    coeff = 2 * math.cos(w)
    s1 = s2 = 0.0
    for x in block:
        s1, s2 = x + coeff * s1 - s2, s1
    magnitude2 = s1 * s1 + s2 * s2 - coeff * s1 * s2
    return 2 * magnitude2 / (n * n)


def tone_levels(path, freqs, skip=0.5):
    """{"rms", "seconds", "ratios": {hz: power share}} of the recording after
    the first `skip` seconds."""
    samples, rate = read_mono(path)
    samples = samples[int(skip * rate):]
    block = rate // 10
    blocks = [samples[i:i + block] for i in range(0, len(samples) - block + 1, block)]
    total = sum(x * x for x in samples[:len(blocks) * block])
    mean_square = total / (len(blocks) * block) if blocks else 0.0
    ratios = {}
    for hz in freqs:
        if not blocks or mean_square == 0:
            ratios[hz] = 0.0
            continue
        power = sum(_goertzel_power(b, rate, hz) for b in blocks) / len(blocks)
        ratios[hz] = power / mean_square
    return {"rms": math.sqrt(mean_square), "seconds": len(samples) / rate if rate else 0.0,
            "rate": rate, "ratios": ratios}


def tone_check(path, expect, reject=(), skip=0.5, min_seconds=1.0, min_rms=300,
               min_ratio=0.5, max_reject=0.1):
    """Does the recording at path hold the tone `expect` [Hz] (share of the
    power >= min_ratio) and not the tones in `reject` (share <= max_reject),
    at an RMS level >= min_rms [int16 units], for >= min_seconds after
    `skip`?  Returns the measurement with "pass" and, if it failed,
    "reasons"; never raises for a bad or missing file."""
    try:
        m = tone_levels(path, [expect] + list(reject), skip=skip)
    except (OSError, EOFError, ValueError, wave.Error) as e:
        return {"pass": False, "reasons": ["unreadable: %s" % e], "path": path}
    reasons = []
    if m["seconds"] < min_seconds:
        reasons.append("only %.2f s after the first %.1f s" % (m["seconds"], skip))
    if m["rms"] < min_rms:
        reasons.append("rms %.0f < %d (silence?)" % (m["rms"], min_rms))
    if m["ratios"][expect] < min_ratio:
        reasons.append("%s Hz has %.2f of the power (< %.2f)" % (expect, m["ratios"][expect], min_ratio))
    for hz in reject:
        if m["ratios"][hz] > max_reject:
            reasons.append("%s Hz has %.2f of the power (> %.2f)" % (hz, m["ratios"][hz], max_reject))
    m.update({"pass": not reasons, "reasons": reasons, "path": path})
    return m
