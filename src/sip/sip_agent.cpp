// The Sofia-SIP adapter. Sofia's single nua callback is translated here, and
// only here, into SipEvents; nothing else in sip-call includes <sofia-sip/...>.
#include "sipcall/sip/sip_agent.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <unordered_set>
#include <vector>

#include <sofia-sip/msg_header.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/tport.h>
#include <sofia-sip/tport_tag.h>
#include <sofia-sip/url.h>

#include "sipcall/transport/ws_bridge.h"
#include "request_filter.h"
#include "sofia_digest.h"
#include "sofia_ws_tport.h"

// Sofia's log objects, exported by the library without public headers.
extern "C" su_log_t tport_log[];
extern "C" su_log_t nta_log[];
extern "C" su_log_t nua_log[];

namespace sipcall {

namespace {

std::string seconds_text(int ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", ms / 1000.0);
  return buf;
}

}  // namespace

// Room for every REGISTER of a large accounts file plus their retries.
constexpr unsigned kSendQueueMessages = 16384;

int keepalive_pong_ms(int keepalive_ms) { return std::min(keepalive_ms, 10000); }

struct SipAgent::Impl {
  AgentOptions options;
  SipListener* listener = nullptr;
  su_root_t* root = nullptr;
  nua_t* nua = nullptr;
  std::unique_ptr<WsBridge> bridge;

  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  SofiaTraceParser trace_parser;
  // Responses that really arrived ("status cseq call-id"), to tell them
  // from ones Sofia made up. Not just the last one: a stream read may hold
  // many, all traced before the first is handed to us. Oldest dropped first.
  std::unordered_set<std::string> received;
  std::deque<std::string> received_order;
  static constexpr size_t kReceivedKept = 4096;
  bool shutdown_done = false;
  request_filter::Filter request_filter;  // udp without accept_from_any

  // One per account; the index is the account id (0: AgentOptions' own).
  struct Registration {
    SipAccount account;
    nua_handle_t* handle = nullptr;
    std::string sent_contact;  // Contact URI of our last REGISTER
    std::string call_id;       // of our binding, once one was granted
    unsigned long cseq = 0;    // highest CSeq of a REGISTER sent
    sofia_digest::Session auth;
    bool in_force = false;     // between a 2xx to REGISTER and the un-REGISTER or a failure
    bool leaving = false;      // unregister() called: its connection no longer matters
  };
  std::vector<Registration> registrations;
  std::map<nua_handle_t*, int> registration_of;  // handle -> account id
  std::map<std::string, int> account_of_user;    // AOR user -> account id
  // The connection of the last successful REGISTER, watched for its loss.
  tport_t* primary = nullptr;  // any primary of our stack, to look connections up from
  tport_t* watched = nullptr;  // referenced while watched
  int watch_id = 0;            // tport_pend() id

  struct Call {
    int id = 0;
    sofia_digest::Session auth;  // one answer per INVITE (and stale ones), like REGISTER
    bool confirmed = false;  // nua_callstate_ready reached: UPDATEs are ours to answer
    // UPDATEs awaiting respond_update(), oldest first (their events are
    // handled in order): nua answers a request other than INVITE only when
    // told which one (NUTAG_WITH).
    std::deque<std::shared_ptr<nua_saved_event_t>> updates;
  };
  std::map<nua_handle_t*, Call> calls;
  int next_call_id = 1;

