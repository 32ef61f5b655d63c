// NameThisThread: names the calling thread as ps -L, top -H, perf and gdb show it ("berth-http-0",
// "berth-db-writer"), so an operator can tell which of berth's threads is busy or stuck. Linux
// keeps 15 bytes of a name; longer ones are cut. Call it first in a thread's function; any thread.
#pragma once

#include <string_view>

namespace berth {

void NameThisThread(std::string_view name);

}  // namespace berth
