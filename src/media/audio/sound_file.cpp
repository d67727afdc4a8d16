#include "sound_file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace sipcall::media {

namespace {

// A FIFO, pipe or terminal (--play /dev/stdin) can be read only once and
// not seeked, while the readers parse headers, seek and rewind for --loop.
// So a stream is read to its end into an anonymous in-memory file first,
// within these bounds: a FIFO nobody writes to must not hang the call.
constexpr auto kStreamLimit = std::chrono::seconds(10);  // to read the whole stream
constexpr size_t kMaxStreamBytes = 64u << 20;            // ~11 min of 48 kHz 16-bit mono

bool is_stream(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Error stream_error(const std::string& path, const std::string& why) {
  return Error::unusable_file("cannot read audio stream '" + path + "': " + why);
}

// Reads the stream at `path` to its end (bounded) into `out`.
Error read_stream(const std::string& path, std::vector<char>& out) {
  // O_NONBLOCK: opening a FIFO without a writer must not block.
  Fd in(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (in.get() < 0) return stream_error(path, std::strerror(errno));
  const auto deadline = std::chrono::steady_clock::now() + kStreamLimit;
  char buf[65536];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{in.get(), POLLIN, 0};
    const int ready = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0)
      return stream_error(path, out.empty() ? "nothing was written to it within 10 s (no writer?)"
                                            : "it did not end within 10 s (--play reads a stream whole first)");
    const ssize_t n = ::read(in.get(), buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return stream_error(path, std::strerror(errno));
    if (n == 0) {
      // End of stream; a FIFO whose writer has not come yet also reads 0
      // (without POLLHUP): keep waiting for it then.
      if (!out.empty() || (p.revents & POLLHUP)) return {};
      continue;
    }
    if (out.size() + static_cast<size_t>(n) > kMaxStreamBytes) return stream_error(path, "longer than 64 MiB");
    out.insert(out.end(), buf, buf + n);
  }
}

// The stream as an anonymous file that the readers can open by name;
// -1 with `error` set when it cannot be read.
int spool_stream(const std::string& path, Error& error) {
  std::vector<char> bytes;
  if ((error = read_stream(path, bytes))) return -1;
  if (bytes.empty()) {
    error = Error::unusable_file("audio stream '" + path + "' contains no audio");
    return -1;
  }
  const int fd = ::memfd_create("sip-call-play", MFD_CLOEXEC);
  if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
    error = stream_error(path, std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

// The readers' errors name the file they opened; the user named another.
Error renamed(const Error& e, const std::string& from, const std::string& to) {
  std::string m = e.message();
  for (size_t at = m.find(from); at != std::string::npos; at = m.find(from, at + to.size())) m.replace(at, from.size(), to);
  return {e.kind(), m};
}

Result<std::unique_ptr<SoundFileReader>> open_regular_sound_file(const std::string& path) {
  auto ours = open_riff_wav(path);
  if (!ours.ok() || ours.value()) return ours;
  return open_with_libsndfile(path);
}

}  // namespace

Error check_file_shape(const std::string& path, int rate, int channels) {
  if (rate <= 0 || channels <= 0) return Error::unusable_file("audio file '" + path + "' contains no audio");
  if (rate > kMaxFileRate || channels > kMaxFileChannels)
    return Error::unusable_file("audio file '" + path + "' claims " + std::to_string(rate) + " Hz and " +
                        std::to_string(channels) + " channels (at most " + std::to_string(kMaxFileRate) +
                        " Hz and " + std::to_string(kMaxFileChannels) + " channels are supported)");
  return {};
}

Result<std::unique_ptr<SoundFileReader>> open_sound_file(const std::string& path) {
  if (!is_stream(path)) return open_regular_sound_file(path);
  Error error;
  Fd spooled(spool_stream(path, error));
  if (spooled.get() < 0) return error;
  // The readers open their own descriptor of it; ours closes when done.
  const std::string name = "/proc/self/fd/" + std::to_string(spooled.get());
  auto opened = open_regular_sound_file(name);
  if (!opened.ok()) return renamed(opened.error(), name, path);
  return opened;
}

}  // namespace sipcall::media
