// The one header that brings Boost.Asio and Beast into berth. Include it only from files under
// src/http/ that other layers never include (the internal headers and .cc files); it has no state.
#pragma once

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>, so <utility>
// must come before any Asio header.
// clang-format off
#include <utility>
// clang-format on

#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace berth::http_internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using error_code = boost::beast::error_code;

using BeastRequest = http::request<http::string_body>;
using BeastResponse = http::response<http::string_body>;

}  // namespace berth::http_internal
