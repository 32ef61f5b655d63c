#include "common/thread_name.h"

#include <pthread.h>

#include <algorithm>
#include <cstring>

namespace berth {

void NameThisThread(std::string_view name) {
  char buffer[16];  // the kernel's limit, the terminating NUL included
  const size_t n = std::min(name.size(), sizeof buffer - 1);
  std::memcpy(buffer, name.data(), n);
  buffer[n] = '\0';
  pthread_setname_np(pthread_self(), buffer);  // only fails for a name over the limit
}

}  // namespace berth
