#include "event_queue.h"

#include <algorithm>
#include <cstdio>

#include "sipcall/commands/signals.h"

namespace sipcall {

namespace {

// "-> INVITE sip:102@pbx.test", "<- 180 Ringing", "<- 200 OK (BYE)".
std::string flow_text(const SipTrace& t) {
  std::string_view first = start_line(t.text);
  std::string text;
  if (response_status(t.text)) {
    text = flow_label(t.text);
    std::string method = cseq(t.text);
    auto space = method.find(' ');
    if (space != std::string::npos) method = method.substr(space + 1);
    if (!method.empty() && method != "INVITE") text += " (" + method + ")";
  } else {
    auto end = first.rfind(" SIP/2.0");
    text = std::string(end == std::string_view::npos ? first : first.substr(0, end));
  }
  return text;
}

}  // namespace

void EventQueue::on_sip_event(const SipEvent& e) {
  if (e.type == SipEventType::request_ignored) {
    // A flood of them must not flood stderr: the first few are named, the
    // rest only counted.
    constexpr long kNamed = 5;
    if (++requests_ignored_ > kNamed) return;
    reporter_.line("ignored " + e.detail + ": not the server (--accept-from any takes it)" +
                   (requests_ignored_ == kNamed ? "; further ones are only counted" : ""));
    reporter_.event(JsonObject().add("event", "request_ignored").add("request", e.detail));
    return;
  }
  if (e.type != SipEventType::trace) {
    events_.push_back(e);
    return;
  }
  reporter_.trace(e.trace);
  if (observer_) observer_(e.trace);
  if (!flow_lines_) return;
  std::string text = flow_text(e.trace);
  if (!reporter_.verbose()) {
    char head[32];
    std::snprintf(head, sizeof head, "[%6ld ms] %s ", e.trace.elapsed_ms, e.trace.outgoing ? "->" : "<-");
    reporter_.line(head + text);
  }
  reporter_.event(JsonObject().add("event", "sip").add("ms", e.trace.elapsed_ms)
                      .add("direction", e.trace.outgoing ? "out" : "in").add("message", text));
}

bool EventQueue::pop(SipEvent& out) {
  if (events_.empty()) return false;
  out = std::move(events_.front());
  events_.pop_front();
  return true;
}

Wait wait_event(Signalling& agent, EventQueue& queue, SipEvent& out, Clock::time_point deadline, bool stop_on_signal,
                int signals_seen) {
  for (;;) {
    if (queue.pop(out)) return Wait::event;
    if (stop_on_signal && signals_received() > signals_seen) return Wait::signal;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return Wait::timeout;
    // Sofia delivers a message read late in one step only in the next, and
    // that step then still blocks in poll: a non-blocking step first hands
    // over what is already queued (up to 100 ms sooner on TCP).
    agent.run_for(0);
    if (queue.pop(out)) return Wait::event;
    agent.run_for(static_cast<int>(std::min<long long>(left, 100)));
  }
}

}  // namespace sipcall
