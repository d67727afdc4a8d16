// The facade of sip_agent.h over Sofia-SIP's nua: the agent's creation, its
// event loop and nua's single callback, dispatched to the parts that do the
// work. Sofia-SIP is included only in src/sip: here, in the parts of the
// agent (registrations.cpp, calls.cpp, trace_tap.cpp, agent_context.h), in
// the transport hooks (sofia_stream_tport.*, request_filter.cpp,
// sofia_tport_abi.h), in the digest client (sofia_digest.*, digest.cpp) and
// in the SDP parser (sdp.cpp). Nothing outside src/sip includes it.
#include "sipcall/sip/sip_agent.h"

#include <algorithm>

#include <sofia-sip/nta_tag.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/tport_tag.h>

#include "sipcall/transport/stream_bridge.h"
#include "agent_context.h"
#include "calls.h"
#include "registrations.h"
#include "request_filter.h"
#include "sofia_digest.h"
#include "sofia_stream_tport.h"
#include "trace_tap.h"

namespace sipcall {

// Room for every REGISTER of a large accounts file plus their retries.
constexpr unsigned kSendQueueMessages = 16384;

int keepalive_pong_ms(int keepalive_ms) { return std::min(keepalive_ms, 10000); }

struct SipAgent::Impl {
  Impl(const AgentOptions& options, SipListener& listener) : context{options, &listener} {}
  ~Impl();

  AgentContext context;  // first: the parts below keep a reference to it
  su_root_t* root = nullptr;
  std::unique_ptr<StreamBridge> bridge;
  sofia_stream::StreamContext stream_context;  // this agent's tcp/tls/ws/wss types (nua_create)
  std::unique_ptr<TraceTap> trace_tap;
  request_filter::Filter request_filter;  // udp without accept_from_any
  Registrations registrations{context};
  Calls calls{context};
  bool shutdown_done = false;

