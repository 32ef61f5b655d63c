// Where engine processes listen: the loopback port ProcessRuntime gives each engine it starts.
//
// berth picks the port and the engine binds it a moment later, so a port the kernel may hand to
// anyone else in between is a race: any process that binds port 0 or connects out gets a port
// from the kernel's ephemeral range (net.ipv4.ip_local_port_range), and an engine given such a
// port can find it taken, or worse, berth's health probe can reach the other process. So engine
// ports come from just below the ephemeral range, which the kernel never assigns by itself.
// Pure parsing and a free-standing picker; any thread may call them.
#pragma once

#include <functional>
#include <set>
#include <string>

#include "common/status.h"

namespace berth {

// An inclusive range of TCP ports.
struct PortRange {
  int first = 0;
  int last = 0;
};

// The engine port range for a kernel whose ephemeral range is the text of
// /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999"): the up to 16384 ports just below it,
// never under 1024. When the text is unreadable or leaves fewer than 1024 ports below (an
// ephemeral range starting under 2048), answers {0, 0}: let the kernel pick (bind to port 0), the
// old way.
PortRange EnginePortRangeBelow(const std::string& ip_local_port_range);

// The range for this machine (reads /proc once per call).
PortRange EnginePortRange();

// A loopback TCP port in `range` that is free now (a bind to 127.0.0.1 succeeds) and not in
// `avoid`, trying ports from a random start so that two berths on one machine rarely collide.
// With range {0, 0}, a port the kernel picks. Unavailable when none is found.
StatusOr<int> PickFreePort(const std::set<int>& avoid, PortRange range);

}  // namespace berth
