#include "ice_agent.h"


#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "nice_library.h"

namespace sipcall::media::ice {

namespace {

using Clock = std::chrono::steady_clock;

// Loaded by IceAgent::start() before anything here runs.
const NiceApi& nice() { return *nice_api(); }

CandidateType from_nice(NiceCandidateType t) {
  switch (t) {
    case NICE_CANDIDATE_TYPE_HOST: return CandidateType::host;
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: return CandidateType::srflx;
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE: return CandidateType::prflx;
    case NICE_CANDIDATE_TYPE_RELAYED: return CandidateType::relay;
  }
  return CandidateType::host;
}

NiceCandidateType to_nice(CandidateType t) {
  switch (t) {
    case CandidateType::host: return NICE_CANDIDATE_TYPE_HOST;
    case CandidateType::srflx: return NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE;
    case CandidateType::prflx: return NICE_CANDIDATE_TYPE_PEER_REFLEXIVE;
    case CandidateType::relay: return NICE_CANDIDATE_TYPE_RELAYED;
  }
  return NICE_CANDIDATE_TYPE_HOST;
}

std::string address_text(const NiceAddress& a) {
  char buf[NICE_ADDRESS_STRING_LEN];
  nice().nice_address_to_string(&a, buf);
  return buf;
}

PairEnd pair_end(const NiceCandidate& c) {
  return PairEnd{from_nice(c.type), address_text(c.addr), static_cast<uint16_t>(nice().nice_address_get_port(&c.addr))};
}

}  // namespace

const char* ice_state_name(IceState state) {
  switch (state) {
    case IceState::gathering: return "gathering";
    case IceState::waiting: return "waiting";
    case IceState::checking: return "checking";
    case IceState::connected: return "connected";
    case IceState::ready: return "ready";
    case IceState::failed: return "failed";
    case IceState::stopped: return "stopped";
  }
  return "failed";
}

std::string PairEnd::to_string() const {
  const bool v6 = address.find(':') != std::string::npos;
  return std::string(candidate_type_name(type)) + ' ' + (v6 ? "[" + address + "]" : address) + ':' +
         std::to_string(port);
}

struct IceAgent::Impl {
  ReceiveCallback receive;
  GMainContext* context = nullptr;
  GMainLoop* loop = nullptr;
  NiceAgent* agent = nullptr;
  guint stream_id = 0;
  std::thread thread;
  Credentials local_credentials;
  std::vector<Candidate> local_candidates;

  // Everything below is written by libnice's signals, which run on the ICE
  // thread or, for some, inside the nice_agent_* call that caused them on
  // the caller's: never call libnice while holding mutex.
  mutable std::mutex mutex;
  std::condition_variable changed;
  IceState state = IceState::gathering;
  bool gathering_done = false;
  bool remote_set = false;
  std::optional<SelectedPair> pair;
  Clock::time_point checks_started;
  std::optional<double> checks_ms;
  std::string failure;

  // send() holds it shared while it uses agent; stop() exclusively to end that.
  std::shared_mutex send_mutex;
  bool closed = false;
  bool stopped = false;  // stop() ran (caller thread only)

