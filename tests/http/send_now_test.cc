// SendNow: what the socket takes is sent and removed from the buffers, the rest stays for the
// async_write, and nothing it meets (a full socket, a closed peer) blocks or raises SIGPIPE.
#include "http/send_now.h"

#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace berth::http_internal {
namespace {

// A connected pair of loopback TCP sockets.
struct SocketPair {
  SocketPair() : acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    sender.connect(acceptor.local_endpoint());
    acceptor.accept(receiver);
  }
  std::string ReadAll(size_t n) {
    std::string got(n, '\0');
    asio::read(receiver, asio::buffer(got));
    return got;
  }
  asio::io_context io;
  tcp::acceptor acceptor;
  tcp::socket sender{io};
  tcp::socket receiver{io};
};

size_t Bytes(const std::vector<asio::const_buffer>& buffers) {
  size_t n = 0;
  for (const asio::const_buffer& b : buffers) n += b.size();
  return n;
}

TEST(SendNowTest, WhatFitsIsSentWholeAndTheBuffersEmptied) {
  SocketPair pair;
  const std::string head = "HTTP/1.1 200 OK\r\n\r\n", body = "hello";
  std::vector<asio::const_buffer> buffers = {asio::buffer(head), asio::const_buffer(),
                                             asio::buffer(body)};
  EXPECT_TRUE(SendNow(pair.sender, buffers));
  EXPECT_TRUE(buffers.empty());
  EXPECT_EQ(pair.ReadAll(head.size() + body.size()), head + body);
}

TEST(SendNowTest, AFullSocketLeavesTheRestInTheBuffers) {
  SocketPair pair;
  pair.sender.set_option(asio::socket_base::send_buffer_size(4096));
  const std::string a(1 << 20, 'a'), b(256 << 10, 'b'), c = "end";
  std::vector<asio::const_buffer> buffers = {asio::buffer(a), asio::buffer(b), asio::buffer(c)};
  const size_t total = a.size() + b.size() + c.size();
  EXPECT_FALSE(SendNow(pair.sender, buffers));  // never blocks: 1.25 MB cannot fit
  const size_t left = Bytes(buffers);
  EXPECT_GT(left, 0u);
  EXPECT_LT(left, total);
  // The rest, written as the session's async_write would: the peer gets every byte in order.
  std::thread rest([&] { asio::write(pair.sender, buffers); });
  std::string got = pair.ReadAll(total);
  rest.join();
  EXPECT_TRUE(got == a + b + c);
}

TEST(SendNowTest, AClosedPeerIsLeftToTheAsyncWriteAndRaisesNoSignal) {
  SocketPair pair;
  pair.receiver.close();
  const std::string data(64 << 10, 'x');
  std::vector<asio::const_buffer> buffers;
  bool sent_all = true;
  // The first sends may land before the reset arrives; then EPIPE, which must not kill the test.
  for (int i = 0; i < 64 && sent_all; ++i) {
    buffers = {asio::buffer(data)};
    sent_all = SendNow(pair.sender, buffers);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_FALSE(sent_all);
  EXPECT_EQ(Bytes(buffers), data.size());  // an error consumes nothing
}

TEST(SendNowTest, AClosedSocketSendsNothing) {
  SocketPair pair;
  pair.sender.close();
  const std::string data = "x";
  std::vector<asio::const_buffer> buffers = {asio::buffer(data)};
  EXPECT_FALSE(SendNow(pair.sender, buffers));
  EXPECT_EQ(Bytes(buffers), 1u);
}

}  // namespace
}  // namespace berth::http_internal
