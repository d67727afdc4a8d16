// Two real OpenSSL endpoints, one client and one server, handing each other
// their datagrams in memory.
#include <doctest/doctest.h>

#include <deque>
#include <thread>
#include <vector>

#include "media/dtls/demux.h"
#include "media/dtls/dtls_endpoint.h"

using namespace sipcall::media::dtls;
using Datagrams = std::deque<std::vector<uint8_t>>;

namespace {

std::shared_ptr<const DtlsCertificate> certificate() {
  auto c = DtlsCertificate::generate();
  REQUIRE(c.ok());
  return c.value();
}

struct Pair {
  std::shared_ptr<const DtlsCertificate> client_cert = certificate(), server_cert = certificate();
  Datagrams to_server, to_client;  // in flight
  size_t largest = 0;
  std::unique_ptr<DtlsEndpoint> client, server;

  explicit Pair(std::optional<Fingerprint> client_expects = {}, std::optional<Fingerprint> server_expects = {},
                std::chrono::milliseconds retransmit = std::chrono::milliseconds(1000)) {
    auto make = [&](DtlsRole role, std::shared_ptr<const DtlsCertificate> ours, Fingerprint theirs, Datagrams& out) {
      DtlsEndpointConfig config;
      config.role = role;
      config.certificate = std::move(ours);
      config.peer_fingerprints = {std::move(theirs)};
      config.initial_retransmit = retransmit;
      auto e = DtlsEndpoint::create(std::move(config), [this, &out](std::span<const uint8_t> d) {
        CHECK(classify_datagram(d) == DatagramKind::dtls);
        largest = std::max(largest, d.size());
        out.emplace_back(d.begin(), d.end());
      });
      REQUIRE_MESSAGE(e.ok(), (e.ok() ? std::string() : e.error().message()));
      return std::move(e.value());
    };
    client = make(DtlsRole::client, client_cert, client_expects.value_or(server_cert->fingerprint()), to_server);
    server = make(DtlsRole::server, server_cert, server_expects.value_or(client_cert->fingerprint()), to_client);
  }

