// An ICE agent (RFC 8445, full, not lite) for one media stream with one
// component (rtcp-mux: RTP, RTCP and DTLS share it), on libnice. libnice
// runs on a GLib main context; IceAgent gives it a thread of its own and
// hides every GLib and libnice type behind this header.
//
// Life of an agent, all from one caller thread unless said otherwise:
//   auto agent = IceAgent::start(options);       // gathers host candidates (bounded wait)
//   agent->local_credentials(), agent->local_candidates()  -> our SDP
//   agent->set_remote(ufrag, pwd, candidates)     // from the far end's SDP; checks start
//   agent->wait_connected(timeout)                // connected, or failed by then
//   agent->send(datagram)                         // any thread
//   agent->stop()                                 // or the destructor
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ice_sdp.h"
#include "sipcall/error.h"

namespace sipcall::media::ice {

enum class IceState {
  gathering,   // collecting our candidates
  waiting,     // gathered; the far end's candidates not given yet
  checking,    // connectivity checks running
  connected,   // a pair works: data can flow
  ready,       // the pair is nominated; checks are over
  failed,      // no pair works (libnice said so, or our deadline passed)
  stopped,
};
const char* ice_state_name(IceState state);

struct IceServer {
  std::string host;  // numeric address: libnice does not resolve names
  uint16_t port = 0;
  // TURN only; the password is a secret and is never logged.
  std::string username;
  std::string password;
};

struct IceAgentOptions {
  bool controlling = false;  // we are controlling when we send the offer
  // Numeric addresses to gather host candidates on. Empty: libnice's own
  // enumeration, which leaves out loopback.
  std::vector<std::string> local_addresses;
  uint16_t port_min = 0;  // 0, 0: any port
  uint16_t port_max = 0;
  std::chrono::milliseconds gathering_timeout{2000};
  // STUN and TURN servers: fields for the next issue. start() refuses
  // them until they are implemented rather than ignoring them silently.
  std::optional<IceServer> stun_server;
  std::vector<IceServer> turn_servers;
};

// One side of the selected pair.
struct PairEnd {
  CandidateType type = CandidateType::host;
  std::string address;
  uint16_t port = 0;
  std::string to_string() const;  // "host 127.0.0.1:40012" ([v6]:port)
};

struct SelectedPair {
  PairEnd local;
  PairEnd remote;
};

class IceAgent {
 public:
  // Called on the ICE thread for each datagram from the far end; it must
  // return quickly and must not call stop() (which joins that thread).
  // Calling send() from it is fine.
  using ReceiveCallback = std::function<void(std::span<const uint8_t>)>;

  // Starts the GLib thread, binds host candidates and waits until gathering
  // is done (at most options.gathering_timeout). receive is set before any
  // datagram can arrive.
  static Result<std::unique_ptr<IceAgent>> start(const IceAgentOptions& options, ReceiveCallback receive);
  ~IceAgent();  // stop()
  IceAgent(const IceAgent&) = delete;
  IceAgent& operator=(const IceAgent&) = delete;

  Credentials local_credentials() const;
  const std::vector<Candidate>& local_candidates() const;

  // The far end's credentials and candidates (from RemoteDescription).
  // Starts the connectivity checks; once only.
  Error set_remote(const std::string& ufrag, const std::string& pwd, const std::vector<Candidate>& candidates);

  // Blocks until the component is connected (or ready) or has failed, at
  // most timeout after which the agent is failed for good: libnice itself
  // keeps checking a pair that gets no answer for many seconds (its STUN
  // retransmissions), so the deadline is ours. Returns the selected pair
  // or why there is none.
  Result<SelectedPair> wait_connected(std::chrono::milliseconds timeout);

  IceState state() const;
  std::optional<SelectedPair> selected_pair() const;
  // Milliseconds from set_remote() to the first connected state; nullopt
  // before that.
  std::optional<double> checks_ms() const;

  // One datagram to the far end over the selected pair; from any thread.
  // Fails before connected, after failed or stopped, or when the socket
  // would block (the datagram is dropped, as UDP would).
  Error send(std::span<const uint8_t> datagram);

  // Closes the agent, joins the ICE thread, frees all. Idempotent. Not from
  // the receive callback.
  void stop();

  struct Impl;

 private:
  explicit IceAgent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sipcall::media::ice