  const AgentOptions& options() const { return context.options; }
  void on_trace(SipTrace&& trace);
  void on_nua_event(nua_event_t event, int status, char const* phrase, nua_handle_t* nh, sip_t const* sip,
                    tagi_t const* tags);
  bool filter_requests();
};

namespace {

void nua_callback(nua_event_t event, int status, char const* phrase, nua_t*, nua_magic_t* magic,
                  nua_handle_t* nh, nua_hmagic_t*, sip_t const* sip, tagi_t tags[]) {
  static_cast<SipAgent::Impl*>(magic)->on_nua_event(event, status, phrase ? phrase : "", nh, sip, tags);
}

}  // namespace

void SipAgent::Impl::on_trace(SipTrace&& trace) {
  if (trace.outgoing && start_line(trace.text).rfind("REGISTER ", 0) == 0) registrations.note_register_sent(trace);
  SipEvent e;
  e.type = SipEventType::trace;
  e.trace = std::move(trace);
  context.emit(std::move(e));
}

// UDP requests from anyone but the server are dropped (request_filter.h);
// each one becomes a request_ignored event.
bool SipAgent::Impl::filter_requests() {
  if (!request_filter::endpoint(options().server_address, options().server.port, request_filter.server)) return true;
  if (!request_filter::hook_udp()) return false;
  request_filter.ignored = [this](const std::string& what) {
    SipEvent e;
    e.type = SipEventType::request_ignored;
    e.detail = what;
    context.emit(std::move(e));
  };
  return request_filter::activate(&request_filter);
}

void SipAgent::Impl::on_nua_event(nua_event_t event, int status, char const* phrase, nua_handle_t* nh,
                                  sip_t const* sip, tagi_t const* tags) {
  if (Calls::handles(event)) return calls.on_event(event, status, phrase, nh, sip, tags);
  switch (event) {
    case nua_r_register:
    case nua_r_unregister:
      registrations.on_response(event, status, phrase, nh, sip);
      break;
    case nua_r_shutdown:
      if (status >= 200) {
        shutdown_done = true;
        SipEvent e;
        e.type = SipEventType::shutdown_complete;
        e.status = status;
        context.emit(std::move(e));
      }
      break;
    default:
      break;
  }
}

SipAgent::Impl::~Impl() {
  request_filter::deactivate(&request_filter);
  trace_tap.reset();  // what Sofia sends while it is torn down is no trace of ours
  context.trace_tap = nullptr;
  // nua refuses to be destroyed before its shutdown completed, and its
  // objects then still hang off the root: leave both to process exit rather
  // than free memory Sofia still uses.
  nua_t*& nua = context.nua;
  if (nua && shutdown_done) {
    registrations.destroy_handles();
    calls.destroy_handles();
    nua_destroy(nua);
    nua = nullptr;
  }
  if (root && !nua) su_root_destroy(root);
  context.bridge = nullptr;
  bridge.reset();
}

namespace {

// Sofia's process-wide set-up, once.
Error prepare_sofia() {
  static bool su_ready = su_init() == 0;
  if (!su_ready) return Error::internal("Sofia-SIP: su_init failed");
  if (!sofia_digest::install()) return Error::internal("Sofia-SIP: cannot install the digest client");
  return {};
}

// ws, wss and tls go through the bridge (sofia_stream_tport.h), which owns
// their TLS: trust, verification and the TLS 1.2 floor.
bool is_bridged(Transport transport) {
  return transport == Transport::ws || transport == Transport::wss || transport == Transport::tls;
}

Error start_bridge(const AgentOptions& options, std::unique_ptr<StreamBridge>& out,
                   sofia_stream::StreamContext& context) {
  const ServerUrl& server = options.server;
  StreamBridgeOptions wo;
  wo.server = server;
  wo.ca_file = options.ca_file;
  wo.insecure = options.insecure;
  wo.connect_timeout_s = options.connect_timeout_s;
  auto bridge = StreamBridge::start(wo);
  if (!bridge.ok()) return bridge.error();
  out = std::move(bridge.value());
  context.proto = server.transport == Transport::ws ? "WS" : server.transport == Transport::wss ? "WSS" : "tls";
  context.bridge = out->address();
  context.bridge_length = out->address_length();
  return {};
}

// Where nua binds and where it sends every request, as Sofia URLs.
struct SofiaUrls {
  std::string local_bind;
  std::string proxy;
};

SofiaUrls sofia_urls(const AgentOptions& options) {
  const ServerUrl& server = options.server;
  std::string transport(transport_name(server.transport));
  SofiaUrls urls;
  urls.proxy = server.sofia_proxy_uri(options.server_address);
  std::string& local_bind = urls.local_bind;
  switch (server.transport) {
    case Transport::ws:
    case Transport::wss:
      local_bind = "sip:*:*;transport=tcp";
      break;
    case Transport::tls:
      local_bind = "sips:*:*;transport=tls";
      break;
    default:
      // Bind where the route to the server leaves, not on every interface.
      local_bind = "sip:" + url_host(options.local_address.empty() ? "*" : options.local_address) + ":*;transport=" + transport;
      break;
  }
  return urls;
}

// nua with our stack's settings, bound to its local transport; nullptr when
// Sofia could not bind it.
nua_t* open_nua(SipAgent::Impl* impl, const SofiaUrls& urls) {
  const AgentOptions& options = impl->options();
  const ServerUrl& server = options.server;
  const std::string& local_bind = urls.local_bind;
  const std::string& proxy = urls.proxy;
  bool bridged = is_bridged(server.transport);
  bool stream = server.transport != Transport::udp;
  // Sofia's CRLF keepalive exists for its tcp code, which ws, wss and tls
  // reuse (for ws/wss the bridge turns it into a WebSocket ping).
  bool keepalive = options.keepalive_ms > 0 && stream;
  return nua_create(
      impl->root, nua_callback, impl,
      TAG_IF(server.transport != Transport::tls, NUTAG_URL(local_bind.c_str())),
      TAG_IF(server.transport == Transport::tls, NUTAG_SIPS_URL(local_bind.c_str())),
      TAG_IF(bridged, TPTAG_PUBLIC(sofia_stream::kPublicType)),
      TAG_IF(stream, SOFIA_STREAM_CONTEXT(&impl->stream_context)),
      TAG_IF(server.transport == Transport::tcp, TPTAG_SERVER(0)),
      NUTAG_PROXY(proxy.c_str()),
      // The server's view of our address is not ours to register: keep the
      // Contact we bound, and do not send OPTIONS probes of our own.
      NUTAG_OUTBOUND("no-natify no-options-keepalive no-validate"),
      NUTAG_M_USERNAME(options.user.c_str()),
      // nua builds a secure Contact only for a sips: AoR or peer and falls
      // back to one without transport for our sip: AoR; say which it is.
      TAG_IF(server.transport == Transport::tls, NUTAG_M_PARAMS("transport=tls")),
      // Offer/answer is ours (sdp.h); nua only carries the bodies.
      NUTAG_MEDIA_ENABLE(0),
      NUTAG_AUTOANSWER(0),
      NUTAG_AUTOALERT(0),
      NUTAG_ALLOW("INFO"),
      // nua would answer an UPDATE's offer with a 200 without SDP; we
      // answer it like a re-INVITE's (call_update).
      NUTAG_APPL_METHOD("UPDATE"),
      TAG_IF(!options.display_name.empty(), NUTAG_M_DISPLAY(options.display_name.c_str())),
      SIPTAG_USER_AGENT_STR(options.user_agent.c_str()),
      NTATAG_SIP_T1X64(static_cast<unsigned>(std::clamp(options.transaction_timeout_ms, 1000, 32000))),
      TPTAG_LOG(1),
      // A closed connection fails the transaction now, not after timer F.
      TPTAG_SDWN_ERROR(1),
      // Messages waiting for a connection (or its send buffer) queue in the
      // transport; Sofia's default of 64 fails the rest of a burst, such as
      // register --accounts sending every REGISTER at once [messages].
      TPTAG_QUEUESIZE(kSendQueueMessages),
      TAG_IF(keepalive, TPTAG_KEEPALIVE(static_cast<unsigned>(options.keepalive_ms))),
      TAG_IF(keepalive, TPTAG_PINGPONG(static_cast<unsigned>(keepalive_pong_ms(options.keepalive_ms)))),
      TAG_END());
}

}  // namespace

Result<std::unique_ptr<SipAgent>> SipAgent::create(const AgentOptions& options, SipListener& listener) {
  if (Error e = prepare_sofia()) return e;
  auto impl = std::make_unique<Impl>(options, listener);
  // Messages are traced through Sofia's log, which has one sink per process.
  Impl* agent = impl.get();
  auto tap = TraceTap::claim([agent](SipTrace&& trace) { agent->on_trace(std::move(trace)); });
  if (!tap.ok()) return tap.error();
  impl->trace_tap = std::move(tap.value());
  impl->context.trace_tap = impl->trace_tap.get();

  impl->root = su_root_create(impl.get());
  if (!impl->root) return Error::internal("Sofia-SIP: cannot create event loop");
  // Run nua's stack on our thread instead of a clone thread of its own: one
  // thread owns all signalling, so callbacks and traces need no locking.
  su_root_threading(impl->root, 0);

  const Transport transport = options.server.transport;
  if (is_bridged(transport)) {
    if (Error e = start_bridge(options, impl->bridge, impl->stream_context)) return e;
    impl->context.bridge = impl->bridge.get();
  }
  bool stream = transport != Transport::udp;
  if (stream && !sofia_stream::register_stream_types())
    return Error::internal("Sofia-SIP: cannot register the " + transport_label(transport) + " transport");
  if (!stream && !options.accept_from_any && !impl->filter_requests())
    return Error::internal("Sofia-SIP: cannot register the udp request filter");

  impl->context.nua = open_nua(impl.get(), sofia_urls(options));
  if (!impl->context.nua) {
    auto detail = impl->context.transport_detail();
    return Error::unreachable("cannot open a local " + transport_label(transport) + " transport" +
                          (detail.empty() ? "" : ": " + detail));
  }
  // nua_create bound our transports just now, on this thread.
  if (stream) impl->registrations.set_primary(impl->stream_context.primary);
  std::string from = impl->context.aor_of(options.user);
  nua_set_params(impl->context.nua, SIPTAG_FROM_STR(from.c_str()), TAG_END());
  return std::unique_ptr<SipAgent>(new SipAgent(std::move(impl)));
}

SipAgent::SipAgent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SipAgent::~SipAgent() = default;

void SipAgent::run_for(int ms) { su_root_step(impl_->root, ms); }

std::string SipAgent::aor() const { return impl_->context.aor_of(impl_->options().user); }

int SipAgent::add_account(const SipAccount& account) { return impl_->registrations.add_account(account); }

void SipAgent::register_binding(int expires_s, int account) { impl_->registrations.register_binding(expires_s, account); }

void SipAgent::unregister(int account) { impl_->registrations.unregister(account); }

void SipAgent::shutdown() {
  // A REGISTER that failed or got no answer still counts as pending for nua
  // (a final 401 waits for credentials, a lost one for timer F), which keeps
  // the shutdown busy for 30 s and left nua and its root to leak at exit.
  // Without a binding in force there is nothing to un-REGISTER: drop it.
  impl_->registrations.abandon_pending();
  nua_shutdown(impl_->context.nua);
}

std::string SipAgent::target_uri(const std::string& target) const {
  if (target.rfind("sip:", 0) == 0 || target.rfind("sips:", 0) == 0) return target;
  if (target.find('@') != std::string::npos) return "sip:" + target;
  return "sip:" + target + "@" + url_host(impl_->options().domain);
}

int SipAgent::invite(const std::string& target_uri, const std::string& sdp_offer) {
  return impl_->calls.invite(target_uri, sdp_offer);
}

void SipAgent::respond(int call, int status, const std::string& sdp) { impl_->calls.respond(call, status, sdp); }

void SipAgent::refuse(int call, int status, const std::string& warning) {
  impl_->calls.refuse(call, status, warning);
}

void SipAgent::respond_update(int call, int status, const std::string& sdp) {
  impl_->calls.respond_update(call, status, sdp);
}

void SipAgent::cancel(int call) { impl_->calls.cancel(call); }

void SipAgent::bye(int call) { impl_->calls.bye(call); }

void SipAgent::send_dtmf_info(int call, char digit, int duration_ms) {
  impl_->calls.send_dtmf_info(call, digit, duration_ms);
}

}  // namespace sipcall
