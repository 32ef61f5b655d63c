// The single translation unit that compiles Boost.Asio and Beast (BOOST_ASIO_SEPARATE_COMPILATION
// and BOOST_BEAST_SEPARATE_COMPILATION are set on berth_http), so no other file pays for them.

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
// clang-format off
#include <utility>
// clang-format on

#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
