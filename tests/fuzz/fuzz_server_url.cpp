// --server parsing (server_url.h) on arbitrary text. Whatever parses must
// print (to_string, as reports show it) as a URL that parses back to the
// same transport, host, port and path.
#include "fuzz_support.h"
#include "sipcall/config/server_url.h"

using namespace sipcall;
using sipcall::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)is_ip_literal(text);
  auto url = parse_server_url(text);
  if (!url.ok()) {
    check(url.error().kind() == ErrorKind::bad_input, "a bad URL is not a usage error");
    return 0;
  }
  check(!url->host.empty() && url->port != 0, "parsed URL without host or port");
  check((url->transport == Transport::ws || url->transport == Transport::wss) == !url->path.empty(),
        "path set for a SIP transport or missing for a WebSocket");
  (void)url->host_port();
  (void)is_ip_literal(url->host);
  (void)transport_label(url->transport);

  auto again = parse_server_url(url->to_string());
  check(again.ok(), "a printed URL does not parse");
  check(again->transport == url->transport && again->host == url->host && again->port == url->port &&
            again->path == url->path,
        "a printed URL parses to a different server");
  return 0;
}
