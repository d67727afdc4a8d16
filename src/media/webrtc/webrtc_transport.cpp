#include "media/webrtc/webrtc_transport.h"

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "media/dtls/demux.h"
#include "media/dtls/dtls_certificate.h"
#include "media/dtls/dtls_endpoint.h"
#include "media/srtp/srtp_suite.h"

namespace sipcall::media::webrtc {

using Clock = std::chrono::steady_clock;

struct WebRtcTransport::Impl {
  WebRtcOptions options;
  LocalDescription local;
  std::shared_ptr<const dtls::DtlsCertificate> certificate;
  std::unique_ptr<ice::IceAgent> agent;
  bool remote_set = false;
  dtls::DtlsRole role = dtls::DtlsRole::client;

  // The DTLS endpoint is fed on the ICE thread and timed on the owner's:
  // one mutex for it, and a condition for the owner to wait on.
  mutable std::mutex mutex;
  std::condition_variable changed;
  std::unique_ptr<dtls::DtlsEndpoint> dtls;  // made once ICE is connected (connect steps)
  std::vector<std::vector<uint8_t>> early_dtls;  // a ClientHello before our endpoint exists (server)

  std::atomic<bool> keyed{false};
  std::mutex receiver_mutex;
  Receiver receiver;

  // connect() / poll_connect(), owner thread.
  RemoteDescription remote;  // from set_remote(), for the first connect step
  std::optional<Clock::time_point> connect_deadline;
  std::optional<ice::SelectedPair> pair;
  std::optional<Error> failure;
  bool finished = false;

