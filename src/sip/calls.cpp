#include "calls.h"

#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>

#include <cstring>

#include "dtmf_info.h"
#include "sipcall/media/srtp/sdes_keying.h"

namespace sipcall {
namespace {

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

// The digit of a SIP INFO (dtmf_info.h), or 0.
char dtmf_digit_of(sip_t const* sip) {
  if (!sip || !sip->sip_content_type || !sip->sip_content_type->c_type) return 0;
  if (!sip->sip_payload || !sip->sip_payload->pl_data) return 0;
  return dtmf_info_digit(sip->sip_content_type->c_type,
                         std::string_view(sip->sip_payload->pl_data, sip->sip_payload->pl_len));
}

// The caller as "Name <sip:user@host>", without the From tag.
std::string caller_of(sip_t const* sip) {
  if (!sip || !sip->sip_from) return {};
  std::string peer;
  char* from = sip_header_as_string(nullptr, reinterpret_cast<sip_header_t const*>(sip->sip_from));
  if (from) {
    peer = from;
    auto tag = peer.find(";tag=");
    if (tag != std::string::npos) peer.erase(tag);
  }
  su_free(nullptr, from);
  return peer;
}

// The first Warning's text of a response, made safe to print: one line,
// bounded, and no SDES key even if a far end quoted one.
std::string warning_of(sip_t const* sip) {
  if (!sip || !sip->sip_warning || !sip->sip_warning->w_text) return {};
  std::string text(sip->sip_warning->w_text, strnlen(sip->sip_warning->w_text, 200));
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return media::redact_sdes_keys(text);
}

// A Warning's text: a quoted-string of one line, at most 200 characters.
std::string warning_text(const std::string& text) {
  std::string out = "\"";
  for (char c : text.substr(0, 200)) {
    if (c == '"' || c == '\\') out += '\\';
    out += (c == '\r' || c == '\n' || c == '\t') ? ' ' : c;
  }
  return out + "\"";
}

// The warn-agent: our address, an IPv6 one in brackets.
std::string host_port(const std::string& address) {
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

}  // namespace

int Calls::invite(const std::string& target_uri, const std::string& sdp_offer) {
  nua_handle_t* nh = nua_handle(agent_.nua, nullptr, SIPTAG_TO_STR(target_uri.c_str()), TAG_END());
  int id = next_call_id_++;
  calls_[nh].id = id;
  nua_invite(nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp_offer.c_str()), TAG_END());
  return id;
}

void Calls::respond(int call, int status, const std::string& sdp) {
  nua_handle_t* nh = handle_of(call);
  if (!nh) return;
  // nua keeps the phrase pointer until it sends the response: only static
  // strings will do.
  char const* phrase = sip_status_phrase(status);
  nua_respond(nh, status, phrase ? phrase : "Unknown", TAG_IF(!sdp.empty(), SIPTAG_CONTENT_TYPE_STR("application/sdp")),
              TAG_IF(!sdp.empty(), SIPTAG_PAYLOAD_STR(sdp.c_str())), TAG_END());
}

void Calls::refuse(int call, int status, const std::string& warning) {
  nua_handle_t* nh = handle_of(call);
  if (!nh) return;
  char const* phrase = sip_status_phrase(status);
  const std::string agent = agent_.options.local_address.empty() ? "sip-call" : host_port(agent_.options.local_address);
  const std::string header = "399 " + agent + " " + warning_text(warning);
  nua_respond(nh, status, phrase ? phrase : "Unknown", SIPTAG_WARNING_STR(header.c_str()), TAG_END());
}

void Calls::respond_update(int call, int status, const std::string& sdp) {
  nua_handle_t* nh = handle_of(call);
  if (!nh || calls_[nh].updates.empty()) return;
  std::shared_ptr<nua_saved_event_t> update = std::move(calls_[nh].updates.front());
  calls_[nh].updates.pop_front();
  if (!update) return;  // nua could not save it
  char const* phrase = sip_status_phrase(status);
  nua_respond(nh, status, phrase ? phrase : "Unknown", NUTAG_WITH_SAVED(update.get()),
              TAG_IF(!sdp.empty(), SIPTAG_CONTENT_TYPE_STR("application/sdp")),
              TAG_IF(!sdp.empty(), SIPTAG_PAYLOAD_STR(sdp.c_str())), TAG_END());
}

void Calls::cancel(int call) {
  if (nua_handle_t* nh = handle_of(call)) nua_cancel(nh, TAG_END());
}

void Calls::bye(int call) {
  nua_handle_t* nh = handle_of(call);
  if (!nh) return;
  calls_[nh].bye_pending = true;
  nua_bye(nh, TAG_END());
}

void Calls::send_dtmf_info(int call, char digit, int duration_ms) {
  nua_handle_t* nh = handle_of(call);
  if (!nh) return;
  std::string body = std::string("Signal=") + digit + "\r\nDuration=" + std::to_string(duration_ms) + "\r\n";
  nua_info(nh, SIPTAG_CONTENT_TYPE_STR("application/dtmf-relay"), SIPTAG_PAYLOAD_STR(body.c_str()), TAG_END());
}

void Calls::destroy_handles() {
  for (auto& [nh, call] : calls_) {
    call.updates.clear();  // a saved event belongs to nua
    nua_handle_destroy(nh);
  }
}

bool Calls::handles(nua_event_t event) {
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
      return true;
    default:
      return false;
  }
}

