// libnice is loaded when the first IceAgent starts, not when sip-call
// starts. Debian's libnice links GIO, GnuTLS and gupnp-igd, which bring
// libsoup, libxml2, ICU, Kerberos and more (44 libraries): loading them
// costs a process about 7.5 MB of resident pages before any agent exists,
// which a registration or a plain RTP call never uses. Internal to
// src/media/ice; ice_agent.cpp is the only caller.
#pragma once

#include <nice/agent.h>

#include <string>

namespace sipcall::media::ice {

// The libnice, GObject and GLib functions IceAgent uses (GLib's come from
// libnice's own dependencies), named as in their headers.
#define SIPCALL_NICE_FUNCTIONS(X)                                                                           \
  X(g_main_context_new) X(g_main_context_unref) X(g_main_context_invoke) X(g_main_context_iteration)        \
  X(g_main_context_push_thread_default) X(g_main_context_pop_thread_default) X(g_main_loop_new)            \
  X(g_main_loop_run) X(g_main_loop_quit) X(g_main_loop_unref) X(g_timeout_source_new)                      \
  X(g_source_set_callback) X(g_source_attach) X(g_source_unref) X(g_slist_append) X(g_slist_free_full)     \
  X(g_strlcpy) X(g_object_set) X(g_object_unref) X(g_signal_connect_data) X(nice_address_set_from_string)  \
  X(nice_address_to_string) X(nice_address_get_port) X(nice_address_set_port) X(nice_candidate_new)        \
  X(nice_candidate_free) X(nice_agent_new_full) X(nice_agent_add_local_address) X(nice_agent_add_stream)   \
  X(nice_agent_set_port_range) X(nice_agent_set_local_credentials) X(nice_agent_attach_recv)               \
  X(nice_agent_gather_candidates) X(nice_agent_get_local_candidates) X(nice_agent_set_remote_credentials)  \
  X(nice_agent_set_remote_candidates) X(nice_agent_send) X(nice_agent_close_async)

struct NiceApi {
#define SIPCALL_NICE_SLOT(name) decltype(&::name) name;
  SIPCALL_NICE_FUNCTIONS(SIPCALL_NICE_SLOT)
#undef SIPCALL_NICE_SLOT
};

// Loads libnice.so.10 at the first call (thread-safe) and keeps it for the
// life of the process: GLib's type system cannot be unloaded. Null when it
// cannot be loaded; then *why_not (if given) says why.
const NiceApi* nice_api(std::string* why_not = nullptr);

}  // namespace sipcall::media::ice
