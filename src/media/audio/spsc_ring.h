// Lock-free single-producer/single-consumer ring of samples: the only
// bridge between a PortAudio callback (which must never lock or allocate)
// and the media thread. Debian's portaudio19-dev does not ship
// pa_ringbuffer.h, so this is our own, deliberately minimal.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <vector>

namespace sipcall::media {

template <typename T>
class SpscRing {
 public:
  // capacity: usable slots [elements].
  explicit SpscRing(size_t capacity) : buf_(capacity + 1) {}

  // Producer side. Copies up to n elements; returns how many fit.
  size_t write(const T* data, size_t n) {
    const size_t head = head_.load(std::memory_order_relaxed);
    const size_t tail = tail_.load(std::memory_order_acquire);
    const size_t free = (tail + buf_.size() - head - 1) % buf_.size();
    n = std::min(n, free);
    for (size_t i = 0; i < n; ++i) buf_[(head + i) % buf_.size()] = data[i];
    head_.store((head + n) % buf_.size(), std::memory_order_release);
    return n;
  }

  // Consumer side. Copies up to n elements; returns how many were there.
  size_t read(T* data, size_t n) {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    const size_t head = head_.load(std::memory_order_acquire);
    const size_t used = (head + buf_.size() - tail) % buf_.size();
    n = std::min(n, used);
    for (size_t i = 0; i < n; ++i) data[i] = buf_[(tail + i) % buf_.size()];
    tail_.store((tail + n) % buf_.size(), std::memory_order_release);
    return n;
  }

  // Consumer side: drops up to n elements (latency control).
  size_t skip(size_t n) {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    const size_t head = head_.load(std::memory_order_acquire);
    n = std::min(n, (head + buf_.size() - tail) % buf_.size());
    tail_.store((tail + n) % buf_.size(), std::memory_order_release);
    return n;
  }

  // Elements ready to read; exact for the consumer, a lower bound otherwise.
  size_t available() const {
    const size_t head = head_.load(std::memory_order_acquire);
    const size_t tail = tail_.load(std::memory_order_acquire);
    return (head + buf_.size() - tail) % buf_.size();
  }

  size_t capacity() const { return buf_.size() - 1; }

 private:
  std::vector<T> buf_;
  alignas(64) std::atomic<size_t> head_{0};  // next slot the producer writes
  alignas(64) std::atomic<size_t> tail_{0};  // next slot the consumer reads
};

}  // namespace sipcall::media
