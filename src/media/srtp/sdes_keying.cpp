// sdes_keying.h on sdes.h: the a=crypto values as strings, the keys as a
// shared SrtpKeyPair the media session takes.
#include "sipcall/media/srtp/sdes_keying.h"

#include "media/srtp/sdes.h"
#include "media/srtp/srtp_key_pair.h"
#include "media/srtp/srtp_session.h"

namespace sipcall::media {

struct SdesOfferKeys {
  std::vector<CryptoAttribute> attributes;
};

namespace {
constexpr std::string_view kSdesMethod = "sdes-srtp";
}  // namespace

Result<SdesOffer> make_sdes_offer() {
  auto attributes = make_crypto_offer();
  if (!attributes.ok()) return attributes.error();
  SdesOffer offer;
  for (const auto& a : *attributes) offer.lines.push_back(format_crypto_attribute(a));
  offer.keys = std::make_shared<const SdesOfferKeys>(SdesOfferKeys{std::move(*attributes)});
  return offer;
}

Result<SrtpKeying> accept_sdes_answer(const SdesOffer& offer, const std::vector<std::string>& answer) {
  if (!offer.keys) return Error::internal("no SDES offer to check the answer against");
  if (answer.empty()) return Error::unusable_sdp("the RTP/SAVP answer has no a=crypto line");
  if (answer.size() > 1)
    return Error::unusable_sdp("the answer has " + std::to_string(answer.size()) + " a=crypto lines, not one");
  auto keys = accept_crypto_answer(offer.keys->attributes, answer.front());
  if (!keys.ok()) return keys.error();
  auto pair = std::make_shared<SrtpKeyPair>();
  pair->ours = std::move(keys->ours);
  pair->theirs = std::move(keys->theirs);
  pair->method = kSdesMethod;
  return SrtpKeying(std::move(pair));
}

Result<SdesReply> answer_sdes_offer(const std::vector<std::string>& offered, const SdesReply* current) {
  std::vector<std::string_view> views(offered.begin(), offered.end());
  auto answer = answer_crypto_offer(views);
  if (!answer.ok()) return answer.error();
  if (current && current->keys && current->keys->tag == answer->theirs.tag &&
      current->keys->theirs == answer->theirs.keys)
    return *current;
  auto pair = std::make_shared<SrtpKeyPair>();
  pair->ours = answer->ours.keys;
  pair->theirs = std::move(answer->theirs.keys);
  pair->method = kSdesMethod;
  pair->tag = answer->ours.tag;
  pair->our_line = format_crypto_attribute(answer->ours);
  SdesReply reply{pair->our_line, nullptr};
  reply.keys = std::move(pair);
  return reply;
}

std::string_view srtp_suite_name(const SrtpKeyPair& keys) { return srtp_suite_info(keys.ours.suite()).sdp_name; }
std::string_view srtp_method(const SrtpKeyPair& keys) { return keys.method; }

}  // namespace sipcall::media
