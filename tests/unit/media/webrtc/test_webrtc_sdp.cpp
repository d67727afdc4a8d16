// The transport attributes of WebRTC media's m= section, both ways.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "media/webrtc/webrtc_sdp.h"

using namespace sipcall;
using namespace sipcall::media;
using namespace sipcall::media::webrtc;

namespace {

const char* kSha256 =
    "sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08";

// What Chrome puts in its audio section (abridged, values as seen in a probe).
std::vector<SdpAttribute> chrome_media() {
  return {
      {"candidate", "1467250027 1 udp 2122260223 198.51.100.1 46243 typ host generation 0"},
      {"candidate", "1467250027 1 tcp 1518280447 198.51.100.1 9 typ host tcptype active generation 0"},
      {"candidate", "2 1 udp 2122262783 a1b2c3d4-e5f6.local 50000 typ host"},
      {"ice-ufrag", "Pw1d"},
      {"ice-pwd", "VG0DoB5gB2ThaP8nC2BPR8Kr"},
      {"ice-options", "trickle"},
      {"fingerprint", kSha256},
      {"setup", "actpass"},
      {"mid", "0"},
      {"extmap", "1 urn:ietf:params:rtp-hdrext:ssrc-audio-level"},
      {"sendrecv", ""},
      {"rtcp-mux", ""},
      {"rtpmap", "111 opus/48000/2"},
      {"rtcp-fb", "111 transport-cc"},
      {"ssrc", "3907349282 cname:Nsk1Zl+x0YyH0vGj"},
  };
}

}  // namespace

TEST_CASE("webrtc sdp: Chrome's audio section gives credentials, its udp candidate, fingerprint and setup") {
  auto t = remote_transport({}, chrome_media());
  REQUIRE_MESSAGE(t.ok(), t.error().message());
  CHECK(t->description.ufrag == "Pw1d");
  CHECK(t->description.pwd == "VG0DoB5gB2ThaP8nC2BPR8Kr");
  REQUIRE(t->description.candidates.size() == 1);
  CHECK(t->description.candidates[0].address == "198.51.100.1");
  CHECK(t->description.candidates[0].port == 46243);
  CHECK(t->candidates_skipped == 2);  // tcp and mDNS
  REQUIRE(t->description.fingerprints.size() == 1);
  CHECK(dtls::format_fingerprint(t->description.fingerprints[0]) == kSha256);
  CHECK(t->description.setup == dtls::Setup::actpass);
}

TEST_CASE("webrtc sdp: what we write reads back as what we meant") {
  LocalDescription local;
  local.credentials = {"abcd1234", "0123456789abcdefghijklmn"};
  local.candidates.push_back({"1", 1, 2130706431, "127.0.0.1", 40012, ice::CandidateType::host, std::nullopt, 0});
  local.fingerprint = dtls::parse_fingerprint(kSha256).value();
  local.setup = dtls::Setup::active;
  auto lines = local_attributes(local);
  REQUIRE(lines.size() == 7);
  CHECK(lines[0] == SdpAttribute{"ice-ufrag", "abcd1234"});
  CHECK(lines[4] == SdpAttribute{"setup", "active"});
  CHECK(lines[5] == SdpAttribute{"candidate", "1 1 udp 2130706431 127.0.0.1 40012 typ host"});
  CHECK(lines.back() == SdpAttribute{"end-of-candidates", ""});
  auto back = remote_transport({}, lines);
  REQUIRE(back.ok());
  CHECK(back->description.ufrag == "abcd1234");
  CHECK(back->description.candidates == local.candidates);
  CHECK(back->description.fingerprints[0] == local.fingerprint);
  CHECK(back->description.setup == dtls::Setup::active);
}

TEST_CASE("webrtc sdp: session-level fingerprint and setup apply unless the media section overrides them") {
  std::vector<SdpAttribute> session = {{"fingerprint", kSha256}, {"setup", "passive"}};
  auto media = chrome_media();
  std::erase_if(media, [](const SdpAttribute& a) { return a.name == "fingerprint" || a.name == "setup"; });
  auto t = remote_transport(session, media);
  REQUIRE(t.ok());
  CHECK(t->description.setup == dtls::Setup::passive);
  CHECK(t->description.fingerprints.size() == 1);
  media.push_back({"setup", "active"});
  t = remote_transport(session, media);
  REQUIRE(t.ok());
  CHECK(t->description.setup == dtls::Setup::active);
}

TEST_CASE("webrtc sdp: no a=setup means active (RFC 4145)") {
  auto media = chrome_media();
  std::erase_if(media, [](const SdpAttribute& a) { return a.name == "setup"; });
  auto t = remote_transport({}, media);
  REQUIRE(t.ok());
  CHECK(t->description.setup == dtls::Setup::active);
}

TEST_CASE("webrtc sdp: a fingerprint we cannot verify is skipped beside one we can, refused alone") {
  auto media = chrome_media();
  media.push_back({"fingerprint", "md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"});
  auto t = remote_transport({}, media);
  REQUIRE(t.ok());
  CHECK(t->description.fingerprints.size() == 1);

  std::erase_if(media, [](const SdpAttribute& a) { return a.name == "fingerprint" && a.value.starts_with("sha"); });
  t = remote_transport({}, media);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().kind() == ErrorKind::unusable_sdp);
  CHECK(t.error().message().find("md5") != std::string::npos);
}

TEST_CASE("webrtc sdp: a section we cannot connect to says why in one line") {
  auto no_fp = chrome_media();
  std::erase_if(no_fp, [](const SdpAttribute& a) { return a.name == "fingerprint"; });
  auto t = remote_transport({}, no_fp);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message().find("a=fingerprint") != std::string::npos);

  auto no_ufrag = chrome_media();
  std::erase_if(no_ufrag, [](const SdpAttribute& a) { return a.name == "ice-ufrag"; });
  CHECK(remote_transport({}, no_ufrag).error().kind() == ErrorKind::unusable_sdp);

  auto only_tcp = chrome_media();
  std::erase_if(only_tcp, [](const SdpAttribute& a) { return a.name == "candidate" && a.value.find(" udp ") != std::string::npos; });
  CHECK_FALSE(remote_transport({}, only_tcp).ok());

  auto bad_setup = chrome_media();
  bad_setup.push_back({"setup", "sideways"});
  auto b = remote_transport({}, bad_setup);
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().message().find('\n') == std::string::npos);
}