  void set_failed(std::string why) {
    if (state == IceState::failed || state == IceState::stopped) return;
    state = IceState::failed;
    failure = std::move(why);
    changed.notify_all();
  }
};

namespace {

void on_gathering_done(NiceAgent*, guint, gpointer data) {
  auto* impl = static_cast<IceAgent::Impl*>(data);
  std::lock_guard lock(impl->mutex);
  impl->gathering_done = true;
  impl->changed.notify_all();
}

void on_state_changed(NiceAgent*, guint, guint, guint nice_state, gpointer data) {
  auto* impl = static_cast<IceAgent::Impl*>(data);
  std::lock_guard lock(impl->mutex);
  // Failed (libnice's or our deadline's) and stopped are final.
  if (impl->state == IceState::failed || impl->state == IceState::stopped) return;
  switch (nice_state) {
    case NICE_COMPONENT_STATE_CONNECTING:
      if (impl->remote_set) impl->state = IceState::checking;
      break;
    case NICE_COMPONENT_STATE_CONNECTED:
    case NICE_COMPONENT_STATE_READY:
      if (!impl->checks_ms && impl->remote_set)
        impl->checks_ms = std::chrono::duration<double, std::milli>(Clock::now() - impl->checks_started).count();
      impl->state = nice_state == NICE_COMPONENT_STATE_READY ? IceState::ready : IceState::connected;
      break;
    case NICE_COMPONENT_STATE_FAILED:
      impl->set_failed("ICE failed: no candidate pair answered the connectivity checks");
      break;
    default:
      break;
  }
  impl->changed.notify_all();
}

void on_selected_pair(NiceAgent*, guint, guint, NiceCandidate* local, NiceCandidate* remote, gpointer data) {
  auto* impl = static_cast<IceAgent::Impl*>(data);
  if (!local || !remote) return;
  SelectedPair p{pair_end(*local), pair_end(*remote)};
  std::lock_guard lock(impl->mutex);
  impl->pair = std::move(p);
  impl->changed.notify_all();
}

void on_receive(NiceAgent*, guint, guint, guint len, gchar* buf, gpointer data) {
  auto* impl = static_cast<IceAgent::Impl*>(data);
  if (impl->receive && len > 0) impl->receive({reinterpret_cast<const uint8_t*>(buf), len});
}

void on_closed(GObject*, GAsyncResult*, gpointer data) {
  nice().g_main_loop_quit(static_cast<GMainLoop*>(data));
}

// On the ICE thread: ask libnice to close (it frees TURN allocations the
// polite way), and give up after 2 s should it never call back.
gboolean begin_close(gpointer data) {
  auto* impl = static_cast<IceAgent::Impl*>(data);
  nice().nice_agent_close_async(impl->agent, on_closed, impl->loop);
  GSource* timeout = nice().g_timeout_source_new(2000);
  nice().g_source_set_callback(
      timeout, [](gpointer loop) -> gboolean {
        nice().g_main_loop_quit(static_cast<GMainLoop*>(loop));
        return G_SOURCE_REMOVE;
      },
      impl->loop, nullptr);
  nice().g_source_attach(timeout, impl->context);
  nice().g_source_unref(timeout);
  return G_SOURCE_REMOVE;
}

void run_ice_thread(IceAgent::Impl* impl) {
  nice().g_main_context_push_thread_default(impl->context);
  nice().g_main_loop_run(impl->loop);
  // The agent dies on its own thread, then whatever sources its death
  // destroyed are dispatched, so that the context is empty when unreffed.
  nice().nice_agent_attach_recv(impl->agent, impl->stream_id, 1, impl->context, nullptr, nullptr);
  nice().g_object_unref(impl->agent);
  impl->agent = nullptr;
  while (nice().g_main_context_iteration(impl->context, FALSE)) {
  }
  nice().g_main_context_pop_thread_default(impl->context);
}

Error check_options(const IceAgentOptions& o) {
  if (o.stun_server || !o.turn_servers.empty())
    return Error::bad_input("ICE: STUN and TURN servers are not supported yet");
  if (o.port_min > o.port_max || (o.port_min == 0) != (o.port_max == 0))
    return Error::bad_input("ICE: bad port range " + std::to_string(o.port_min) + "-" + std::to_string(o.port_max));
  for (const auto& a : o.local_addresses) {
    NiceAddress addr;
    if (!nice().nice_address_set_from_string(&addr, a.c_str()))
      return Error::bad_input("ICE: local address '" + a + "' is not a numeric IP address");
  }
  return {};
}

}  // namespace

IceAgent::IceAgent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

IceAgent::~IceAgent() { stop(); }

Result<std::unique_ptr<IceAgent>> IceAgent::start(const IceAgentOptions& options, ReceiveCallback receive) {
  std::string why_not;
  if (!nice_api(&why_not)) return Error::internal("ICE: cannot load libnice: " + why_not);
  if (auto e = check_options(options)) return e;
  auto credentials = random_credentials();
  if (!credentials.ok()) return credentials.error();

  auto impl = std::make_unique<Impl>();
  impl->receive = std::move(receive);
  impl->local_credentials = std::move(credentials.value());
  impl->context = nice().g_main_context_new();
  impl->loop = nice().g_main_loop_new(impl->context, FALSE);
  // RFC 8445 dropped aggressive nomination, libnice's default: regular it is.
  impl->agent =
      nice().nice_agent_new_full(impl->context, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_REGULAR_NOMINATION);
  std::unique_ptr<IceAgent> self(new IceAgent(std::move(impl)));
  Impl& d = *self->impl_;
  // UDP only; no UPnP port mapping (it would search the LAN for a router).
  nice().g_object_set(d.agent, "controlling-mode", options.controlling ? TRUE : FALSE, "ice-tcp", FALSE, "upnp", FALSE,
               nullptr);
  for (const auto& a : options.local_addresses) {
    NiceAddress addr;
    nice().nice_address_set_from_string(&addr, a.c_str());
    nice().nice_agent_add_local_address(d.agent, &addr);
  }
  d.stream_id = nice().nice_agent_add_stream(d.agent, 1);
  if (d.stream_id == 0) return Error::internal("ICE: libnice could not add a stream");
  if (options.port_min != 0)
    nice().nice_agent_set_port_range(d.agent, d.stream_id, 1, options.port_min, options.port_max);
  if (!nice().nice_agent_set_local_credentials(d.agent, d.stream_id, d.local_credentials.ufrag.c_str(),
                                        d.local_credentials.pwd.c_str()))
    return Error::internal("ICE: libnice refused our credentials");
  const auto connect = [&](const char* signal, GCallback handler) {
    nice().g_signal_connect_data(d.agent, signal, handler, &d, nullptr, GConnectFlags(0));
  };
  connect("candidate-gathering-done", G_CALLBACK(on_gathering_done));
  connect("component-state-changed", G_CALLBACK(on_state_changed));
  connect("new-selected-pair-full", G_CALLBACK(on_selected_pair));
  nice().nice_agent_attach_recv(d.agent, d.stream_id, 1, d.context, on_receive, &d);
  d.thread = std::thread(run_ice_thread, &d);

  if (!nice().nice_agent_gather_candidates(d.agent, d.stream_id)) {
    std::string where = options.port_min ? " in ports " + std::to_string(options.port_min) + "-" +
                                               std::to_string(options.port_max)
                                         : std::string();
    return Error::no_local_address("ICE: could not bind a UDP port for a host candidate" + where);
  }
  {
    std::unique_lock lock(d.mutex);
    if (!d.changed.wait_for(lock, options.gathering_timeout, [&] { return d.gathering_done; }))
      return Error::unreachable("ICE: gathering candidates took longer than " +
                            std::to_string(options.gathering_timeout.count()) + " ms");
  }
  GSList* list = nice().nice_agent_get_local_candidates(d.agent, d.stream_id, 1);
  for (GSList* i = list; i; i = i->next) {
    const auto* c = static_cast<const NiceCandidate*>(i->data);
    if (c->transport != NICE_CANDIDATE_TRANSPORT_UDP) continue;
    Candidate ours;
    ours.foundation = c->foundation;
    ours.component = c->component_id;
    ours.priority = c->priority;
    ours.address = address_text(c->addr);
    ours.port = static_cast<uint16_t>(nice().nice_address_get_port(&c->addr));
    ours.type = from_nice(c->type);
    if (ours.type != CandidateType::host) {
      ours.related_address = address_text(c->base_addr);
      ours.related_port = static_cast<uint16_t>(nice().nice_address_get_port(&c->base_addr));
    }
    d.local_candidates.push_back(std::move(ours));
  }
  nice().g_slist_free_full(list, reinterpret_cast<GDestroyNotify>(nice().nice_candidate_free));
  if (d.local_candidates.empty()) return Error::no_local_address("ICE: no host candidate (no usable local address)");
  {
    std::lock_guard lock(d.mutex);
    if (d.state == IceState::gathering) d.state = IceState::waiting;
  }
  return self;
}

Credentials IceAgent::local_credentials() const { return impl_->local_credentials; }

const std::vector<Candidate>& IceAgent::local_candidates() const { return impl_->local_candidates; }

Error IceAgent::set_remote(const std::string& ufrag, const std::string& pwd, const std::vector<Candidate>& candidates) {
  Impl& d = *impl_;
  if (auto e = check_ufrag(ufrag)) return e;
  if (auto e = check_pwd(pwd)) return e;
  if (candidates.empty()) return Error::unusable_sdp("ICE: the far end gave no candidate");
  {
    std::lock_guard lock(d.mutex);
    if (d.stopped || d.state == IceState::stopped) return Error::internal("ICE: agent stopped");
    if (d.remote_set) return Error::internal("ICE: remote candidates given twice");
    d.remote_set = true;
    d.checks_started = Clock::now();
    if (d.state == IceState::waiting || d.state == IceState::gathering) d.state = IceState::checking;
  }
  if (!nice().nice_agent_set_remote_credentials(d.agent, d.stream_id, ufrag.c_str(), pwd.c_str()))
    return Error::internal("ICE: libnice refused the far end's credentials");
  GSList* list = nullptr;
  for (const auto& c : candidates) {
    NiceCandidate* n = nice().nice_candidate_new(to_nice(c.type));
    n->transport = NICE_CANDIDATE_TRANSPORT_UDP;
    n->stream_id = d.stream_id;
    n->component_id = c.component;
    n->priority = c.priority;
    nice().g_strlcpy(n->foundation, c.foundation.c_str(), NICE_CANDIDATE_MAX_FOUNDATION);
    if (!nice().nice_address_set_from_string(&n->addr, c.address.c_str())) {
      nice().nice_candidate_free(n);
      continue;
    }
    nice().nice_address_set_port(&n->addr, c.port);
    if (c.related_address && nice().nice_address_set_from_string(&n->base_addr, c.related_address->c_str()))
      nice().nice_address_set_port(&n->base_addr, c.related_port);
    list = nice().g_slist_append(list, n);
  }
  const int added = list ? nice().nice_agent_set_remote_candidates(d.agent, d.stream_id, 1, list) : 0;
  nice().g_slist_free_full(list, reinterpret_cast<GDestroyNotify>(nice().nice_candidate_free));
  if (added <= 0) {
    std::lock_guard lock(d.mutex);
    d.set_failed("ICE: libnice took none of the far end's candidates");
    return Error::no_media(d.failure);
  }
  return {};
}

Result<SelectedPair> IceAgent::wait_connected(std::chrono::milliseconds timeout) {
  Impl& d = *impl_;
  std::unique_lock lock(d.mutex);
  const auto done = [&] {
    return d.state == IceState::failed || d.state == IceState::stopped ||
           ((d.state == IceState::connected || d.state == IceState::ready) && d.pair);
  };
  if (!d.changed.wait_for(lock, timeout, done))
    d.set_failed("ICE failed: no working candidate pair within " + std::to_string(timeout.count()) + " ms");
  if (d.state == IceState::failed) return Error::no_media(d.failure);
  if (d.state == IceState::stopped) return Error::internal("ICE: agent stopped");
  return *d.pair;
}

IceState IceAgent::state() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->state;
}

