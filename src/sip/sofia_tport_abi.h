// The part of Sofia-SIP's transport ABI that our transport types build on.
// Included only by the src/sip files that register transport types.
#pragma once

#include <sofia-sip/su.h>
#include <sofia-sip/tport.h>

// Sofia-SIP does not install tport_internal.h, but exports the functions and
// vtables a transport type is made of. The struct below mirrors
// `struct tport_vtable` of sofia-sip 1.12.11 (libsofia-sip-ua0, the only
// version this project builds against); its layout is ABI of that release.
extern "C" {
struct tport_primary_t;
typedef struct tport_primary_t tport_primary_t;

struct SofiaTportVtable {
  char const* vtp_name;
  enum tport_via vtp_public;
  size_t vtp_pri_size;
  int (*vtp_init_primary)(tport_primary_t* pri, tp_name_t tpn[1], su_addrinfo_t* ai, tagi_t const*,
                          char const** return_culprit);
  void (*vtp_deinit_primary)(tport_primary_t* pri);
  int (*vtp_wakeup_pri)(tport_primary_t* pri, int events);
  tport_t* (*vtp_connect)(tport_primary_t* pri, su_addrinfo_t* ai, tp_name_t const* tpn);
  size_t vtp_secondary_size;
  int (*vtp_init_secondary)(tport_t*, int socket, int accepted, char const** return_reason);
  void (*vtp_deinit_secondary)(tport_t*);
  void (*vtp_shutdown)(tport_t*, int how);
  int (*vtp_set_events)(tport_t const* self);
  int (*vtp_wakeup)(tport_t* self, int events);
  int (*vtp_recv)(tport_t* self);
  ssize_t (*vtp_send)(tport_t const* self, msg_t* msg, void* iov, size_t iovused);
  void (*vtp_deliver)(tport_t* self, msg_t* msg, su_time_t now);
  int (*vtp_prepare)(tport_t* self, msg_t* msg, tp_name_t const* tpn, void* cc, unsigned mtu);
  int (*vtp_keepalive)(tport_t* self, su_addrinfo_t const* ai, tagi_t const* taglist);
  int (*vtp_stun_response)(tport_t const* self, void* msg, size_t msglen, void* addr, socklen_t addrlen);
  int (*vtp_next_secondary_timer)(tport_t* self, su_time_t*, char const** return_why);
  void (*vtp_secondary_timer)(tport_t* self, su_time_t);
};

int tport_register_type(SofiaTportVtable const* vtp);
}
