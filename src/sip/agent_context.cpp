#include "agent_context.h"

#include "sipcall/transport/stream_bridge.h"
#include "trace_tap.h"

namespace sipcall {

bool AgentContext::from_network(int status, sip_t const* sip) const {
  return trace_tap && trace_tap->from_network(status, sip);
}

std::string AgentContext::transport_detail() const { return bridge ? bridge->last_error() : std::string(); }

SipAccount AgentContext::own_account() const {
  return {options.user, options.auth_user, options.display_name, options.password};
}

std::string AgentContext::aor_of(const std::string& user) const { return "sip:" + user + "@" + url_host(options.domain); }

Result<bool> answer_challenge(sofia_digest::Session& auth, nua_handle_t* nh, sip_t const* sip,
                              const SipAccount& account) {
  return auth.answer(nh, sip, account.auth_user.empty() ? account.user : account.auth_user, account.password);
}

}  // namespace sipcall