  ~Impl();
  void emit(SipEvent e) { listener->on_sip_event(e); }
  void on_log_text(const char* fmt, va_list ap);
  void on_nua_event(nua_event_t event, int status, char const* phrase, nua_handle_t* nh, sip_t const* sip,
                    tagi_t const* tags);
  void on_register_response(nua_event_t event, int status, char const* phrase, nua_handle_t* nh, sip_t const* sip);
  void note_register_sent(const SipTrace& trace);
  std::string aor_of(const std::string& user) const;
  bool from_network(int status, sip_t const* sip) const;
  std::string transport_detail() const;
  int granted_expires(const Registration& r, sip_t const* sip) const;
  sip_contact_t const* our_contact(const Registration& r, sip_t const* sip) const;
  std::string binding_refused(const Registration& r, sip_t const* sip, int expires_s) const;
  Result<bool> authenticate(nua_handle_t* nh, sip_t const* sip, const SipAccount& account, sofia_digest::Session& auth);
  void on_call_event(nua_event_t event, int status, char const* phrase, nua_handle_t* nh, sip_t const* sip,
                     tagi_t const* tags);
  void emit_call(SipEventType type, int call, int status, char const* phrase, sip_t const* sip);
  void emit_refused_call(int call, int status, char const* phrase, const Error& why);
  // Forgets the call, destroys its handle and emits call_terminated.
  void release_call(nua_handle_t* nh);
  nua_handle_t* handle_of(int call) const;
  void watch_connection();
  bool filter_requests();
  void unwatch_connection();
  void on_connection_closed(int error);
};

namespace {

SipAgent::Impl* g_trace_owner = nullptr;  // su_log redirection has one global sink

void trace_logger(void*, char const* fmt, va_list ap) {
  if (g_trace_owner) g_trace_owner->on_log_text(fmt, ap);
}

void quiet_logger(void*, char const*, va_list) {}

void connection_closed(tp_stack_t*, tp_client_t* client, tport_t* tp, msg_t*, int error) {
  auto* impl = reinterpret_cast<SipAgent::Impl*>(client);
  if (tp == impl->watched) impl->on_connection_closed(error);
}

void nua_callback(nua_event_t event, int status, char const* phrase, nua_t*, nua_magic_t* magic,
                  nua_handle_t* nh, nua_hmagic_t*, sip_t const* sip, tagi_t tags[]) {
  static_cast<SipAgent::Impl*>(magic)->on_nua_event(event, status, phrase ? phrase : "", nh, sip, tags);
}

// The request nua is reporting now, kept until answered (or the call ends).
std::shared_ptr<nua_saved_event_t> saved_event(nua_t* nua) {
  auto saved = std::shared_ptr<nua_saved_event_t>(new nua_saved_event_t[1], [](nua_saved_event_t* e) {
    nua_destroy_event(e);
    delete[] e;
  });
  if (nua_save_event(nua, saved.get()) != 1) return nullptr;
  return saved;
}

std::string body_of(sip_t const* sip) {
  if (!sip || !sip->sip_payload || !sip->sip_payload->pl_data) return {};
  return std::string(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
}

// RFC 2976 INFO bodies in the wild: application/dtmf-relay ("Signal=5")
// and application/dtmf ("5").
char dtmf_digit_of(sip_t const* sip) {
  if (!sip || !sip->sip_content_type || !sip->sip_content_type->c_type) return 0;
  std::string type = sip->sip_content_type->c_type;
  for (auto& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string body = body_of(sip);
  std::string value;
  if (type == "application/dtmf-relay") {
    auto pos = body.find("Signal=");
    if (pos == std::string::npos) pos = body.find("signal=");
    if (pos == std::string::npos) return 0;
    value = body.substr(pos + 7);
  } else if (type == "application/dtmf") {
    value = body;
  } else {
    return 0;
  }
  auto first = value.find_first_not_of(" \t");
  if (first == std::string::npos) return 0;
  char c = static_cast<char>(std::toupper(static_cast<unsigned char>(value[first])));
  if ((c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D')) return c;
  // Some phones send the RFC 4733 event number instead: 10 = '*', 11 = '#'.
  if (value.compare(first, 2, "10") == 0) return '*';
  if (value.compare(first, 2, "11") == 0) return '#';
  return 0;
}

}  // namespace

void SipAgent::Impl::on_log_text(const char* fmt, va_list ap) {
  char buf[4096];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  if (n <= 0) return;
  SipTrace trace;
  std::string_view text(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
  while (trace_parser.feed(text, trace)) {
    text = {};
    trace.elapsed_ms = static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
    if (!trace.outgoing) {
      if (int status = response_status(trace.text)) {
        std::string key = std::to_string(status) + " " + cseq(trace.text) + " " + header_value(trace.text, "call-id", "i");
        if (received.insert(key).second) {
          received_order.push_back(std::move(key));
          if (received_order.size() > kReceivedKept) {
            received.erase(received_order.front());
            received_order.pop_front();
          }
        }
      }
    } else if (start_line(trace.text).rfind("REGISTER ", 0) == 0) {
      note_register_sent(trace);
    }
    SipEvent e;
    e.type = SipEventType::trace;
    e.trace = std::move(trace);
    emit(std::move(e));
  }
}

// Which account a REGISTER we sent belongs to: its To user (one account per
// user). Its CSeq and Contact are what nua does not tell us.
void SipAgent::Impl::note_register_sent(const SipTrace& trace) {
  std::string to = header_value(trace.text, "to", "t");
  auto scheme = to.find("sip:");
  if (scheme == std::string::npos) scheme = to.find("sips:");
  if (scheme == std::string::npos) return;
  auto begin = to.find(':', scheme) + 1;
  auto at = to.find('@', begin);
  if (at == std::string::npos) return;
  auto it = account_of_user.find(to.substr(begin, at - begin));
  if (it == account_of_user.end()) return;
  Registration& r = registrations[static_cast<size_t>(it->second)];
  r.cseq = std::max(r.cseq, std::strtoul(cseq(trace.text).c_str(), nullptr, 10));
  std::string contact = header_value(trace.text, "contact", "m");
  auto lt = contact.find('<'), gt = contact.find('>');
  if (lt != std::string::npos && gt != std::string::npos && lt < gt) r.sent_contact = contact.substr(lt + 1, gt - lt - 1);
}

bool SipAgent::Impl::from_network(int status, sip_t const* sip) const {
  if (!sip || !sip->sip_cseq) return false;
  std::string key = std::to_string(status) + " " + std::to_string(sip->sip_cseq->cs_seq) + " " +
                    (sip->sip_cseq->cs_method_name ? sip->sip_cseq->cs_method_name : "") + " " +
                    (sip->sip_call_id && sip->sip_call_id->i_id ? sip->sip_call_id->i_id : "");
  return received.count(key) > 0;
}

std::string SipAgent::Impl::transport_detail() const {
  if (bridge) return bridge->last_error();
  return {};
}

// nta sends every request to the server over the open connection it finds
// by the server's name, so the same lookup names the registration's one.
void SipAgent::Impl::watch_connection() {
  if (!primary) return;
  std::string port = std::to_string(options.server.port);
  std::string proto(transport_name(options.server.transport));
  tp_name_t name{};
  name.tpn_proto = proto.c_str();
  name.tpn_canon = options.server_address.c_str();
  name.tpn_host = options.server_address.c_str();
  name.tpn_port = port.c_str();
  tport_t* connection = tport_by_name(primary, &name);
  if (!connection || !tport_is_secondary(connection) || connection == watched) return;
  unwatch_connection();
  watch_id = tport_pend(connection, nullptr, connection_closed, reinterpret_cast<tp_client_t*>(this));
  if (watch_id > 0) watched = tport_ref(connection);
}

void SipAgent::Impl::unwatch_connection() {
  if (!watched) return;
  tport_release(watched, watch_id, nullptr, nullptr, reinterpret_cast<tp_client_t*>(this), 0);
  tport_unref(watched);
  watched = nullptr;
  watch_id = 0;
}

void SipAgent::Impl::on_connection_closed(int error) {
  unwatch_connection();
  SipEvent e;
  e.type = SipEventType::connection_lost;
  e.from_network = false;
  if (bridge) e.detail = bridge->last_error();
  if (e.detail.empty()) {
    // Sofia reports a missing pong as EPIPE; an orderly close as 0.
    if (error == 0) e.detail = "closed by the server";
    else if (error == EPIPE && options.keepalive_ms > 0)
      e.detail = "no answer to a keepalive within " + seconds_text(keepalive_pong_ms(options.keepalive_ms));
    else e.detail = std::strerror(error);
  }
  // Every binding in force went over this one connection.
  for (size_t id = 0; id < registrations.size(); ++id) {
    if (!registrations[id].in_force || registrations[id].leaving) continue;
    e.account = static_cast<int>(id);
    emit(e);
  }
}

int SipAgent::Impl::granted_expires(const Registration& r, sip_t const* sip) const {
  if (!sip) return -1;
  if (sip_contact_t const* m = our_contact(r, sip)) {
    if (m->m_expires) return std::atoi(m->m_expires);
  }
  if (sip->sip_expires) return static_cast<int>(sip->sip_expires->ex_delta);
  return -1;
}

// Our binding among the Contacts of a 2xx to REGISTER: the URI we sent
// (same scheme, user, host and port), else one with our user part, which a
// registrar behind NAT may have rewritten. nullptr when the list has neither.
sip_contact_t const* SipAgent::Impl::our_contact(const Registration& r, sip_t const* sip) const {
  su_home_t home[1] = {SU_HOME_INIT(home)};
  url_t const* sent = r.sent_contact.empty() ? nullptr : url_make(home, r.sent_contact.c_str());
  sip_contact_t const* same_user = nullptr;
  sip_contact_t const* found = nullptr;
  for (sip_contact_t const* m = sip->sip_contact; m && !found; m = m->m_next) {
    if (!sent || url_cmp(m->m_url, sent) == 0) found = m;
    else if (!same_user && m->m_url->url_user && sent->url_user && std::strcmp(m->m_url->url_user, sent->url_user) == 0)
      same_user = m;
  }
  su_home_deinit(home);
  return found ? found : same_user;
}

// Why a 2xx to REGISTER leaves us without a binding, or "" when it kept one:
// our Contact is missing from a list it sent, or its lifetime is 0.
std::string SipAgent::Impl::binding_refused(const Registration& r, sip_t const* sip, int expires_s) const {
  if (sip && sip->sip_contact && !our_contact(r, sip))
    return "registrar answered 200 OK but kept no binding (our Contact is not in its list)";
  if (expires_s == 0) return "registrar answered 200 OK but kept no binding (expires 0)";
  return {};
}

// The challenges of a 401/407 are answered by our digest client (never
// Basic); see sofia_digest.h for when a challenge is a rejection.
Result<bool> SipAgent::Impl::authenticate(nua_handle_t* nh, sip_t const* sip, const SipAccount& account,
                                          sofia_digest::Session& auth) {
  return auth.answer(nh, sip, account.auth_user.empty() ? account.user : account.auth_user, account.password);
}

void SipAgent::Impl::on_register_response(nua_event_t event, int status, char const* phrase, nua_handle_t* nh,
                                          sip_t const* sip) {
  if (status < 200) return;
  auto known = registration_of.find(nh);
  if (known == registration_of.end()) return;  // a handle we already released
  Registration& r = registrations[static_cast<size_t>(known->second)];
  bool network = from_network(status, sip);
  Error refused;
  if ((status == 401 || status == 407) && network && sip && !r.account.password.empty()) {
    auto answered = authenticate(nh, sip, r.account, r.auth);
    if (answered.ok() && answered.value()) return;
    if (!answered.ok()) refused = answered.error();
  }
  SipEvent e;
  e.account = known->second;
  e.status = status;
  e.phrase = phrase;
  e.from_network = network;
  if (!network) e.detail = transport_detail();
  if (refused) e.verdict = refused.code(), e.detail = refused.message();
  if (event == nua_r_unregister) {
    e.type = SipEventType::unregistered;
    r.in_force = false;
  } else if (status >= 200 && status < 300 && !(e.detail = binding_refused(r, sip, granted_expires(r, sip))).empty()) {
    // A 2xx that kept no binding is a failure of the registrar.
    e.type = SipEventType::registration_failed;
    e.verdict = ExitCode::sip_failure;
    r.in_force = false;
  } else if (status >= 200 && status < 300) {
    e.type = SipEventType::registered;
    e.expires_s = granted_expires(r, sip);
    r.auth.round_done();  // a refresh may be challenged again with a new nonce
    r.in_force = true;
    r.leaving = false;
    if (sip && sip->sip_call_id && sip->sip_call_id->i_id) r.call_id = sip->sip_call_id->i_id;
    watch_connection();
  } else {
    e.type = SipEventType::registration_failed;
    r.in_force = false;
  }
  emit(std::move(e));
}

void SipAgent::Impl::emit_call(SipEventType type, int call, int status, char const* phrase, sip_t const* sip) {
  SipEvent e;
  e.type = type;
  e.call = call;
  e.status = status;
  e.phrase = phrase ? phrase : "";
  e.from_network = from_network(status, sip);
  if (!e.from_network && type == SipEventType::call_failed) e.detail = transport_detail();
  e.body = body_of(sip);
  emit(std::move(e));
}

// A challenge to our INVITE that we do not answer: the call fails with why.
void SipAgent::Impl::emit_refused_call(int call, int status, char const* phrase, const Error& why) {
  SipEvent e;
  e.type = SipEventType::call_failed;
  e.call = call;
  e.status = status;
  e.phrase = phrase ? phrase : "";
  e.verdict = why.code();
  e.detail = why.message();
  emit(std::move(e));
}

void SipAgent::Impl::release_call(nua_handle_t* nh) {
  auto it = calls.find(nh);
  if (it == calls.end()) return;
  int id = it->second.id;
  calls.erase(it);
  nua_handle_destroy(nh);
  SipEvent e;
  e.type = SipEventType::call_terminated;
  e.call = id;
  emit(std::move(e));
}

nua_handle_t* SipAgent::Impl::handle_of(int call) const {
  for (const auto& [nh, c] : calls)
    if (c.id == call) return nh;
  return nullptr;
}

// UDP requests from anyone but the server are dropped (request_filter.h);
// each one becomes a request_ignored event.
bool SipAgent::Impl::filter_requests() {
  if (!request_filter::endpoint(options.server_address, options.server.port, request_filter.server)) return true;
  if (!request_filter::hook_udp()) return false;
  request_filter.ignored = [this](const std::string& what) {
    SipEvent e;
    e.type = SipEventType::request_ignored;
    e.detail = what;
    emit(std::move(e));
  };
  request_filter::activate(&request_filter);
  return true;
}

void SipAgent::Impl::on_call_event(nua_event_t event, int status, char const* phrase, nua_handle_t* nh,
                                   sip_t const* sip, tagi_t const* tags) {
  auto it = calls.find(nh);
  if (event == nua_i_invite && it == calls.end()) {
    if (!options.accept_calls) {
      nua_respond(nh, 480, "Temporarily Unavailable", TAG_END());
      nua_handle_destroy(nh);
      return;
    }
    it = calls.emplace(nh, Call{}).first;
    it->second.id = next_call_id++;
    SipEvent e;
    e.type = SipEventType::incoming_call;
    e.call = it->second.id;
    e.body = body_of(sip);
    if (sip && sip->sip_from) {
      char* from = sip_header_as_string(nullptr, reinterpret_cast<sip_header_t const*>(sip->sip_from));
      if (from) {
        e.peer = from;
        auto tag = e.peer.find(";tag=");
        if (tag != std::string::npos) e.peer.erase(tag);
      }
      su_free(nullptr, from);
    }
    emit(std::move(e));
    return;
  }
  if (it == calls.end()) return;  // a handle we already released
  Call& call = it->second;
  switch (event) {
    case nua_r_invite:
      if (status < 200) {
        if (status > 100) emit_call(SipEventType::call_progress, call.id, status, phrase, sip);
      } else if (status < 300) {
        emit_call(SipEventType::call_answered, call.id, status, phrase, sip);
      } else if ((status == 401 || status == 407) && !options.password.empty() && sip && from_network(status, sip)) {
        auto answered = authenticate(nh, sip, registrations[0].account, call.auth);
        if (answered.ok() && answered.value()) break;  // resent with credentials; the next response decides
        if (!answered.ok()) emit_refused_call(call.id, status, phrase, answered.error());
        else emit_call(SipEventType::call_failed, call.id, status, phrase, sip);
        // nua keeps a challenged INVITE for an nua_authenticate() that will
        // not come; released now, or it holds its messages until exit.
        release_call(nh);
      } else {
        emit_call(SipEventType::call_failed, call.id, status, phrase, sip);
      }
      break;
    case nua_i_invite:
      emit_call(SipEventType::call_reoffer, call.id, status, phrase, sip);
      break;
    case nua_i_ack:
      emit_call(SipEventType::call_ack, call.id, status, phrase, sip);
      break;
    case nua_i_update:
      // Before the call is confirmed an offer could cross our answer.
      if (!call.confirmed) {
        nua_respond(nh, SIP_491_REQUEST_PENDING, NUTAG_WITH_THIS(nua), TAG_END());
        break;
      }
      call.updates.push_back(saved_event(nua));
      emit_call(SipEventType::call_update, call.id, status, phrase, sip);
      break;
    case nua_i_bye:
    case nua_i_cancel:
      emit_call(SipEventType::remote_hangup, call.id, status, phrase, sip);
      break;
    case nua_r_bye:
      if (status >= 200) emit_call(SipEventType::bye_answered, call.id, status, phrase, sip);
      break;
    case nua_r_info:
      if (status >= 200) emit_call(SipEventType::info_answered, call.id, status, phrase, sip);
      break;
    case nua_i_info:
      if (char digit = dtmf_digit_of(sip)) {
        SipEvent e;
        e.type = SipEventType::dtmf_info;
        e.call = call.id;
        e.dtmf = digit;
        emit(std::move(e));
      }
      break;
    case nua_i_state: {
      int state = nua_callstate_init;
      tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
      if (state == nua_callstate_ready) call.confirmed = true;
      if (state == nua_callstate_terminated) release_call(nh);
      break;
    }
    default:
      break;
  }
}

void SipAgent::Impl::on_nua_event(nua_event_t event, int status, char const* phrase, nua_handle_t* nh,
                                  sip_t const* sip, tagi_t const* tags) {
  switch (event) {
    case nua_r_invite:
    case nua_i_invite:
    case nua_i_ack:
    case nua_i_bye:
    case nua_i_cancel:
    case nua_i_info:
    case nua_i_update:
    case nua_r_bye:
    case nua_r_info:
    case nua_i_state:
      on_call_event(event, status, phrase, nh, sip, tags);
      break;
    case nua_r_register:
    case nua_r_unregister:
      on_register_response(event, status, phrase, nh, sip);
      break;
    case nua_r_shutdown:
      if (status >= 200) {
        shutdown_done = true;
        SipEvent e;
        e.type = SipEventType::shutdown_complete;
        e.status = status;
        emit(std::move(e));
      }
      break;
    default:
      break;
  }
}

SipAgent::Impl::~Impl() {
  if (request_filter.ignored) request_filter::activate(nullptr);
  if (g_trace_owner == this) g_trace_owner = nullptr;
  // nua refuses to be destroyed before its shutdown completed, and its
  // objects then still hang off the root: leave both to process exit rather
  // than free memory Sofia still uses.
  if (nua && shutdown_done) {
    for (auto& r : registrations)
      if (r.handle) nua_handle_destroy(r.handle);
    for (auto& [nh, call] : calls) {
      call.updates.clear();  // a saved event belongs to nua
      nua_handle_destroy(nh);
    }
    nua_destroy(nua);
    nua = nullptr;
  }
  if (root && !nua) su_root_destroy(root);
  bridge.reset();
}

Result<std::unique_ptr<SipAgent>> SipAgent::create(const AgentOptions& options, SipListener& listener) {
  static bool su_ready = su_init() == 0;
  if (!su_ready) return Error::internal("Sofia-SIP: su_init failed");
  if (!sofia_digest::install()) return Error::internal("Sofia-SIP: cannot install the digest client");

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->listener = &listener;
  impl->registrations.push_back({});
  impl->registrations[0].account = {options.user, options.auth_user, options.display_name, options.password};
  impl->account_of_user[options.user] = 0;

  // Messages are traced through su_log_default; Sofia's own debug chatter is
  // not for users (it may also echo parts of requests).
  g_trace_owner = impl.get();
  su_log_redirect(su_log_default, trace_logger, nullptr);
  su_log_redirect(tport_log, quiet_logger, nullptr);
  su_log_redirect(nta_log, quiet_logger, nullptr);
  su_log_redirect(nua_log, quiet_logger, nullptr);

  impl->root = su_root_create(impl.get());
  if (!impl->root) return Error::internal("Sofia-SIP: cannot create event loop");
  // Run nua's stack on our thread instead of a clone thread of its own: one
  // thread owns all signalling, so callbacks and traces need no locking.
  su_root_threading(impl->root, 0);

  const ServerUrl& server = options.server;
  std::string transport(transport_name(server.transport));
  std::string local_bind;
  const std::string proxy = server.sofia_proxy_uri(options.server_address);

  // ws, wss and tls go through the bridge (sofia_ws_tport.h), which owns
  // their TLS: trust, verification and the TLS 1.2 floor.
  bool bridged = server.transport == Transport::ws || server.transport == Transport::wss ||
                 server.transport == Transport::tls;
  if (bridged) {
    WsBridgeOptions wo;
    wo.server = server;
    wo.ca_file = options.ca_file;
    wo.insecure = options.insecure;
    wo.connect_timeout_s = options.connect_timeout_s;
    auto bridge = WsBridge::start(wo);
    if (!bridge.ok()) return bridge.error();
    impl->bridge = std::move(bridge.value());
    const char* proto = server.transport == Transport::ws ? "WS" : server.transport == Transport::wss ? "WSS" : "tls";
    if (!sofia_ws::register_transport(proto, impl->bridge->address(), impl->bridge->address_length()))
      return Error::internal("Sofia-SIP: cannot register the " + transport_label(server.transport) + " transport");
  }
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

  bool stream = server.transport != Transport::udp;
  if (stream && !sofia_ws::hook_stream_types()) return Error::internal("Sofia-SIP: cannot register the transport hooks");
  if (!stream && !options.accept_from_any && !impl->filter_requests())
    return Error::internal("Sofia-SIP: cannot register the udp request filter");
  // Sofia's CRLF keepalive exists for its tcp code, which ws, wss and tls
  // reuse (for ws/wss the bridge turns it into a WebSocket ping).
  bool keepalive = options.keepalive_ms > 0 && stream;
  impl->nua = nua_create(
      impl->root, nua_callback, impl.get(),
      TAG_IF(server.transport != Transport::tls, NUTAG_URL(local_bind.c_str())),
      TAG_IF(server.transport == Transport::tls, NUTAG_SIPS_URL(local_bind.c_str())),
      TAG_IF(bridged, TPTAG_PUBLIC(sofia_ws::kPublicType)),
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
  if (!impl->nua) {
    auto detail = impl->transport_detail();
    return Error::network("cannot open a local " + transport_label(server.transport) + " transport" +
                          (detail.empty() ? "" : ": " + detail));
  }
  // nua_create bound our transports just now, on this thread.
  if (stream) impl->primary = sofia_ws::last_primary();
  std::string from = "sip:" + options.user + "@" + url_host(options.domain);
  nua_set_params(impl->nua, SIPTAG_FROM_STR(from.c_str()), TAG_END());
  return std::unique_ptr<SipAgent>(new SipAgent(std::move(impl)));
}

SipAgent::SipAgent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SipAgent::~SipAgent() = default;

void SipAgent::run_for(int ms) { su_root_step(impl_->root, ms); }

std::string SipAgent::Impl::aor_of(const std::string& user) const { return "sip:" + user + "@" + url_host(options.domain); }

std::string SipAgent::aor() const { return impl_->aor_of(impl_->options.user); }

int SipAgent::add_account(const SipAccount& account) {
  auto& i = *impl_;
  auto [it, added] = i.account_of_user.emplace(account.user, static_cast<int>(i.registrations.size()));
  if (!added) return it->second;
  i.registrations.push_back({});
  i.registrations.back().account = account;
  return it->second;
}

void SipAgent::register_binding(int expires_s, int account) {
  auto& i = *impl_;
  if (account < 0 || static_cast<size_t>(account) >= i.registrations.size()) return;
  Impl::Registration& r = i.registrations[static_cast<size_t>(account)];
  std::string to = i.aor_of(r.account.user);
  std::string registrar = "sip:" + url_host(i.options.domain);
  std::string from = r.account.display_name.empty() ? "<" + to + ">"
                                                    : "\"" + r.account.display_name + "\" <" + to + ">";
  // Registering again after a failure: nua would number the new REGISTER
  // from a counter that its refreshes and authenticated retries do not
  // advance, so its CSeq could repeat one the registrar has seen. A new
  // handle with the binding's Call-ID and the next CSeq updates the binding
  // the registrar may still hold, in order (RFC 3261 10.2).
  std::string call_id, next_cseq;
  if (r.handle && !r.call_id.empty()) {
    i.registration_of.erase(r.handle);
    nua_handle_destroy(r.handle);
    r.handle = nullptr;
    call_id = r.call_id;
    next_cseq = std::to_string(r.cseq + 1) + " REGISTER";
  }
  if (!r.handle) {
    // The Contact's user is the account's (nua's default is account 0's).
    r.handle = nua_handle(i.nua, nullptr, SIPTAG_TO_STR(to.c_str()), SIPTAG_FROM_STR(from.c_str()),
                          TAG_IF(account != 0, NUTAG_M_USERNAME(r.account.user.c_str())),
                          TAG_IF(account != 0 && !r.account.display_name.empty(),
                                 NUTAG_M_DISPLAY(r.account.display_name.c_str())),
                          TAG_IF(!call_id.empty(), SIPTAG_CALL_ID_STR(call_id.c_str())), TAG_END());
    i.registration_of[r.handle] = account;
  }
  r.auth.round_done();
  r.leaving = false;
  std::string expires = std::to_string(expires_s);
  nua_register(r.handle, NUTAG_REGISTRAR(registrar.c_str()), SIPTAG_EXPIRES_STR(expires.c_str()),
               TAG_IF(!next_cseq.empty(), SIPTAG_CSEQ_STR(next_cseq.c_str())), TAG_END());
}

void SipAgent::unregister(int account) {
  auto& i = *impl_;
  if (account < 0 || static_cast<size_t>(account) >= i.registrations.size()) return;
  Impl::Registration& r = i.registrations[static_cast<size_t>(account)];
  if (!r.handle) return;
  r.leaving = true;
  r.auth.round_done();
  // The connection's loss matters no more once no binding stays.
  bool any_kept = false;
  for (const auto& other : i.registrations) any_kept = any_kept || (other.in_force && !other.leaving);
  if (!any_kept) i.unwatch_connection();
  nua_unregister(r.handle, TAG_END());
}

void SipAgent::shutdown() {
  // A REGISTER that failed or got no answer still counts as pending for nua
  // (a final 401 waits for credentials, a lost one for timer F), which keeps
  // the shutdown busy for 30 s and left nua and its root to leak at exit.
  // Without a binding in force there is nothing to un-REGISTER: drop it.
  auto& i = *impl_;
  for (auto& r : i.registrations) {
    if (!r.handle || r.in_force) continue;
    i.registration_of.erase(r.handle);
    nua_handle_destroy(r.handle);
    r.handle = nullptr;
  }
  // Sofia frees its transports at shutdown, references or not.
  i.unwatch_connection();
  nua_shutdown(i.nua);
}

std::string SipAgent::target_uri(const std::string& target) const {
  if (target.rfind("sip:", 0) == 0 || target.rfind("sips:", 0) == 0) return target;
  if (target.find('@') != std::string::npos) return "sip:" + target;
  return "sip:" + target + "@" + url_host(impl_->options.domain);
}

int SipAgent::invite(const std::string& target_uri, const std::string& sdp_offer) {
  auto& i = *impl_;
  nua_handle_t* nh = nua_handle(i.nua, nullptr, SIPTAG_TO_STR(target_uri.c_str()), TAG_END());
  int id = i.next_call_id++;
  i.calls[nh].id = id;
  nua_invite(nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp_offer.c_str()), TAG_END());
  return id;
}

void SipAgent::respond(int call, int status, const std::string& sdp) {
  nua_handle_t* nh = impl_->handle_of(call);
  if (!nh) return;
  // nua keeps the phrase pointer until it sends the response: only static
  // strings will do.
  char const* phrase = sip_status_phrase(status);
  nua_respond(nh, status, phrase ? phrase : "Unknown", TAG_IF(!sdp.empty(), SIPTAG_CONTENT_TYPE_STR("application/sdp")),
              TAG_IF(!sdp.empty(), SIPTAG_PAYLOAD_STR(sdp.c_str())), TAG_END());
}

void SipAgent::respond_update(int call, int status, const std::string& sdp) {
  auto& i = *impl_;
  nua_handle_t* nh = i.handle_of(call);
  if (!nh || i.calls[nh].updates.empty()) return;
  std::shared_ptr<nua_saved_event_t> update = std::move(i.calls[nh].updates.front());
  i.calls[nh].updates.pop_front();
  if (!update) return;  // nua could not save it
  char const* phrase = sip_status_phrase(status);
  nua_respond(nh, status, phrase ? phrase : "Unknown", NUTAG_WITH_SAVED(update.get()),
              TAG_IF(!sdp.empty(), SIPTAG_CONTENT_TYPE_STR("application/sdp")),
              TAG_IF(!sdp.empty(), SIPTAG_PAYLOAD_STR(sdp.c_str())), TAG_END());
}

void SipAgent::cancel(int call) {
  if (nua_handle_t* nh = impl_->handle_of(call)) nua_cancel(nh, TAG_END());
}

void SipAgent::bye(int call) {
  if (nua_handle_t* nh = impl_->handle_of(call)) nua_bye(nh, TAG_END());
}

void SipAgent::send_dtmf_info(int call, char digit, int duration_ms) {
  nua_handle_t* nh = impl_->handle_of(call);
  if (!nh) return;
  std::string body = std::string("Signal=") + digit + "\r\nDuration=" + std::to_string(duration_ms) + "\r\n";
  nua_info(nh, SIPTAG_CONTENT_TYPE_STR("application/dtmf-relay"), SIPTAG_PAYLOAD_STR(body.c_str()), TAG_END());
}

}  // namespace sipcall
