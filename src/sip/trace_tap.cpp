#include "trace_tap.h"

#include <algorithm>
#include <cstdio>

#include <sofia-sip/sip.h>
#include <sofia-sip/su_log.h>

// Sofia's log objects, exported by the library without public headers.
extern "C" su_log_t tport_log[];
extern "C" su_log_t nta_log[];
extern "C" su_log_t nua_log[];

namespace sipcall {
namespace {

TraceTap* g_owner = nullptr;  // su_log redirection has one global sink

void trace_logger(void*, char const* fmt, va_list ap) {
  if (g_owner) g_owner->feed_log(fmt, ap);
}

void quiet_logger(void*, char const*, va_list) {}

}  // namespace

Result<std::unique_ptr<TraceTap>> TraceTap::claim(Sink sink) {
  if (g_owner)
    return Error::internal("Sofia-SIP's log is already tapped: one SipAgent per process (sip_agent.h)");
  std::unique_ptr<TraceTap> tap(new TraceTap(std::move(sink)));
  g_owner = tap.get();
  su_log_redirect(su_log_default, trace_logger, nullptr);
  su_log_redirect(tport_log, quiet_logger, nullptr);
  su_log_redirect(nta_log, quiet_logger, nullptr);
  su_log_redirect(nua_log, quiet_logger, nullptr);
  return tap;
}

TraceTap::TraceTap(Sink sink) : sink_(std::move(sink)) {}

TraceTap::~TraceTap() {
  if (g_owner == this) g_owner = nullptr;
}

void TraceTap::feed_log(const char* fmt, va_list ap) {
  char buf[4096];
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  if (n <= 0) return;
  feed(std::string_view(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1)));
}

void TraceTap::feed(std::string_view text) {
  SipTrace trace;
  while (parser_.feed(text, trace)) {
    text = {};
    trace.elapsed_ms = static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_).count());
    if (!trace.outgoing) {
      if (int status = response_status(trace.text)) {
        std::string k = key(status, cseq(trace.text), header_value(trace.text, "call-id", "i"));
        if (received_.insert(k).second) {
          received_order_.push_back(std::move(k));
          if (received_order_.size() > kKept) {
            received_.erase(received_order_.front());
            received_order_.pop_front();
          }
        }
      }
    }
    if (sink_) sink_(std::move(trace));
    trace = {};
  }
}

std::string TraceTap::key(int status, std::string_view cseq, std::string_view call_id) {
  std::string k = std::to_string(status);
  k += ' ';
  k += cseq;
  k += ' ';
  k += call_id;
  return k;
}

bool TraceTap::received(int status, std::string_view cseq, std::string_view call_id) const {
  return received_.count(key(status, cseq, call_id)) > 0;
}

bool TraceTap::from_network(int status, sip_t const* sip) const {
  if (!sip || !sip->sip_cseq) return false;
  std::string cseq = std::to_string(sip->sip_cseq->cs_seq) + " " +
                     (sip->sip_cseq->cs_method_name ? sip->sip_cseq->cs_method_name : "");
  return received(status, cseq, sip->sip_call_id && sip->sip_call_id->i_id ? sip->sip_call_id->i_id : "");
}

}  // namespace sipcall
