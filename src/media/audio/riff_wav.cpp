// RIFF/WAVE as Microsoft's multimedia specification and RFC 2361 define it:
// "RIFF" <size> "WAVE", then chunks (<id> <size> <data>, padded to even
// sizes); "fmt " describes the samples, "data" holds them. Little-endian
// throughout, which this code spells out byte by byte rather than assume.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "media/codec/g711.h"
#include "sound_file.h"

namespace sipcall::media {

namespace {

constexpr uint16_t kFormatPcm = 0x0001;
constexpr uint16_t kFormatFloat = 0x0003;
constexpr uint16_t kFormatAlaw = 0x0006;
constexpr uint16_t kFormatMulaw = 0x0007;
constexpr uint16_t kFormatExtensible = 0xFFFE;
constexpr uint32_t kUnknownSize = 0xFFFFFFFF;  // what streaming writers put in "data"
constexpr size_t kHeaderBytes = 44;            // RIFF + fmt (16) + data headers

uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}
void put16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, v);
  put16(p + 2, v >> 16);
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// One sample of each encoding, as 16-bit linear.
int16_t from_float(double v) {
  if (!(v == v)) return 0;  // NaN
  return static_cast<int16_t>(std::lrint(std::clamp(v, -1.0, 1.0) * 32767.0));
}

int16_t decode(const uint8_t* p, uint16_t format, int bytes) {
  switch (format) {
    case kFormatAlaw: return g711::alaw_to_linear(p[0]);
    case kFormatMulaw: return g711::ulaw_to_linear(p[0]);
    case kFormatFloat: {
      if (bytes == 4) {
        const uint32_t bits = le32(p);
        float f;
        std::memcpy(&f, &bits, sizeof f);
        return from_float(f);
      }
      const uint64_t bits = le32(p) | static_cast<uint64_t>(le32(p + 4)) << 32;
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return from_float(d);
    }
    default:  // PCM: 8-bit is unsigned; wider samples keep their top 16 bits
      if (bytes == 1) return static_cast<int16_t>((p[0] - 128) * 256);
      return static_cast<int16_t>(le16(p + bytes - 2));
  }
}

bool supported(uint16_t format, int bits) {
  switch (format) {
    case kFormatPcm: return bits == 8 || bits == 16 || bits == 24 || bits == 32;
    case kFormatFloat: return bits == 32 || bits == 64;
    case kFormatAlaw:
    case kFormatMulaw: return bits == 8;
    default: return false;
  }
}

class RiffWavReader final : public SoundFileReader {
 public:
  RiffWavReader(FilePtr file, int rate, int channels, uint16_t format, int sample_bytes, long data_offset,
                uint64_t data_bytes)
      : file_(std::move(file)),
        format_(format),
        sample_bytes_(sample_bytes),
        frame_bytes_(static_cast<size_t>(sample_bytes) * static_cast<size_t>(channels)),
        data_offset_(data_offset),
        frames_(data_bytes / frame_bytes_),
        left_(frames_) {
    rate_ = rate;
    channels_ = channels;
  }

  size_t read(int16_t* out, size_t frames) override {
    frames = static_cast<size_t>(std::min<uint64_t>(frames, left_));
    if (frames == 0) return 0;
    bytes_.resize(frames * frame_bytes_);
    const size_t got = std::fread(bytes_.data(), frame_bytes_, frames, file_.get());
    left_ = got < frames ? 0 : left_ - got;  // a short read is a truncated file: its end
    const size_t samples = got * static_cast<size_t>(channels_);
    for (size_t i = 0; i < samples; ++i)
      out[i] = decode(bytes_.data() + i * static_cast<size_t>(sample_bytes_), format_, sample_bytes_);
    return got;
  }

  void rewind() override {
    left_ = std::fseek(file_.get(), data_offset_, SEEK_SET) == 0 ? frames_ : 0;
  }

 private:
  FilePtr file_;
  uint16_t format_;
  int sample_bytes_;
  size_t frame_bytes_;
  long data_offset_;
  uint64_t frames_;  // in the data chunk
  uint64_t left_;    // not read yet
  std::vector<uint8_t> bytes_;  // read()'s scratch space, kept: --loop reads short files often
};

}  // namespace

