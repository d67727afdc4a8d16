#include "registrations.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/url.h>

#include "sipcall/duration_text.h"

namespace sipcall {
namespace {

void connection_closed(tp_stack_t*, tp_client_t* client, tport_t* tp, msg_t*, int error) {
  reinterpret_cast<Registrations*>(client)->on_connection_closed(tp, error);
}

}  // namespace

Registrations::Registrations(AgentContext& agent) : agent_(agent) {
  registrations_.push_back({});
  registrations_[0].account = agent.own_account();
  account_of_user_[agent.options.user] = 0;
}

Registrations::Registration* Registrations::find(int account) {
  if (account < 0 || static_cast<size_t>(account) >= registrations_.size()) return nullptr;
  return &registrations_[static_cast<size_t>(account)];
}

int Registrations::add_account(const SipAccount& account) {
  auto [it, added] = account_of_user_.emplace(account.user, static_cast<int>(registrations_.size()));
  if (!added) return it->second;
  registrations_.push_back({});
  registrations_.back().account = account;
  return it->second;
}

void Registrations::register_binding(int expires_s, int account) {
  Registration* found = find(account);
  if (!found) return;
  Registration& r = *found;
  std::string to = agent_.aor_of(r.account.user);
  std::string registrar = "sip:" + url_host(agent_.options.domain);
  std::string from = r.account.display_name.empty() ? "<" + to + ">"
                                                    : "\"" + r.account.display_name + "\" <" + to + ">";
  // Registering again after a failure: nua would number the new REGISTER
  // from a counter that its refreshes and authenticated retries do not
  // advance, so its CSeq could repeat one the registrar has seen. A new
  // handle with the binding's Call-ID and the next CSeq updates the binding
  // the registrar may still hold, in order (RFC 3261 10.2).
  std::string call_id, next_cseq;
  if (r.handle && !r.call_id.empty()) {
    account_of_handle_.erase(r.handle);
    nua_handle_destroy(r.handle);
    r.handle = nullptr;
    call_id = r.call_id;
    next_cseq = std::to_string(r.cseq + 1) + " REGISTER";
  }
  if (!r.handle) {
    // The Contact's user is the account's (nua's default is account 0's).
    r.handle = nua_handle(agent_.nua, nullptr, SIPTAG_TO_STR(to.c_str()), SIPTAG_FROM_STR(from.c_str()),
                          TAG_IF(account != 0, NUTAG_M_USERNAME(r.account.user.c_str())),
                          TAG_IF(account != 0 && !r.account.display_name.empty(),
                                 NUTAG_M_DISPLAY(r.account.display_name.c_str())),
                          TAG_IF(!call_id.empty(), SIPTAG_CALL_ID_STR(call_id.c_str())), TAG_END());
    account_of_handle_[r.handle] = account;
  }
  r.auth.round_done();
  r.leaving = false;
  std::string expires = std::to_string(expires_s);
  nua_register(r.handle, NUTAG_REGISTRAR(registrar.c_str()), SIPTAG_EXPIRES_STR(expires.c_str()),
               TAG_IF(!next_cseq.empty(), SIPTAG_CSEQ_STR(next_cseq.c_str())), TAG_END());
}

void Registrations::unregister(int account) {
  Registration* found = find(account);
  if (!found || !found->handle) return;
  Registration& r = *found;
  r.leaving = true;
  r.auth.round_done();
  // The connection's loss matters no more once no binding stays.
  bool any_kept = false;
  for (const auto& other : registrations_) any_kept = any_kept || (other.in_force && !other.leaving);
  if (!any_kept) unwatch_connection();
  nua_unregister(r.handle, TAG_END());
}

void Registrations::abandon_pending() {
  for (auto& r : registrations_) {
    if (!r.handle || r.in_force) continue;
    account_of_handle_.erase(r.handle);
    nua_handle_destroy(r.handle);
    r.handle = nullptr;
  }
  // Sofia frees its transports at shutdown, references or not.
  unwatch_connection();
}

void Registrations::destroy_handles() {
  for (auto& r : registrations_)
    if (r.handle) nua_handle_destroy(r.handle);
}

// Which account a REGISTER we sent belongs to: its To user (one account per
// user).
void Registrations::note_register_sent(const SipTrace& trace) {
  std::string to = header_value(trace.text, "to", "t");
  auto scheme = to.find("sip:");
  if (scheme == std::string::npos) scheme = to.find("sips:");
  if (scheme == std::string::npos) return;
  auto begin = to.find(':', scheme) + 1;
  auto at = to.find('@', begin);
  if (at == std::string::npos) return;
  auto it = account_of_user_.find(to.substr(begin, at - begin));
  if (it == account_of_user_.end()) return;
  Registration& r = registrations_[static_cast<size_t>(it->second)];
  r.cseq = std::max(r.cseq, std::strtoul(cseq(trace.text).c_str(), nullptr, 10));
  std::string contact = header_value(trace.text, "contact", "m");
  auto lt = contact.find('<'), gt = contact.find('>');
  if (lt != std::string::npos && gt != std::string::npos && lt < gt) r.sent_contact = contact.substr(lt + 1, gt - lt - 1);
}

// nta sends every request to the server over the open connection it finds
// by the server's name, so the same lookup names the registration's one.
void Registrations::watch_connection() {
  if (!primary_) return;
  std::string port = std::to_string(agent_.options.server.port);
  std::string proto(transport_name(agent_.options.server.transport));
  tp_name_t name{};
  name.tpn_proto = proto.c_str();
  name.tpn_canon = agent_.options.server_address.c_str();
  name.tpn_host = agent_.options.server_address.c_str();
  name.tpn_port = port.c_str();
  tport_t* connection = tport_by_name(primary_, &name);
  if (!connection || !tport_is_secondary(connection) || connection == watched_) return;
  unwatch_connection();
  watch_id_ = tport_pend(connection, nullptr, connection_closed, reinterpret_cast<tp_client_t*>(this));
  if (watch_id_ > 0) watched_ = tport_ref(connection);
}

void Registrations::unwatch_connection() {
  if (!watched_) return;
  tport_release(watched_, watch_id_, nullptr, nullptr, reinterpret_cast<tp_client_t*>(this), 0);
  tport_unref(watched_);
  watched_ = nullptr;
  watch_id_ = 0;
}

void Registrations::on_connection_closed(tport_t* tp, int error) {
  if (tp != watched_) return;
  unwatch_connection();
  SipEvent e;
  e.type = SipEventType::connection_lost;
  e.from_network = false;
  e.detail = agent_.transport_detail();
  if (e.detail.empty()) {
    // Sofia reports a missing pong as EPIPE; an orderly close as 0.
    const int keepalive_ms = agent_.options.keepalive_ms;
    if (error == 0) e.detail = "closed by the server";
    else if (error == EPIPE && keepalive_ms > 0)
      e.detail = "no answer to a keepalive within " + seconds_text(keepalive_pong_ms(keepalive_ms) / 1000.0);
    else e.detail = std::strerror(error);
  }
  // Every binding in force went over this one connection.
  for (size_t id = 0; id < registrations_.size(); ++id) {
    if (!registrations_[id].in_force || registrations_[id].leaving) continue;
    e.account = static_cast<int>(id);
    agent_.emit(e);
  }
}

int Registrations::granted_expires(const Registration& r, sip_t const* sip) const {
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
sip_contact_t const* Registrations::our_contact(const Registration& r, sip_t const* sip) const {
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
std::string Registrations::binding_refused(const Registration& r, sip_t const* sip, int expires_s) const {
  if (sip && sip->sip_contact && !our_contact(r, sip))
    return "registrar answered 200 OK but kept no binding (our Contact is not in its list)";
  if (expires_s == 0) return "registrar answered 200 OK but kept no binding (expires 0)";
  return {};
}

void Registrations::on_response(nua_event_t event, int status, char const* phrase, nua_handle_t* nh,
                                sip_t const* sip) {
  if (status < 200) return;
  auto known = account_of_handle_.find(nh);
  if (known == account_of_handle_.end()) return;  // a handle we already released
  Registration& r = registrations_[static_cast<size_t>(known->second)];
  bool network = agent_.from_network(status, sip);
  Error refused;
  if ((status == 401 || status == 407) && network && sip && !r.account.password.empty()) {
    auto answered = answer_challenge(r.auth, nh, sip, r.account);
    if (answered.ok() && answered.value()) return;
    if (!answered.ok()) refused = answered.error();
  }
  SipEvent e;
  e.account = known->second;
  e.status = status;
  e.phrase = phrase;
  e.from_network = network;
  if (!network) e.detail = agent_.transport_detail();
  if (refused) e.verdict = refused.kind(), e.detail = refused.message();
  if (event == nua_r_unregister) {
    e.type = SipEventType::unregistered;
    r.in_force = false;
  } else if (status >= 200 && status < 300 && !(e.detail = binding_refused(r, sip, granted_expires(r, sip))).empty()) {
    // A 2xx that kept no binding is a failure of the registrar.
    e.type = SipEventType::registration_failed;
    e.verdict = ErrorKind::sip_refused;
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
  agent_.emit(std::move(e));
}

}  // namespace sipcall
