// MediaSession's state, shared by media_session.cpp (lifecycle),
// media_clock.cpp (the 20 ms media thread) and media_receiver.cpp (the
// receive thread). Internal to src/media.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "media/rtp/dtmf.h"
#include "media/rtp/jitter_buffer.h"
#include "sipcall/media/session/media_session.h"
#include "media/rtp/rtp_stats.h"
#include "media/rtp/udp_socket.h"
#include "media/webrtc/webrtc_transport.h"
#include "media/srtp/srtp_session.h"

namespace sipcall::media {

using Clock = std::chrono::steady_clock;

struct MediaSession::Impl {
  MediaOptions options;
  UdpSocket rtp_socket;
  UdpSocket rtcp_socket;
  uint32_t ssrc = 0;
  std::string cname;

  // Set by start(), then read-only until stop() has joined the threads.
  Clock::time_point started_at;
  std::unique_ptr<AudioSource> source;
  std::unique_ptr<AudioSink> sink;
  std::thread clock_thread;
  std::thread receive_thread;
  std::atomic<bool> running{false};
  bool started = false;
  bool stopped = false;

  // Media clock thread only.
  std::unique_ptr<Codec> codec;
  PcmFrame pending_pcm;        // PCM waiting for a full ptime packet
  std::deque<int16_t> playout;  // decoded PCM not yet written to the sink
  uint16_t next_sequence = 0;
  uint32_t tick_timestamp = 0;  // RTP timestamp of the current 20 ms tick [codec ticks]
  uint32_t packet_timestamp = 0;  // timestamp of the first frame in pending_pcm
  Clock::time_point next_rtcp;

  // Everything below is shared between the threads: lock `mu`.
  mutable std::mutex mu;
  MediaParams params;
  SocketAddress remote_rtp;
  SocketAddress remote_rtcp;
  // Where the peer's packets must come from: the SDP's ports until a
  // packet from the peer's host latches another one (media_receiver.cpp).
  SocketAddress rtp_source;
  SocketAddress rtcp_source;
  bool rtp_source_settled = false;   // a packet was accepted: no more latching
  bool rtcp_source_settled = false;
  std::unique_ptr<Codec> next_codec;  // from update(), taken by the clock thread
  std::unique_ptr<JitterBuffer> jitter;
  std::optional<DtmfSender> dtmf_sender;
  DtmfReceiver dtmf_receiver;
  std::optional<ReceptionStats> reception;
  uint64_t archived_received = 0;  // from reception stats replaced by a clock-rate change
  uint64_t archived_lost = 0;
  std::optional<uint32_t> remote_ssrc;
  MediaStats counters;  // the plain counters of the snapshot
  std::optional<Clock::time_point> first_rtp_at, last_rtp_at;
  // SRTP in force, null for plain RTP. Each thread takes its own reference
  // per packet, so a re-key never pulls a session from under a thread
  // (the clock thread protects, the receiver unprotects: see srtp_session.h).
  std::shared_ptr<SrtpSession> srtp;
  std::shared_ptr<const SrtpKeyPair> srtp_keys;  // what `srtp` was made from
  uint32_t last_sr_middle = 0;  // LSR to echo back: middle 32 bits of the peer's last SR
  Clock::time_point last_sr_arrival;
  bool sent_since_report = false;

  // media_clock.cpp
  void clock_loop();
  void tick();
  void send_audio(const PcmFrame& frame);
  void send_rtp(uint8_t payload_type, bool marker, uint32_t timestamp, const std::vector<uint8_t>& payload,
                const SocketAddress& to);
  void play_out();
  void send_rtcp(bool bye);
  // Protects (SRTP in force) and sends one packet, and counts it.
  void send_packet(std::vector<uint8_t>& packet, bool rtp, size_t payload_bytes, const UdpSocket& socket,
                   const SocketAddress& to);
  // Under `mu`: makes `srtp` follow `keys` (start, update).
  Error use_srtp(const std::shared_ptr<const SrtpKeyPair>& keys);

  // WebRTC media (media_webrtc.cpp); null for RTP over the sockets. Made
  // by prepare_webrtc() on the owner thread, polled by the clock thread
  // until done, fed by the ICE thread.
  std::unique_ptr<webrtc::WebRtcTransport> webrtc;
  bool webrtc_remote_set = false;        // owner thread
  bool webrtc_done = false;              // clock thread: poll_connect() finished
  std::atomic<bool> webrtc_ready{false};  // the DTLS keys are in force: media may flow
  void poll_webrtc();
  void on_secure_datagram(std::span<const uint8_t> d);
  std::vector<uint8_t> secure_buffer;  // on_secure_datagram's, ICE thread only
  // Sends over the ICE pair when WebRTC (true, also when it drops the
  // packet because the keys are not there yet); false for the sockets.
  bool send_secure(std::vector<uint8_t>& packet, bool rtp, size_t payload_bytes, const SocketAddress& to);

  // media_receiver.cpp
  void receive_loop();
  enum class Source { peer, same_host, stranger };
  struct Latch {
    const SocketAddress* from;  // a port of the peer's host to latch to, or null (the peer's own)
    bool rtcp;
  };
  void on_datagram(std::vector<uint8_t>& data, const SocketAddress& from, bool from_rtcp_socket);
  bool unprotect(std::vector<uint8_t>& data, bool rtcp);
  Source source_of(const SocketAddress& from, bool rtcp) const;
  void take(const Latch& latch);
  void count_stranger();
  void on_rtp(const std::vector<uint8_t>& data, const Latch& latch);
  void on_rtcp(const std::vector<uint8_t>& data, const Latch& latch);
  void count_send(int error, size_t payload_bytes, bool rtp, const SocketAddress& to,
                  const std::string& why = {});
  void expect_sources(const SocketAddress& rtp, const SocketAddress& rtcp);
};

bool sends_to_peer(Direction peer_direction);

}  // namespace sipcall::media
