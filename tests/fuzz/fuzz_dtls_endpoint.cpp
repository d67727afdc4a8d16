// Datagrams from a hostile peer fed to a DTLS server endpoint
// (media/dtls/dtls_endpoint.h), once fresh and once mid-handshake (after a
// real client's ClientHello). Input: datagrams as [u16 length][bytes]...
// Whatever comes, no crash, and no connection: only a peer that can finish
// the handshake with the expected certificate could get one.
#include <deque>
#include <vector>

#include "fuzz_support.h"
#include "media/dtls/dtls_endpoint.h"

using namespace sipcall::media::dtls;
using sipcall::fuzz::check;
using sipcall::fuzz::FuzzInput;

namespace {

std::shared_ptr<const DtlsCertificate> client_certificate() {
  static auto made = DtlsCertificate::generate();
  return made.ok() ? made.value() : nullptr;
}

std::unique_ptr<DtlsEndpoint> make(DtlsRole role, Fingerprint peer, std::deque<std::vector<uint8_t>>& out,
                                   std::shared_ptr<const DtlsCertificate> ours = nullptr) {
  DtlsEndpointConfig config;
  config.role = role;
  config.peer_fingerprints = {std::move(peer)};
  config.certificate = std::move(ours);
  auto e = DtlsEndpoint::create(std::move(config), [&out](std::span<const uint8_t> d) {
    check(d.size() <= 1200, "datagram over the MTU");
    if (out.size() < 64) out.emplace_back(d.begin(), d.end());
  });
  check(e.ok(), "cannot create an endpoint");
  return std::move(e.value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  auto server_cert = DtlsCertificate::for_process();
  auto client_cert = client_certificate();
  check(server_cert.ok() && client_cert, "no certificate");

  std::deque<std::vector<uint8_t>> to_server, to_client;
  auto fresh = make(DtlsRole::server, client_cert->fingerprint(), to_client);
  auto server = make(DtlsRole::server, client_cert->fingerprint(), to_client);
  auto client = make(DtlsRole::client, (*server_cert)->fingerprint(), to_server, client_cert);
  client->start();
  check(to_server.size() == 1, "no ClientHello");
  server->feed(to_server.front());

  FuzzInput in(data, size);
  while (!in.empty()) {
    const auto datagram = in.bytes(in.u16());
    fresh->feed(datagram);
    server->feed(datagram);
    if (server->timeout() == std::chrono::milliseconds(0)) server->handle_timeout();
  }
  check(fresh->state() != DtlsState::connected && server->state() != DtlsState::connected,
        "connected with a peer that has not the certificate");
  check(server->keys() == nullptr, "keys without a handshake");
  check(server->state() != DtlsState::failed || !server->failure().empty(), "failed without a reason");
  return 0;
}
