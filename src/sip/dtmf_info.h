// The DTMF digit of a SIP INFO body (RFC 2976 INFO as phones and PBXes use
// it: there is no standard body). Two kinds are in the wild:
//   application/dtmf-relay  "Signal=5\r\nDuration=160\r\n" (Cisco, Kamailio,
//                           baresip, 3CX, Asterisk)
//   application/dtmf        "5"
// Pure: the body is outside data and is only read, within its bounds.
// Internal to src/sip.
#pragma once

#include <string_view>

namespace sipcall {

// The digit ('0'-'9', '*', '#', 'A'-'D') of an INFO with this Content-Type
// (media type only, any case) and body; 0 when there is none or the body is
// not one of the two kinds. An RFC 4733 event number (10 = '*', 11 = '#',
// 12-15 = 'A'-'D'), which some phones send instead, is taken too.
char dtmf_info_digit(std::string_view content_type, std::string_view body);

}  // namespace sipcall
