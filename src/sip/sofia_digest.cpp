#define SOFIA_EXTEND_AUTH_CLIENT 1
#include "sofia_digest.h"

#include <map>
#include <vector>

#include <sofia-sip/auth_client.h>
#include <sofia-sip/auth_client_plugin.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/url.h>

#include "digest.h"

namespace sipcall::sofia_digest {

namespace {

struct RealmState {
  digest::Choice choice;
  std::string cnonce;
  unsigned nc = 0;  // of the last request answered with this nonce
};

struct Entry {
  std::string user;
  std::string password;
  unsigned generation = 0;  // nua keeps credentials it has seen: each answer is new to it
  bool answered = false;    // in this round
  int stale_answers = 0;
  std::map<std::string, RealmState> realms;  // by class ('w'/'p') + realm as sent
};

std::map<std::string, Entry>& sessions() {
  static std::map<std::string, Entry> all;
  return all;
}

constexpr int kMaxStaleAnswers = 3;
constexpr char kPlaceholderPassword[] = "-";  // the real one never reaches Sofia

void scrub(std::string& s) { std::fill(s.begin(), s.end(), '\0'); }

std::string realm_key(bool proxy, const char* raw_realm) { return (proxy ? "p" : "w") + std::string(raw_realm ? raw_realm : ""); }

// The session's key is the username nua knows (key.generation).
Entry* entry_of(const char* username) {
  if (!username) return nullptr;
  std::string name(username);
  auto it = sessions().find(name.substr(0, name.find('.')));
  return it == sessions().end() ? nullptr : &it->second;
}

// Sofia never answers a challenge by itself: dropping the credentials it
// cached makes nua hand every 401/407 to sip_agent.
int on_challenge(auth_client_t* ca, msg_auth_t const*) {
  if (ca->ca_user) su_free(ca->ca_home, ca->ca_user), ca->ca_user = nullptr;
  return 1;
}

int on_clear(auth_client_t* ca) {
  ca->ca_clear = 1;
  return 1;
}

int digest_authorize(auth_client_t* ca, su_home_t* home, char const* method, url_t const* url,
                     msg_payload_t const* body, msg_header_t** out) noexcept {
  try {
    Entry* entry = ca->ca_clear ? nullptr : entry_of(ca->ca_user);
    if (!entry) return 0;
    auto realm = entry->realms.find(realm_key(ca->ca_credential_class == sip_proxy_authorization_class, ca->ca_realm));
    if (realm == entry->realms.end()) return 0;
    char* uri = url_as_string(home, url);
    if (!uri) return -1;
    digest::Request request{method ? method : "", uri,
                            body && body->pl_data ? std::string(body->pl_data, body->pl_len) : std::string()};
    su_free(home, uri);
    RealmState& s = realm->second;
    std::string value = digest::authorization(s.choice, entry->user, entry->password, request, s.cnonce, ++s.nc);
    *out = msg_header_make(home, ca->ca_credential_class, value.c_str());
    scrub(value);
    return *out ? 0 : -1;
  } catch (...) {
    return -1;
  }
}

int basic_authorize(auth_client_t*, su_home_t*, char const*, url_t const*, msg_payload_t const*, msg_header_t**) {
  return 0;  // never: Basic would send the password in clear (RFC 3261 22.1)
}

const auth_client_plugin_t kDigest = {sizeof kDigest, sizeof(auth_client_t), "Digest", on_challenge,
                                      digest_authorize, nullptr, on_clear, nullptr, nullptr};
const auth_client_plugin_t kBasic = {sizeof kBasic, sizeof(auth_client_t), "Basic", on_challenge,
                                     basic_authorize, nullptr, on_clear, nullptr, nullptr};

// Which plugin Sofia picks for a challenge of `scheme`.
auth_client_plugin_t const* plugin_for(const char* challenge) {
  su_home_t home[1] = {SU_HOME_INIT(home)};
  auth_client_t* list = nullptr;
  auth_client_plugin_t const* found = nullptr;
  auto* ch = reinterpret_cast<msg_auth_t*>(msg_header_make(home, sip_www_authenticate_class, challenge));
  if (ch && auc_challenge(&list, home, ch, sip_authorization_class) >= 0 && list) found = list->ca_auc;
  su_home_deinit(home);
  return found;
}

}  // namespace

bool install() {
  // Sofia 1.12's auc_register_plugin() replaces the first entry whose name
  // differs: Digest then Basic puts ours in both places (and also works
  // where that is fixed). Checked, not assumed.
  static const bool installed = [] {
    auc_register_plugin(&kDigest);
    auc_register_plugin(&kBasic);
    return plugin_for("Digest realm=\"x\", nonce=\"x\"") == &kDigest && plugin_for("Basic realm=\"x\"") == &kBasic;
  }();
  return installed;
}

Session::Session() {
  static unsigned long next = 0;
  key_ = "sc" + std::to_string(++next);
  sessions()[key_];
}

Session::~Session() {
  auto it = key_.empty() ? sessions().end() : sessions().find(key_);
  if (it == sessions().end()) return;
  scrub(it->second.password);
  sessions().erase(it);
}

Session::Session(Session&& other) noexcept : key_(std::move(other.key_)) { other.key_.clear(); }

Session& Session::operator=(Session&& other) noexcept {
  if (this != &other) {
    Session gone(std::move(*this));
    key_ = std::move(other.key_);
    other.key_.clear();
  }
  return *this;
}

void Session::round_done() {
  if (Entry* e = entry_of(key_.c_str())) e->answered = false, e->stale_answers = 0;
}

Result<bool> Session::answer(nua_handle_t* nh, sip_t const* sip, const std::string& user, const std::string& password) {
  Entry* entry = entry_of(key_.c_str());
  if (!entry) return Error::internal("digest session lost");
  // The challenges of each realm, www and proxy apart.
  std::map<std::string, std::vector<digest::Challenge>> offered;
  std::map<std::string, std::string> raw_realm;
  bool stale = false;
  for (bool proxy : {false, true}) {
    for (msg_auth_t const* ch = proxy ? sip->sip_proxy_authenticate : sip->sip_www_authenticate; ch; ch = ch->au_next) {
      std::string text = ch->au_scheme ? ch->au_scheme : "";
      for (auto p = ch->au_params; p && *p; ++p) text += std::string(p == ch->au_params ? " " : ", ") + *p;
      auto parsed = digest::parse_challenge(text);
      if (!parsed.ok()) return parsed.error();
      char const* realm = msg_params_find(ch->au_params, "realm=");
      std::string key = realm_key(proxy, realm);
      raw_realm[key] = realm ? realm : "";
      stale = stale || parsed->stale;
      offered[key].push_back(std::move(parsed.value()));
    }
  }
  if (offered.empty()) return Error{ErrorKind::sip_refused, "malformed challenge: no WWW-Authenticate or Proxy-Authenticate"};
  if (entry->answered && (!stale || ++entry->stale_answers > kMaxStaleAnswers)) return false;

  std::map<std::string, RealmState> realms;
  for (const auto& [key, challenges] : offered) {
    auto choice = digest::choose(challenges);
    if (!choice.ok()) return choice.error();
    realms[key] = RealmState{std::move(choice.value()), digest::new_cnonce(), 0};
  }
  entry->realms = std::move(realms);
  entry->user = user;
  entry->password = password;
  entry->answered = true;
  std::string username = key_ + "." + std::to_string(++entry->generation);
  std::vector<std::string> credentials;
  for (const auto& [key, state] : entry->realms)
    credentials.push_back("Digest:" + raw_realm[key] + ":" + username + ":" + kPlaceholderPassword);
  std::vector<tagi_t> tags;
  for (const auto& c : credentials) tags.push_back(tagi_t{nutag_auth, tag_str_v(c.c_str())});
  tags.push_back(tagi_t{tag_null, 0});
  nua_authenticate(nh, TAG_NEXT(tags.data()));
  return true;
}

}  // namespace sipcall::sofia_digest