  void on_datagram(std::span<const uint8_t> d);
  Error make_endpoint();  // with mutex held
  Result<Connection> finish_connection();
};

// On the ICE thread.
void WebRtcTransport::Impl::on_datagram(std::span<const uint8_t> d) {
  switch (dtls::classify_datagram(d)) {
    case dtls::DatagramKind::dtls: {
      std::lock_guard lock(mutex);
      if (dtls) {
        dtls->feed(d);
      } else if (early_dtls.size() < 8) {
        // The far end's ICE saw the pair work before ours did and its
        // ClientHello came first: kept for the endpoint connect() makes.
        early_dtls.emplace_back(d.begin(), d.end());
      }
      changed.notify_all();
      return;
    }
    case dtls::DatagramKind::rtp:
    case dtls::DatagramKind::rtcp: {
      if (!keyed.load()) return;  // nothing can be checked before the keys exist
      std::lock_guard lock(receiver_mutex);
      if (receiver) receiver(d);
      return;
    }
    default:
      return;  // STUN is libnice's; anything else has no business here
  }
}

Error WebRtcTransport::Impl::make_endpoint() {
  dtls::DtlsEndpointConfig config;
  config.role = role;
  config.peer_fingerprints = remote.fingerprints;
  config.certificate = certificate;
  ice::IceAgent* ice = agent.get();
  auto endpoint = dtls::DtlsEndpoint::create(std::move(config), [ice](std::span<const uint8_t> d) {
    // A datagram ICE cannot send yet is lost as on any UDP path; DTLS
    // retransmits its flight.
    (void)ice->send(d);
  });
  if (!endpoint.ok()) return endpoint.error();
  dtls = std::move(endpoint.value());
  if (role == dtls::DtlsRole::client) dtls->start();
  for (auto& d : early_dtls) dtls->feed(d);
  early_dtls.clear();
  return {};
}

Result<std::unique_ptr<WebRtcTransport>> WebRtcTransport::start(const WebRtcOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  auto certificate = dtls::DtlsCertificate::for_process();
  if (!certificate.ok()) return certificate.error();
  impl->certificate = certificate.value();

  ice::IceAgentOptions ice_options;
  ice_options.controlling = options.offerer;
  ice_options.local_addresses = options.local_addresses;
  ice_options.port_min = options.port_min;
  ice_options.port_max = options.port_max;
  ice_options.gathering_timeout = options.gathering_timeout;
  Impl* raw = impl.get();
  auto agent = ice::IceAgent::start(ice_options, [raw](std::span<const uint8_t> d) { raw->on_datagram(d); });
  if (!agent.ok()) return agent.error();
  impl->agent = std::move(agent.value());

  impl->local.credentials = impl->agent->local_credentials();
  impl->local.candidates = impl->agent->local_candidates();
  impl->local.fingerprint = impl->certificate->fingerprint();
  impl->local.setup = dtls::offer_setup;
  return std::unique_ptr<WebRtcTransport>(new WebRtcTransport(std::move(impl)));
}

WebRtcTransport::WebRtcTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebRtcTransport::~WebRtcTransport() { stop(); }

const LocalDescription& WebRtcTransport::local() const { return impl_->local; }

Error WebRtcTransport::set_remote(const RemoteDescription& remote) {
  Impl& m = *impl_;
  if (m.remote_set) return Error::internal("WebRTC transport: the far end's description was given twice");
  if (remote.fingerprints.empty()) return Error::unusable_sdp("DTLS: the far end's SDP has no a=fingerprint");
  if (m.options.offerer) {
    auto role = dtls::offerer_role(remote.setup);
    if (!role.ok()) return role.error();
    m.role = role.value();
  } else {
    auto ours = dtls::answer_setup(remote.setup);
    if (!ours.ok()) return ours.error();
    auto role = dtls::role_for_setup(ours.value());
    if (!role.ok()) return role.error();
    m.local.setup = ours.value();
    m.role = role.value();
  }
  // The checks start with the first connect step, not here: an answerer
  // reads the offer long before its answer is sent (the ringing), and
  // checks the offerer cannot answer yet would fail the pair for good
  // (RFC 8445 6.1.2: the answerer starts them when it answers).
  m.remote = remote;
  m.remote_set = true;
  return {};
}

// Under `mutex`.
Result<Connection> WebRtcTransport::Impl::finish_connection() {
  const dtls::DtlsSrtpKeys* keys = dtls->keys();
  auto suite = srtp_suite_from_dtls_profile(static_cast<uint16_t>(keys->profile));
  if (!suite) return Error::no_media("DTLS: the far end chose an SRTP profile we did not offer");
  auto ours = SrtpKeys::from_bytes(*suite, keys->ours.bytes());
  if (!ours.ok()) return ours.error();
  auto theirs = SrtpKeys::from_bytes(*suite, keys->theirs.bytes());
  if (!theirs.ok()) return theirs.error();
  Connection c;
  c.pair = *pair;
  c.ours = std::move(ours.value());
  c.theirs = std::move(theirs.value());
  c.ice_ms = agent->checks_ms().value_or(0);
  if (auto d = dtls->handshake_duration()) c.dtls_ms = std::chrono::duration<double, std::milli>(*d).count();
  keyed = true;
  return c;
}

WebRtcTransport::Progress WebRtcTransport::poll_connect(std::chrono::milliseconds timeout) {
  Impl& m = *impl_;
  Progress p;
  if (m.failure) {
    p.failed = *m.failure;
    return p;
  }
  if (m.finished) return p;
  if (!m.remote_set) {
    m.failure = Error::internal("WebRTC transport: connect() before the far end's description");
    p.failed = *m.failure;
    return p;
  }
  const auto now = Clock::now();
  auto fail = [&](Error e) {
    m.failure = std::move(e);
    p.failed = *m.failure;
    return p;
  };
  if (!m.connect_deadline) {
    m.connect_deadline = now + timeout;
    if (Error e = m.agent->set_remote(m.remote.ufrag, m.remote.pwd, m.remote.candidates); !e.ok()) return fail(e);
  }

  if (!m.pair) {
    const auto state = m.agent->state();
    if (state == ice::IceState::failed || state == ice::IceState::connected || state == ice::IceState::ready) {
      auto pair = m.agent->wait_connected(std::chrono::milliseconds(0));  // the pair, or libnice's reason
      if (!pair.ok()) return fail(pair.error());
      m.pair = pair.value();
    } else if (now >= *m.connect_deadline) {
      return fail(Error::no_media("ICE failed: no working candidate pair within " + std::to_string(timeout.count()) +
                                  " ms"));
    } else {
      return p;
    }
  }

  std::lock_guard lock(m.mutex);
  if (!m.dtls) {
    if (Error e = m.make_endpoint(); !e.ok()) return fail(e);
  }
  if (auto t = m.dtls->timeout(); t && t->count() == 0) m.dtls->handle_timeout();
  switch (m.dtls->state()) {
    case dtls::DtlsState::connected: {
      auto c = m.finish_connection();
      if (!c.ok()) return fail(c.error());
      m.finished = true;
      p.connected = std::move(c.value());
      return p;
    }
    case dtls::DtlsState::failed:
      return fail(Error::no_media(m.dtls->failure()));  // a line of its own, "DTLS: ..."
    case dtls::DtlsState::closed:
      return fail(Error::no_media("DTLS: the far end closed before the handshake ended"));
    case dtls::DtlsState::handshaking:
      break;
  }
  if (now >= *m.connect_deadline)
    return fail(Error::no_media("DTLS: no handshake with " + m.pair->remote.to_string() + " within " +
                                std::to_string(timeout.count()) + " ms"));
  return p;
}

std::chrono::milliseconds WebRtcTransport::next_poll(std::chrono::milliseconds cap) const {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->dtls) return std::min(cap, std::chrono::milliseconds(5));  // ICE: libnice tells us nothing
  auto t = impl_->dtls->timeout();
  return t ? std::min(cap, *t) : cap;
}

Result<Connection> WebRtcTransport::connect(std::chrono::milliseconds timeout) {
  for (;;) {
    auto p = poll_connect(timeout);
    if (p.failed) return *p.failed;
    if (p.connected) return std::move(*p.connected);
    if (impl_->finished) return Error::internal("WebRTC transport: connect() after it connected");
    std::unique_lock lock(impl_->mutex);
    auto wait = impl_->dtls ? impl_->dtls->timeout().value_or(std::chrono::milliseconds(50)) : std::chrono::milliseconds(5);
    impl_->changed.wait_for(lock, std::min(wait, std::chrono::milliseconds(50)));
  }
}

void WebRtcTransport::set_receiver(Receiver receiver) {
  std::lock_guard lock(impl_->receiver_mutex);
  impl_->receiver = std::move(receiver);
}

Error WebRtcTransport::send(std::span<const uint8_t> datagram) {
  if (!impl_->keyed.load()) return Error::internal("WebRTC transport: media before the DTLS handshake ended");
  return impl_->agent->send(datagram);
}

void WebRtcTransport::stop() {
  Impl& m = *impl_;
  {
    std::lock_guard lock(m.mutex);
    if (m.dtls && m.dtls->state() == dtls::DtlsState::connected) m.dtls->close();
  }
  if (m.agent) m.agent->stop();  // joins the ICE thread: no datagram comes after this
  m.keyed = false;
}

}  // namespace sipcall::media::webrtc