Result<std::unique_ptr<SoundFileReader>> open_riff_wav(const std::string& path) {
  using Reader = std::unique_ptr<SoundFileReader>;
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) return Error::unusable_file("cannot read audio file '" + path + "': " + std::strerror(errno));
  std::array<uint8_t, 12> riff{};
  if (std::fread(riff.data(), 1, riff.size(), f.get()) != riff.size() || std::memcmp(riff.data(), "RIFF", 4) != 0 ||
      std::memcmp(riff.data() + 8, "WAVE", 4) != 0)
    return Reader{};  // not a WAV (RIFX, RF64, AIFF, FLAC...): libsndfile's
  // The file's real size bounds every size field; headers lie.
  if (std::fseek(f.get(), 0, SEEK_END) != 0) return Reader{};
  const long file_size = std::ftell(f.get());
  if (file_size < 0 || std::fseek(f.get(), static_cast<long>(riff.size()), SEEK_SET) != 0) return Reader{};

  bool have_format = false;
  uint16_t format = 0;
  int channels = 0, rate = 0, bits = 0, block_align = 0;
  for (;;) {
    std::array<uint8_t, 8> chunk{};
    if (std::fread(chunk.data(), 1, chunk.size(), f.get()) != chunk.size()) return Reader{};  // no data chunk
    const uint32_t size = le32(chunk.data() + 4);
    const long start = std::ftell(f.get());
    if (std::memcmp(chunk.data(), "fmt ", 4) == 0) {
      std::array<uint8_t, 40> fmt{};
      if (size < 16 || std::fread(fmt.data(), 1, std::min<size_t>(size, fmt.size()), f.get()) < 16) return Reader{};
      format = le16(fmt.data());
      channels = le16(fmt.data() + 2);
      rate = static_cast<int>(std::min<uint32_t>(le32(fmt.data() + 4), std::numeric_limits<int>::max()));
      block_align = le16(fmt.data() + 12);
      bits = le16(fmt.data() + 14);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of
      // the sub-format GUID (the rest is the fixed KSDATAFORMAT suffix).
      if (format == kFormatExtensible) format = size >= 40 ? le16(fmt.data() + 24) : 0;
      have_format = true;
    } else if (std::memcmp(chunk.data(), "data", 4) == 0) {
      if (!have_format || !supported(format, bits)) return Reader{};  // ADPCM, GSM...: libsndfile's
      const int sample_bytes = bits / 8;
      if (Error e = check_file_shape(path, rate, channels)) return e;
      if (block_align != sample_bytes * channels) return Reader{};  // padded samples: libsndfile's
      const uint64_t in_file = static_cast<uint64_t>(file_size - start);
      const uint64_t data_bytes = size == kUnknownSize ? in_file : std::min<uint64_t>(size, in_file);
      if (data_bytes < static_cast<uint64_t>(block_align))
        return Error::unusable_file("audio file '" + path + "' contains no audio");
      return Reader(new RiffWavReader(std::move(f), rate, channels, format, sample_bytes, start, data_bytes));
    }
    const long next = start + static_cast<long>(size) + static_cast<long>(size & 1);
    if (next > file_size || std::fseek(f.get(), next, SEEK_SET) != 0) return Reader{};
  }
}

RiffWavWriter::RiffWavWriter(int fd, std::string path, int rate, int channels)
    : fd_(fd), path_(std::move(path)), rate_(rate), channels_(channels) {}

RiffWavWriter::~RiffWavWriter() { close(); }

Result<std::unique_ptr<RiffWavWriter>> RiffWavWriter::create(const std::string& path, int rate, int channels) {
  // The header's sizes are rewritten in place, which a FIFO cannot take;
  // and opening one that nobody reads would block for ever.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode))
    return Error::unusable_file("cannot record to '" + path + "': it is a FIFO or pipe, and a WAV recording must be a file");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error::unusable_file("cannot create recording '" + path + "': " + std::strerror(errno));
  std::unique_ptr<RiffWavWriter> w(new RiffWavWriter(fd, path, rate, channels));
  std::array<uint8_t, kHeaderBytes> h{};
  std::memcpy(h.data(), "RIFF", 4);
  std::memcpy(h.data() + 8, "WAVEfmt ", 8);
  put32(h.data() + 16, 16);
  put16(h.data() + 20, kFormatPcm);
  put16(h.data() + 22, static_cast<uint32_t>(channels));
  put32(h.data() + 24, static_cast<uint32_t>(rate));
  put32(h.data() + 28, static_cast<uint32_t>(rate * channels * 2));
  put16(h.data() + 32, static_cast<uint32_t>(channels * 2));
  put16(h.data() + 34, 16);
  std::memcpy(h.data() + 36, "data", 4);
  if (::write(fd, h.data(), h.size()) != static_cast<ssize_t>(h.size()))
    return Error::unusable_file("cannot write recording '" + path + "': " + std::strerror(errno ? errno : EIO));
  w->update_header();
  return w;
}

void RiffWavWriter::write(const int16_t* frames, size_t count) {
  if (fd_ < 0 || write_errno_) return;
  std::vector<uint8_t> bytes(count * static_cast<size_t>(channels_) * 2);
  // RIFF sizes are 32-bit: a recording stops growing at 4 GB (12 hours of
  // 48 kHz stereo) rather than wrap its header.
  if (data_bytes_ + bytes.size() > 0xFFFFFFFFu - kHeaderBytes) {
    write_errno_ = EFBIG;
    return;
  }
  for (size_t i = 0; i < bytes.size() / 2; ++i) put16(bytes.data() + 2 * i, static_cast<uint16_t>(frames[i]));
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      write_errno_ = n < 0 ? errno : EIO;
      return;
    }
    done += static_cast<size_t>(n);
    data_bytes_ += static_cast<uint64_t>(n);
  }
  if (data_bytes_ - bytes_at_last_update_ >= static_cast<uint64_t>(rate_) * static_cast<uint64_t>(channels_) * 2)
    update_header();
}

void RiffWavWriter::update_header() {
  // The data chunk holds whole frames only; a torn write's tail is not
  // counted, so a reader never sees half a frame.
  const uint64_t frame = static_cast<uint64_t>(channels_) * 2;
  const auto data = static_cast<uint32_t>(data_bytes_ / frame * frame);
  std::array<uint8_t, 4> v{};
  put32(v.data(), data + static_cast<uint32_t>(kHeaderBytes) - 8);
  bool ok = ::pwrite(fd_, v.data(), v.size(), 4) == 4;
  put32(v.data(), data);
  ok = ::pwrite(fd_, v.data(), v.size(), 40) == 4 && ok;
  if (!ok && !write_errno_) write_errno_ = errno ? errno : EIO;
  bytes_at_last_update_ = data_bytes_;
}

Error RiffWavWriter::close() {
  if (fd_ < 0) return {};
  update_header();
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0 && !write_errno_) write_errno_ = errno;
  if (write_errno_) return Error::audio_io("writing recording '" + path_ + "': " + std::strerror(write_errno_));
  return {};
}

}  // namespace sipcall::media
