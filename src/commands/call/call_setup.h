// What `dial` and `answer` prepare before anything is on the wire: the
// checked --codecs and account (with its DNS and route lookup), and the
// call's RTP/RTCP ports. Internal to src/commands.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sipcall/config/agent_options.h"
#include "sipcall/config/options.h"
#include "sipcall/error.h"
#include "sipcall/media/session/media_session.h"
#include "sipcall/report/json_writer.h"
#include "sipcall/sip/sdp.h"

namespace sipcall {

// What `dial` and `answer` check before anything goes on the network.
struct CallCommandSetup {
  std::vector<std::string> codecs;  // --codecs, validated
  AgentOptions account;
  std::string server;               // for messages
};
// Validates --codecs and the account, and adds user, server and transport
// to the report.
Result<CallCommandSetup> prepare_call_command(const GlobalOptions& global, const CallOptions& call,
                                              JsonObject& report);

// Binds a call's RTP/RTCP ports on the media address (--media-address, else
// our address on the route to the server) and fills `local` for our SDP.
Result<std::unique_ptr<media::MediaSession>> open_call_media(const CallOptions& options,
                                                             const std::string& route_address, LocalMedia& local);

}  // namespace sipcall
