#include "sipcall/config/server_url.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sipcall {

std::string_view transport_name(Transport t) {
  switch (t) {
    case Transport::udp: return "udp";
    case Transport::tcp: return "tcp";
    case Transport::tls: return "tls";
    case Transport::ws: return "ws";
    case Transport::wss: return "wss";
  }
  return "udp";
}

std::string transport_label(Transport t) {
  std::string s(transport_name(t));
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool is_stream(Transport t) { return t != Transport::udp; }
bool is_secure(Transport t) { return t == Transport::tls || t == Transport::wss; }

bool is_ip_literal(std::string_view host) {
  std::string h(host);
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

std::string url_host(std::string_view host) {
  bool v6 = host.find(':') != std::string_view::npos && host.front() != '[';
  return v6 ? "[" + std::string(host) + "]" : std::string(host);
}

std::string host_port(std::string_view host, int port) { return url_host(host) + ":" + std::to_string(port); }

std::string ServerUrl::host_port() const {
  return sipcall::host_port(host, port);
}

std::string ServerUrl::to_string() const {
  switch (transport) {
    case Transport::ws: return "ws://" + host_port() + path;
    case Transport::wss: return "wss://" + host_port() + path;
    case Transport::tls: return "sips:" + host_port();
    default: return "sip:" + host_port() + ";transport=" + std::string(transport_name(transport));
  }
}

std::string ServerUrl::sofia_proxy_uri(std::string_view address) const {
  return std::string(transport == Transport::tls ? "sips:" : "sip:") + host_port() + ";transport=" +
         std::string(transport_name(transport)) + ";maddr=" + url_host(address);
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

uint16_t default_port(Transport t) {
  switch (t) {
    case Transport::tls: return 5061;
    case Transport::ws: return 80;
    case Transport::wss: return 443;
    default: return 5060;
  }
}

// Splits "host[:port]" or "[v6]:port" and stores both in url.
Error parse_host_port(std::string_view hp, ServerUrl& url, std::string_view original) {
  auto bad = [&](const std::string& why) {
    return Error::bad_input("invalid --server '" + std::string(original) + "': " + why);
  };
  std::string_view host, port;
  if (!hp.empty() && hp.front() == '[') {
    auto close = hp.find(']');
    if (close == std::string_view::npos) return bad("missing ']' after IPv6 address");
    host = hp.substr(1, close - 1);
    auto rest = hp.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("unexpected text after ']'");
      port = rest.substr(1);
    }
  } else {
    auto colon = hp.find(':');
    if (colon != std::string_view::npos && hp.find(':', colon + 1) != std::string_view::npos)
      return bad("IPv6 addresses must be written in brackets");
    host = hp.substr(0, colon);
    if (colon != std::string_view::npos) port = hp.substr(colon + 1);
  }
  if (host.empty()) return bad("no host");
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_'))
      return bad("invalid character in host");
  url.host = std::string(host);
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      return bad("port must be a number from 1 to 65535");
    url.port = static_cast<uint16_t>(value);
  } else {
    url.port = default_port(url.transport);
  }
  return {};
}

}  // namespace

Result<ServerUrl> parse_server_url(std::string_view text) {
  ServerUrl url;
  auto bad = [&](const std::string& why) {
    return Error::bad_input("invalid --server '" + std::string(text) + "': " + why);
  };
  if (text.empty()) return bad("empty");
  std::string lowered = lower(text);

  if (lowered.rfind("ws://", 0) == 0 || lowered.rfind("wss://", 0) == 0) {
    bool secure = lowered[2] == 's';
    url.transport = secure ? Transport::wss : Transport::ws;
    auto rest = text.substr(secure ? 6 : 5);
    auto slash = rest.find_first_of("/?#");
    auto hp = rest.substr(0, slash);
    url.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (url.path.front() != '/') url.path = "/" + url.path;
    if (url.path.find('#') != std::string::npos) return bad("fragments are not allowed");
    if (auto e = parse_host_port(hp, url, text)) return e;
    return url;
  }

  std::string_view rest = text;
  bool sips = false;
  if (lowered.rfind("sips:", 0) == 0) {
    sips = true;
    rest = text.substr(5);
  } else if (lowered.rfind("sip:", 0) == 0) {
    rest = text.substr(4);
  } else if (lowered.find("://") != std::string::npos) {
    return bad("unsupported scheme (use wss://, ws://, sip: or sips:)");
  }
  if (rest.find('@') != std::string_view::npos) return bad("give the server, not a user (no '@')");

  auto semi = rest.find(';');
  auto hp = rest.substr(0, semi);
  url.transport = sips ? Transport::tls : Transport::udp;
  if (semi != std::string_view::npos) {
    std::string params = lower(rest.substr(semi + 1));
    size_t pos = 0;
    while (pos <= params.size()) {
      auto end = params.find(';', pos);
      std::string p = params.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      if (p.rfind("transport=", 0) == 0) {
        std::string t = p.substr(10);
        if (t == "udp" && !sips) url.transport = Transport::udp;
        else if (t == "tcp" && !sips) url.transport = Transport::tcp;
        else if (t == "tls" || (t == "tcp" && sips)) url.transport = Transport::tls;
        else if (t == "ws") url.transport = Transport::ws;
        else if (t == "wss") url.transport = Transport::wss;
        else return bad("unknown transport '" + t + "'");
      } else if (!p.empty()) {
        return bad("unsupported parameter '" + p + "'");
      }
      if (end == std::string::npos) break;
      pos = end + 1;
    }
  }
  if (url.transport == Transport::ws || url.transport == Transport::wss) url.path = "/";
  if (auto e = parse_host_port(hp, url, text)) return e;
  return url;
}

}  // namespace sipcall
