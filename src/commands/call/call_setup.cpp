#include "call_setup.h"

#include <chrono>
#include <cstdint>

#include "sipcall/config/agent_config.h"

namespace sipcall {

Result<CallCommandSetup> prepare_call_command(const GlobalOptions& global, const CallOptions& call,
                                              JsonObject& report) {
  auto codecs = parse_codec_list(call.codecs);
  if (!codecs.ok()) return codecs.error();
  auto account = make_agent_options(global);
  if (!account.ok()) return account.error();
  CallCommandSetup setup{std::move(codecs.value()), std::move(account.value()), {}};
  setup.server = setup.account.server.to_string();
  report.add("user", setup.account.user).add("server", setup.server)
      .add("transport", transport_name(setup.account.server.transport));
  return setup;
}

Result<std::unique_ptr<media::MediaSession>> open_call_media(const CallOptions& options,
                                                             const std::string& route_address, LocalMedia& local) {
  media::MediaOptions mo;
  mo.local_address = !options.media_address.empty() ? options.media_address
                     : !route_address.empty()        ? route_address
                                                     : "127.0.0.1";
  mo.rtp_port_min = options.rtp_port_min;
  mo.rtp_port_max = options.rtp_port_max;
  // WebRTC media: ICE and DTLS must be done within --media-timeout, the
  // time a call may go without audio (10 s when that watch is off).
  if (options.media_timeout_s > 0) mo.secure_connect_timeout_ms = static_cast<int>(options.media_timeout_s * 1000);
  auto media = media::MediaSession::open(mo);
  if (!media.ok()) return media.error();
  local.address = mo.local_address;
  local.rtp_port = media.value()->local_rtp_port();
  local.rtcp_port = media.value()->local_rtcp_port();
  auto now = std::chrono::system_clock::now().time_since_epoch();
  local.session_id = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
  local.version = 1;
  return media;
}

}  // namespace sipcall