  // Delivers everything in flight, both ways, until nothing moves.
  void pump() {
    while (!to_server.empty() || !to_client.empty()) {
      while (!to_server.empty()) {
        auto d = std::move(to_server.front());
        to_server.pop_front();
        server->feed(d);
      }
      while (!to_client.empty()) {
        auto d = std::move(to_client.front());
        to_client.pop_front();
        client->feed(d);
      }
    }
  }
};

std::vector<uint8_t> bytes(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("dtls: client and server agree on the profile and on each other's keys") {
  Pair p;
  CHECK(p.client->state() == DtlsState::handshaking);
  CHECK(p.client->keys() == nullptr);
  p.client->start();
  p.server->start();
  CHECK(p.to_server.size() == 1);  // ClientHello
  CHECK(p.to_client.empty());      // a server waits
  p.pump();

  REQUIRE_MESSAGE(p.client->state() == DtlsState::connected, p.client->failure());
  REQUIRE_MESSAGE(p.server->state() == DtlsState::connected, p.server->failure());
  CHECK(p.client->failure().empty());
  const auto* ck = p.client->keys();
  const auto* sk = p.server->keys();
  REQUIRE(ck);
  REQUIRE(sk);
  CHECK(ck->profile == SrtpProfile::aead_aes_256_gcm);  // our first preference, both ends ours
  CHECK(sk->profile == ck->profile);
  CHECK(profile_name(ck->profile) == "SRTP_AEAD_AES_256_GCM");
  CHECK(srtp_suite_name(ck->profile) == "AEAD_AES_256_GCM");
  CHECK(ck->ours.key().size() == 32);
  CHECK(ck->ours.salt().size() == 12);
  CHECK(ck->ours.bytes().size() == 44);
  CHECK(bytes(ck->ours.bytes()) == bytes(sk->theirs.bytes()));
  CHECK(bytes(ck->theirs.bytes()) == bytes(sk->ours.bytes()));
  CHECK(bytes(ck->ours.key()) != bytes(ck->theirs.key()));
  CHECK(bytes(ck->ours.salt()) != bytes(ck->theirs.salt()));
  CHECK(bytes(ck->ours.key()) != std::vector<uint8_t>(32, 0));

  REQUIRE(p.client->handshake_duration());
  REQUIRE(p.server->handshake_duration());
  CHECK(p.client->handshake_duration()->count() > 0);
  CHECK(p.largest <= 1200);
  CHECK(p.client->role() == DtlsRole::client);
  CHECK(p.server->role() == DtlsRole::server);
}

TEST_CASE("dtls: a smaller MTU splits the flights but still connects") {
  Pair p;
  // Rebuild with a small MTU on both ends.
  for (auto* e : {&p.client, &p.server}) {
    const bool client = e == &p.client;
    DtlsEndpointConfig config;
    config.role = client ? DtlsRole::client : DtlsRole::server;
    config.certificate = client ? p.client_cert : p.server_cert;
    config.peer_fingerprints = {client ? p.server_cert->fingerprint() : p.client_cert->fingerprint()};
    config.mtu = 300;
    auto& out = client ? p.to_server : p.to_client;
    auto made = DtlsEndpoint::create(std::move(config), [&](std::span<const uint8_t> d) {
      p.largest = std::max(p.largest, d.size());
      out.emplace_back(d.begin(), d.end());
    });
    REQUIRE(made.ok());
    *e = std::move(made.value());
  }
  p.client->start();
  p.pump();
  CHECK(p.client->state() == DtlsState::connected);
  CHECK(p.server->state() == DtlsState::connected);
  CHECK(p.largest <= 300);
}

TEST_CASE("dtls: the client refuses a server certificate that does not match a=fingerprint") {
  auto other = certificate();
  Pair p(other->fingerprint(), std::nullopt);
  p.client->start();
  p.pump();
  CHECK(p.client->state() == DtlsState::failed);
  CHECK(p.client->failure() == "DTLS: the peer's certificate does not match a=fingerprint");
  CHECK(p.client->keys() == nullptr);
  // The server heard why: the client's alert.
  CHECK(p.server->state() == DtlsState::failed);
  CHECK(p.server->failure() == "DTLS: the peer ended the handshake with alert 'bad certificate'");
  CHECK(p.server->keys() == nullptr);
}

TEST_CASE("dtls: the server refuses a client certificate that does not match a=fingerprint") {
  auto other = certificate();
  Pair p(std::nullopt, other->fingerprint());
  p.client->start();
  p.pump();
  CHECK(p.server->state() == DtlsState::failed);
  CHECK(p.server->failure() == "DTLS: the peer's certificate does not match a=fingerprint");
  // The client had sent its last flight; the server's alert ends it.
  CHECK(p.client->state() == DtlsState::failed);
  CHECK(p.client->failure() == "DTLS: the peer ended the handshake with alert 'bad certificate'");
  CHECK(p.client->keys() == nullptr);
}

TEST_CASE("dtls: any one matching a=fingerprint will do, in any hash we verify") {
  auto client_cert = certificate();
  auto server_cert = certificate();
  auto sha1 = client_cert->fingerprint_with(FingerprintHash::sha1);
  auto sha512 = client_cert->fingerprint_with(FingerprintHash::sha512);
  REQUIRE(sha1);
  REQUIRE(sha512);
  CHECK(sha1->digest.size() == 20);
  CHECK(client_cert->fingerprint_with(FingerprintHash::sha256) == client_cert->fingerprint());
  Datagrams to_server, to_client;
  auto endpoint = [&](DtlsRole role, std::vector<Fingerprint> theirs, Datagrams& out) {
    DtlsEndpointConfig config;
    config.role = role;
    config.certificate = role == DtlsRole::client ? client_cert : server_cert;
    config.peer_fingerprints = std::move(theirs);
    auto e = DtlsEndpoint::create(std::move(config),
                                  [&out](std::span<const uint8_t> d) { out.emplace_back(d.begin(), d.end()); });
    REQUIRE_MESSAGE(e.ok(), (e.ok() ? std::string() : e.error().message()));
    return std::move(e.value());
  };
  auto client = endpoint(DtlsRole::client, {server_cert->fingerprint()}, to_server);
  auto server = endpoint(DtlsRole::server,
                         {Fingerprint{FingerprintHash::sha256, std::vector<uint8_t>(32, 0)}, *sha1, *sha512}, to_client);
  client->start();
  while (!to_server.empty() || !to_client.empty()) {
    for (; !to_server.empty(); to_server.pop_front()) server->feed(to_server.front());
    for (; !to_client.empty(); to_client.pop_front()) client->feed(to_client.front());
  }
  CHECK(client->state() == DtlsState::connected);
  CHECK(server->state() == DtlsState::connected);
}

TEST_CASE("dtls: a lost first flight is sent again after handle_timeout") {
  Pair p(std::nullopt, std::nullopt, std::chrono::milliseconds(50));
  p.client->start();
  REQUIRE(p.to_server.size() == 1);
  const auto first_hello = p.to_server.front();
  p.to_server.clear();  // lost

  auto wait = p.client->timeout();
  REQUIRE(wait);
  CHECK(*wait > std::chrono::milliseconds(0));
  CHECK(*wait <= std::chrono::milliseconds(50));
  p.client->handle_timeout();  // too early: nothing to do
  CHECK(p.to_server.empty());

  std::this_thread::sleep_for(*wait);  // the timer is the event awaited
  CHECK(p.client->timeout() == std::chrono::milliseconds(0));
  p.client->handle_timeout();
  REQUIRE(p.to_server.size() == 1);
  // The same ClientHello (message_seq too); only the record's sequence number moved on.
  const auto& again = p.to_server.front();
  REQUIRE(again.size() == first_hello.size());
  CHECK(std::equal(again.begin() + 13, again.end(), first_hello.begin() + 13));
  CHECK_FALSE(std::equal(again.begin(), again.begin() + 13, first_hello.begin()));
  // The next wait doubles.
  auto next = p.client->timeout();
  REQUIRE(next);
  CHECK(*next > std::chrono::milliseconds(50));

  p.pump();
  CHECK(p.client->state() == DtlsState::connected);
  CHECK(p.server->state() == DtlsState::connected);
  CHECK(*p.client->handshake_duration() >= std::chrono::milliseconds(50));
}

TEST_CASE("dtls: a peer that never answers fails the handshake after OpenSSL's retransmissions") {
  Pair p(std::nullopt, std::nullopt, std::chrono::milliseconds(1));  // 1, 2, 4, ... ms: about 4 s in all
  p.client->start();
  int sent = 0;
  for (int round = 0; round < 20 && p.client->state() == DtlsState::handshaking; ++round) {
    sent += static_cast<int>(p.to_server.size());
    p.to_server.clear();
    auto wait = p.client->timeout();
    REQUIRE(wait);
    std::this_thread::sleep_for(*wait);
    p.client->handle_timeout();
  }
  CHECK(p.client->state() == DtlsState::failed);
  CHECK(p.client->failure() == "DTLS: the peer did not answer our handshake (gave up after repeated retransmissions)");
  CHECK(sent >= 10);
  CHECK_FALSE(p.client->timeout());
}

TEST_CASE("dtls: a lost last flight is recovered by the client's retransmission") {
  Pair p(std::nullopt, std::nullopt, std::chrono::milliseconds(20));
  p.client->start();
  // ClientHello -> server; server's flight -> client; client's flight -> server.
  p.server->feed(p.to_server.front());
  p.to_server.clear();
  while (!p.to_client.empty()) {
    p.client->feed(p.to_client.front());
    p.to_client.pop_front();
  }
  while (!p.to_server.empty()) {
    p.server->feed(p.to_server.front());
    p.to_server.pop_front();
  }
  REQUIRE(p.server->state() == DtlsState::connected);
  REQUIRE_FALSE(p.to_client.empty());
  p.to_client.clear();  // the server's ChangeCipherSpec + Finished are lost
  CHECK(p.client->state() == DtlsState::handshaking);

  auto wait = p.client->timeout();
  REQUIRE(wait);
  std::this_thread::sleep_for(*wait);
  p.client->handle_timeout();
  REQUIRE_FALSE(p.to_server.empty());
  p.pump();  // the connected server answers the repeat with its last flight
  CHECK(p.client->state() == DtlsState::connected);
  REQUIRE(p.client->keys());
  CHECK(bytes(p.client->keys()->ours.bytes()) == bytes(p.server->keys()->theirs.bytes()));
}

TEST_CASE("dtls: close_notify from the peer is the closed state") {
  Pair p;
  p.client->start();
  p.pump();
  REQUIRE(p.server->state() == DtlsState::connected);
  p.client->close();
  CHECK(p.client->state() == DtlsState::closed);
  CHECK_FALSE(p.client->peer_closed());
  REQUIRE(p.to_server.size() == 1);
  p.pump();
  CHECK(p.server->state() == DtlsState::closed);
  CHECK(p.server->peer_closed());
  CHECK(p.server->failure().empty());
  CHECK(p.server->keys() != nullptr);  // what was negotiated stays readable
}

TEST_CASE("dtls: garbage and stray datagrams do not break a handshake") {
  Pair p;
  p.server->feed(std::vector<uint8_t>{22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0});
  p.server->feed(std::vector<uint8_t>(100, 0x17));
  p.server->feed({});
  CHECK(p.server->state() == DtlsState::handshaking);
  CHECK(p.to_client.empty());  // ignored without an alert
  p.client->start();
  p.pump();
  CHECK(p.client->state() == DtlsState::connected);
  CHECK(p.server->state() == DtlsState::connected);
  p.server->feed(std::vector<uint8_t>(200, 0x17));  // junk application data record
  CHECK(p.server->state() == DtlsState::connected);
}

TEST_CASE("dtls: no peer fingerprint, no endpoint") {
  DtlsEndpointConfig config;
  auto e = DtlsEndpoint::create(std::move(config), [](std::span<const uint8_t>) {});
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message() == "DTLS: the peer's SDP has no usable a=fingerprint");
}

TEST_CASE("dtls: profiles by id, with their key and salt lengths") {
  CHECK(profile_from_id(0x0001) == SrtpProfile::aes128_cm_hmac_sha1_80);
  CHECK(profile_from_id(0x0002) == SrtpProfile::aes128_cm_hmac_sha1_32);
  CHECK(profile_from_id(0x0007) == SrtpProfile::aead_aes_128_gcm);
  CHECK(profile_from_id(0x0008) == SrtpProfile::aead_aes_256_gcm);
  CHECK_FALSE(profile_from_id(0x0005));
  CHECK(master_key_length(SrtpProfile::aes128_cm_hmac_sha1_32) == 16);
  CHECK(master_salt_length(SrtpProfile::aes128_cm_hmac_sha1_32) == 14);
  CHECK(master_salt_length(SrtpProfile::aead_aes_128_gcm) == 12);
  CHECK(srtp_suite_name(SrtpProfile::aes128_cm_hmac_sha1_80) == "AES_CM_128_HMAC_SHA1_80");
}

TEST_CASE("dtls: key material moves and leaves nothing behind") {
  const std::vector<uint8_t> key(16, 7), salt(14, 9);
  MasterKeySalt a(key, salt);
  MasterKeySalt b(std::move(a));
  CHECK(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  CHECK(b.key().size() == 16);
  CHECK(b.salt().size() == 14);
  MasterKeySalt c;
  c = std::move(b);
  CHECK(b.empty());  // NOLINT(bugprone-use-after-move)
  CHECK(bytes(c.salt()) == salt);
}
