// Opus adapter: the only file that includes <opus.h>. SDP always says
// opus/48000/2; we encode mono (the decoder downmixes a stereo peer) and
// rely on opus's own PLC and in-band FEC for lost packets.
#include <opus.h>

#include <algorithm>
#include <string>

#include "sipcall/media/codec/codec.h"

namespace sipcall::media {

namespace {
constexpr int kOpusRate = 48000;                 // [Hz]
constexpr int kMaxPacketSamples = kOpusRate * 120 / 1000;  // longest opus packet
constexpr int kMaxPayload = 1275 * 3;            // RFC 6716 bound per packet [bytes]
constexpr int kBitrate = 32000;                  // wideband voice [bit/s]
constexpr int kExpectedLossPercent = 10;         // makes the encoder spend bits on FEC

class OpusCodec final : public Codec {
 public:
  OpusCodec(const CodecSpec& spec, int ptime_ms, OpusEncoder* enc, OpusDecoder* dec)
      : Codec(spec.payload_type, kOpusRate, 2, ptime_ms), enc_(enc), dec_(dec) {}
  ~OpusCodec() override {
    opus_encoder_destroy(enc_);
    opus_decoder_destroy(dec_);
  }
  OpusCodec(const OpusCodec&) = delete;
  OpusCodec& operator=(const OpusCodec&) = delete;

  std::string name() const override { return "opus"; }

  Result<std::vector<uint8_t>> encode(std::span<const int16_t> pcm) override {
    if (pcm.size() != pcm_samples_per_packet()) return Error::codec("opus: encode needs exactly one packet of PCM");
    std::vector<uint8_t> out(kMaxPayload);
    const int n = opus_encode(enc_, pcm.data(), static_cast<int>(pcm.size()), out.data(), kMaxPayload);
    if (n < 0) return Error::codec(std::string("opus encode: ") + opus_strerror(n));
    out.resize(static_cast<size_t>(n));
    return out;
  }

  Result<PcmFrame> decode(std::span<const uint8_t> payload) override {
    if (payload.empty()) return Error::codec("opus: empty payload");
    PcmFrame out(kMaxPacketSamples);
    const int n = opus_decode(dec_, payload.data(), static_cast<opus_int32>(payload.size()), out.data(),
                              kMaxPacketSamples, 0);
    if (n < 0) return Error::codec(std::string("opus decode: ") + opus_strerror(n));
    out.resize(static_cast<size_t>(n));
    return out;
  }

  PcmFrame conceal(std::span<const uint8_t> next_payload) override {
    const int samples = static_cast<int>(pcm_samples_per_packet());
    PcmFrame out(static_cast<size_t>(samples));
    int n;
    if (!next_payload.empty()) {  // the next packet carries a low-rate copy of this one
      n = opus_decode(dec_, next_payload.data(), static_cast<opus_int32>(next_payload.size()), out.data(), samples, 1);
    } else {
      n = opus_decode(dec_, nullptr, 0, out.data(), samples, 0);
    }
    if (n < 0) std::fill(out.begin(), out.end(), int16_t{0});  // decoder refused: silence
    return out;
  }

 private:
  OpusEncoder* enc_;
  OpusDecoder* dec_;
};
}  // namespace

Result<std::unique_ptr<Codec>> make_opus_codec(const CodecSpec& spec, int ptime_ms) {
  if (spec.clock_rate != 0 && spec.clock_rate != kOpusRate)
    return Error::codec("codec opus: clock rate must be 48000, not " + std::to_string(spec.clock_rate));
  if (ptime_ms != 10 && ptime_ms != 20 && ptime_ms != 40 && ptime_ms != 60)
    return Error::codec("codec opus: unsupported ptime " + std::to_string(ptime_ms) + " ms");
  int err = 0;
  OpusEncoder* enc = opus_encoder_create(kOpusRate, 1, OPUS_APPLICATION_VOIP, &err);
  if (err != OPUS_OK) return Error::codec(std::string("opus encoder: ") + opus_strerror(err));
  opus_encoder_ctl(enc, OPUS_SET_BITRATE(kBitrate));
  opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(1));
  opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(kExpectedLossPercent));
  OpusDecoder* dec = opus_decoder_create(kOpusRate, 1, &err);
  if (err != OPUS_OK) {
    opus_encoder_destroy(enc);
    return Error::codec(std::string("opus decoder: ") + opus_strerror(err));
  }
  return std::unique_ptr<Codec>(std::make_unique<OpusCodec>(spec, ptime_ms, enc, dec));
}

}  // namespace sipcall::media
