"""ALSA configurations for running sip-call's real PortAudio path on a
machine without a sound card.

    card = fake_sound_card(tmp_path)                # default capture plays a tone,
    run(["devices"], env=card.env)                  # default playback is recorded
    card.capture_file, card.playback_file, card.playback_wav()

    run(["devices"], env=no_sound_card(tmp_path))   # what a server without audio looks like

How: ALSA_CONFIG_PATH names the file ALSA reads *instead of* its global
configuration (/usr/share/alsa/alsa.conf, which pulls in /etc/asound.conf,
~/.asoundrc and the conf.d plugins such as pulse and jack). That makes the
set-up the same on every machine: a developer's real card, a running
PulseAudio or a stray ~/.asoundrc cannot change what PortAudio sees. (Pointing
HOME at a directory with an .asoundrc also works here, but keeps all of the
above and changes HOME for everything else in the process.)
JACK_DEFAULT_SERVER names a JACK server that does not exist, so a JACK
server running on the machine cannot add devices either.

The capture side is ALSA's `file` plugin reading `infile` over a `null`
slave; it hands the file's bytes over as they are, so the tone is raw
S16_LE mono at the rate the stream is opened with (sip-call asks for
48 kHz, which these plugins accept). Neither plugin has a clock: the
consumer's pace is the only one (sip-call paces itself, see
src/media/audio/portaudio_io.cpp).

PortAudio 19.6 (Debian 12) aborts on an assertion when the configuration
defines no PCM at all, so every configuration here defines at least one.
"""

import os
import subprocess
import wave

RATE = 48000  # [Hz], what sip-call opens a device with


def _env(config_path):
    return {"ALSA_CONFIG_PATH": str(config_path), "JACK_DEFAULT_SERVER": "sipcall-test-no-jack"}


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


class FakeSoundCard:
    """An ALSA configuration whose default device captures a tone file and
    plays into a file. `env` holds the variables to run sip-call with."""

    def __init__(self, directory, tone_hz, seconds):
        self.directory = str(directory)
        self.capture_file = os.path.join(self.directory, "capture-tone.raw")
        self.playback_file = os.path.join(self.directory, "playback.raw")
        subprocess.run(["sox", "-n", "-r", str(RATE), "-b", "16", "-c", "1", "-e", "signed-integer", "-L",
                        "-t", "raw", self.capture_file, "synth", str(seconds), "sine", str(tone_hz), "vol", "0.3"],
                       check=True, capture_output=True)
        self.config_file = _write(os.path.join(self.directory, "asoundrc"), f"""\
pcm.!default {{
  type asym
  capture.pcm {{
    type file
    slave.pcm {{ type null }}
    file "/dev/null"
    infile "{self.capture_file}"
    format "raw"
  }}
  playback.pcm {{
    type file
    slave.pcm {{ type null }}
    file "{self.playback_file}"
    format "raw"
  }}
}}
""")
        self.env = _env(self.config_file)

    def playback_wav(self):
        """What was played into the default device, as a WAV file (for
        tests/tools/tone_check.cpp), or None when nothing was played.

        The null device has no clock: PortAudio drains it as fast as the CPU
        goes, so the audio sip-call played arrives in fragments with runs of
        zeros between them wherever the device ran ahead. The zeros are left
        out (the fragments are consecutive pieces of one stream); otherwise
        the chopping, worse on a loaded machine, hides the tone."""
        if not os.path.exists(self.playback_file) or os.path.getsize(self.playback_file) == 0:
            return None
        import array
        samples = array.array("h")
        with open(self.playback_file, "rb") as raw:
            samples.frombytes(raw.read())
        played = array.array("h", (v for v in samples if v != 0))
        wav = os.path.join(self.directory, "playback.wav")
        with wave.open(wav, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(played.tobytes())
        return wav


def fake_sound_card(directory, tone_hz=440, seconds=10):
    """Writes the files into `directory` (which must exist) and returns the
    FakeSoundCard."""
    return FakeSoundCard(directory, tone_hz, seconds)


def no_sound_card(directory):
    """The environment for an ALSA whose default device is a card that is not
    there: the situation of a server without audio hardware."""
    path = _write(os.path.join(str(directory), "asoundrc-no-card"),
                  "pcm.!default { type hw card 7 }\nctl.!default { type hw card 7 }\n")
    return _env(path)


def broken_config(directory):
    """The environment for an ALSA configuration file with a syntax error."""
    return _env(_write(os.path.join(str(directory), "asoundrc-broken"), "pcm.!default { type hw card 7\n"))
