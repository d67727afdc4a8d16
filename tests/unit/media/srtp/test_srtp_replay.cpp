// SRTP's index guess and replay window (src/media/srtp/srtp_replay.h):
// RFC 3711 3.3.1's choice of rollover counter and 3.3.2's replay list.
#include <doctest/doctest.h>

#include "media/srtp/srtp_replay.h"

using namespace sipcall::media;

TEST_CASE("srtp index: the first packet starts the counter at 0; later ones take the nearest counter") {
  CHECK(guess_rtp_index(std::nullopt, 65000) == 65000u);
  CHECK(guess_rtp_index(std::nullopt, 3) == 3u);
  // Across the wrap and back: 65535 then 0 is the next packet, not 65535 ones earlier.
  CHECK(guess_rtp_index(65535u, 0) == 65536u);
  CHECK(guess_rtp_index(65536u, 65535) == 65535u);
  CHECK(guess_rtp_index(65536u + 10, 65530) == 65530u);
  // Halfway is the limit: 2^15 ahead is still this counter, more is the last.
  CHECK(guess_rtp_index((5u << 16) | 100, 100 + 0x8000) == ((5u << 16) | (100 + 0x8000)));
  CHECK(guess_rtp_index((5u << 16) | 100, 100 + 0x8001) == ((4u << 16) | (100 + 0x8001)));
  CHECK(guess_rtp_index((5u << 16) | 40000, 40000 - 0x8000 - 1) == ((6u << 16) | (40000 - 0x8000 - 1)));
  // Before the stream began: no counter below 0.
  CHECK(guess_rtp_index(10u, 60000) == std::nullopt);
}

TEST_CASE("srtp replay window: fresh, replayed, too old; reordering inside the window is fine") {
  ReplayWindow w;
  CHECK(w.check(1000) == ReplayWindow::Verdict::fresh);
  w.accept(1000);
  CHECK(w.check(1000) == ReplayWindow::Verdict::replayed);
  CHECK(w.check(999) == ReplayWindow::Verdict::fresh);  // late, not seen
  w.accept(999);
  CHECK(w.check(999) == ReplayWindow::Verdict::replayed);
  CHECK(w.check(1000 - 127) == ReplayWindow::Verdict::fresh);
  CHECK(w.check(1000 - 128) == ReplayWindow::Verdict::too_old);
  w.accept(1100);  // the window moves: 999 and 1000 still remembered
  CHECK(w.check(1000) == ReplayWindow::Verdict::replayed);
  CHECK(w.check(999) == ReplayWindow::Verdict::replayed);
  CHECK(w.check(1050) == ReplayWindow::Verdict::fresh);
  w.accept(1100 + 500);  // a jump past the whole window forgets it
  CHECK(w.check(1100) == ReplayWindow::Verdict::too_old);
  CHECK(w.check(1599) == ReplayWindow::Verdict::fresh);
  CHECK(*w.highest() == 1600u);
}
