// FUZZ_CHECK: the fuzz targets' assertion. A property that does not hold prints where and aborts,
// which libFuzzer reports as a crash with the input that caused it. Single-threaded, like the
// targets themselves.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                 \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)