std::optional<SelectedPair> IceAgent::selected_pair() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->pair;
}

std::optional<double> IceAgent::checks_ms() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->checks_ms;
}

Error IceAgent::send(std::span<const uint8_t> datagram) {
  Impl& d = *impl_;
  if (datagram.empty() || datagram.size() > 65507) return Error::internal("ICE: datagram size out of range");
  std::shared_lock closing(d.send_mutex);
  if (d.closed) return Error::no_media("ICE: agent stopped");
  {
    std::lock_guard lock(d.mutex);
    if (d.state != IceState::connected && d.state != IceState::ready)
      return Error::no_media(std::string("ICE: cannot send while ") + ice_state_name(d.state));
  }
  const gint sent = nice().nice_agent_send(d.agent, d.stream_id, 1, static_cast<guint>(datagram.size()),
                                    reinterpret_cast<const gchar*>(datagram.data()));
  if (sent != static_cast<gint>(datagram.size())) return Error::unreachable("ICE: datagram not sent");
  return {};
}

void IceAgent::stop() {
  if (!impl_) return;
  Impl& d = *impl_;
  if (d.stopped) return;
  if (d.thread.joinable() && d.thread.get_id() == std::this_thread::get_id()) {
    std::fputs("IceAgent::stop() called on the ICE thread (from the receive callback)\n", stderr);
    std::abort();
  }
  d.stopped = true;
  {
    std::unique_lock closing(d.send_mutex);
    d.closed = true;
  }
  {
    std::lock_guard lock(d.mutex);
    d.state = IceState::stopped;
    d.changed.notify_all();
  }
  if (d.thread.joinable()) {
    nice().g_main_context_invoke(d.context, begin_close, &d);
    d.thread.join();
  } else if (d.agent) {
    nice().g_object_unref(d.agent);
    d.agent = nullptr;
  }
  if (d.loop) nice().g_main_loop_unref(d.loop);
  if (d.context) nice().g_main_context_unref(d.context);
  d.loop = nullptr;
  d.context = nullptr;
}

}  // namespace sipcall::media::ice