void Calls::emit_call(SipEventType type, int call, int status, char const* phrase, sip_t const* sip) {
  SipEvent e;
  e.type = type;
  e.call = call;
  e.status = status;
  e.phrase = phrase ? phrase : "";
  e.from_network = agent_.from_network(status, sip);
  if (!e.from_network && type == SipEventType::call_failed) e.detail = agent_.transport_detail();
  e.body = body_of(sip);
  if (type == SipEventType::call_failed) e.warning = warning_of(sip);
  agent_.emit(std::move(e));
}

// A challenge to our INVITE that we do not answer: the call fails with why.
void Calls::emit_refused_call(int call, int status, char const* phrase, const Error& why) {
  SipEvent e;
  e.type = SipEventType::call_failed;
  e.call = call;
  e.status = status;
  e.phrase = phrase ? phrase : "";
  e.verdict = why.kind();
  e.detail = why.message();
  agent_.emit(std::move(e));
}

void Calls::release_call(nua_handle_t* nh) {
  auto it = calls_.find(nh);
  if (it == calls_.end()) return;
  int id = it->second.id;
  calls_.erase(it);
  nua_handle_destroy(nh);
  SipEvent e;
  e.type = SipEventType::call_terminated;
  e.call = id;
  agent_.emit(std::move(e));
}

nua_handle_t* Calls::handle_of(int call) const {
  for (const auto& [nh, c] : calls_)
    if (c.id == call) return nh;
  return nullptr;
}

void Calls::on_new_invite(nua_handle_t* nh, sip_t const* sip) {
  if (!agent_.options.accept_calls) {
    nua_respond(nh, 480, "Temporarily Unavailable", TAG_END());
    nua_handle_destroy(nh);
    return;
  }
  auto it = calls_.emplace(nh, Call{}).first;
  it->second.id = next_call_id_++;
  SipEvent e;
  e.type = SipEventType::incoming_call;
  e.call = it->second.id;
  e.body = body_of(sip);
  e.peer = caller_of(sip);
  agent_.emit(std::move(e));
}

void Calls::on_invite_response(Call& call, int status, char const* phrase, nua_handle_t* nh, sip_t const* sip) {
  if (status < 200) {
    if (status > 100) emit_call(SipEventType::call_progress, call.id, status, phrase, sip);
  } else if (status < 300) {
    emit_call(SipEventType::call_answered, call.id, status, phrase, sip);
  } else if ((status == 401 || status == 407) && !agent_.options.password.empty() && sip &&
             agent_.from_network(status, sip)) {
    auto answered = answer_challenge(call.auth, nh, sip, agent_.own_account());
    if (answered.ok() && answered.value()) return;  // resent with credentials; the next response decides
    if (!answered.ok()) emit_refused_call(call.id, status, phrase, answered.error());
    else emit_call(SipEventType::call_failed, call.id, status, phrase, sip);
    // nua keeps a challenged INVITE for an nua_authenticate() that will
    // not come; released now, or it holds its messages until exit.
    release_call(nh);
  } else {
    emit_call(SipEventType::call_failed, call.id, status, phrase, sip);
  }
}

void Calls::on_event(nua_event_t event, int status, char const* phrase, nua_handle_t* nh, sip_t const* sip,
                     tagi_t const* tags) {
  auto it = calls_.find(nh);
  if (event == nua_i_invite && it == calls_.end()) return on_new_invite(nh, sip);
  if (it == calls_.end()) return;  // a handle we already released
  Call& call = it->second;
  switch (event) {
    case nua_r_invite:
      on_invite_response(call, status, phrase, nh, sip);
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
        nua_respond(nh, SIP_491_REQUEST_PENDING, NUTAG_WITH_THIS(agent_.nua), TAG_END());
        break;
      }
      call.updates.push_back(saved_event(agent_.nua));
      emit_call(SipEventType::call_update, call.id, status, phrase, sip);
      break;
    case nua_i_bye:
    case nua_i_cancel:
      emit_call(SipEventType::remote_hangup, call.id, status, phrase, sip);
      break;
    case nua_r_bye:
      if (status < 200) break;
      call.bye_pending = false;
      emit_call(SipEventType::bye_answered, call.id, status, phrase, sip);
      if (call.terminated) release_call(nh);
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
        agent_.emit(std::move(e));
      }
      break;
    case nua_i_state: {
      int state = nua_callstate_init;
      tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
      if (state == nua_callstate_ready) call.confirmed = true;
      if (state != nua_callstate_terminated) break;
      if (call.bye_pending) {
        call.terminated = true;  // the far end's BYE crossed ours: its answer still counts
        break;
      }
      release_call(nh);
      break;
    }
    default:
      break;
  }
}

}  // namespace sipcall
