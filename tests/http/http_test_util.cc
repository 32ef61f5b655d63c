#include "http_test_util.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <utility>

namespace berth::testing {

std::string ClientResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) {
      return value;
    }
  }
  return "";
}

TestClient::TestClient(int port, std::chrono::milliseconds timeout) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

TestClient::~TestClient() {
  if (fd_ >= 0) close(fd_);
}

bool TestClient::Send(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool TestClient::Fill() {
  char chunk[16384];
  const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0) return false;
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

std::optional<ClientResponse> TestClient::ReadResponse() {
  std::optional<ClientResponse> response = ReadHead();
  if (!response) return std::nullopt;
  const size_t length = std::strtoul(response->Header("Content-Length").c_str(), nullptr, 10);
  while (buffer_.size() < length) {
    if (!Fill()) return std::nullopt;
  }
  response->body = buffer_.substr(0, length);
  buffer_.erase(0, length);
  return response;
}

std::optional<ClientResponse> TestClient::ReadHead() {
  size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill()) return std::nullopt;
  }
  const std::string head = buffer_.substr(0, header_end);
  buffer_.erase(0, header_end + 4);
  ClientResponse response;
  size_t line_end = head.find("\r\n");
  const std::string status_line = head.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return std::nullopt;
  response.status = std::atoi(status_line.c_str() + 9);
  while (line_end != std::string::npos) {
    const size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string line = head.substr(start, line_end - start);
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const size_t value_start = line.find_first_not_of(' ', colon + 1);
    response.headers.emplace_back(line.substr(0, colon),
                                  value_start == std::string::npos ? "" : line.substr(value_start));
  }
  return response;
}

std::optional<std::string> TestClient::ReadLine() {
  size_t end;
  while ((end = buffer_.find("\r\n")) == std::string::npos) {
    if (!Fill()) return std::nullopt;
  }
  std::string line = buffer_.substr(0, end);
  buffer_.erase(0, end + 2);
  return line;
}

std::optional<std::string> TestClient::ReadChunk() {
  const std::optional<std::string> size_line = ReadLine();
  if (!size_line || size_line->empty()) return std::nullopt;
  char* end = nullptr;
  const size_t size = std::strtoul(size_line->c_str(), &end, 16);
  if (end != size_line->c_str() + size_line->size()) return std::nullopt;
  while (buffer_.size() < size + 2) {
    if (!Fill()) return std::nullopt;
  }
  if (buffer_.compare(size, 2, "\r\n") != 0) return std::nullopt;
  std::string data = buffer_.substr(0, size);
  buffer_.erase(0, size + 2);
  return data;
}

std::string TestClient::ReadUntilClose() {
  while (Fill()) {
  }
  return std::exchange(buffer_, "");
}

bool TestClient::WaitForClose() {
  char chunk[16384];
  for (;;) {
    const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

void TestClient::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

std::optional<ClientResponse> RoundTrip(int port, std::string_view request) {
  TestClient client(port);
  if (!client.connected() || !client.Send(request)) return std::nullopt;
  return client.ReadResponse();
}

void EchoHandler(HttpRequest request, HttpResponder respond) {
  HttpResponse response;
  response.status = request.method == "POST" ? 201 : 200;
  response.content_type = "text/plain";
  response.headers = {{"X-Method", request.method},
                      {"X-Path", request.path},
                      {"X-Query", request.query},
                      {"X-Target", request.target},
                      {"X-Echo", std::string(request.Header("x-test"))},
                      {"X-Remote", request.remote_address}};
  response.body = std::move(request.body);
  respond(std::move(response));
}

HttpResponse JsonError(const Status& status) {
  HttpResponse response;
  switch (status.code()) {
    case StatusCode::kPayloadTooLarge:
      response.status = 413;
      break;
    case StatusCode::kDeadlineExceeded:
      response.status = 408;
      break;
    case StatusCode::kInvalidArgument:
      response.status = 400;
      break;
    default:
      response.status = 500;
  }
  response.body = std::string("{\"code\":\"") + StatusCodeName(status.code()) + "\"}";
  return response;
}

HttpServerOptions TestOptions(HttpHandler handler) {
  HttpServerOptions options;
  options.port = 0;
  options.threads = 2;
  options.handler = std::move(handler);
  options.error_response = JsonError;
  options.header_timeout = std::chrono::milliseconds(2000);
  options.body_timeout = std::chrono::milliseconds(2000);
  options.idle_timeout = std::chrono::milliseconds(2000);
  options.drain_timeout = std::chrono::milliseconds(2000);
  return options;
}

std::unique_ptr<HttpServer> Start(HttpServerOptions options) {
  auto server = StartHttpServer(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

HttpResponse TextResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/plain";
  response.body = std::move(body);
  return response;
}

HttpHandler ResponderSlot::Handler() {
  return [this](HttpRequest, HttpResponder respond) {
    std::lock_guard<std::mutex> lock(mu_);
    responder_ = std::move(respond);
    cv_.notify_all();
  };
}

HttpResponder ResponderSlot::Take(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return responder_ != nullptr; });
  return std::exchange(responder_, nullptr);
}

HttpHandler StreamSlot::Handler() {
  return [this](HttpRequest request, HttpResponder respond) {
    if (request.path != "/events") return EchoHandler(std::move(request), std::move(respond));
    HttpResponse response;
    response.content_type = "text/event-stream";
    response.headers = {{"Cache-Control", "no-cache"}};
    response.on_stream = [this](std::shared_ptr<HttpStreamWriter> writer) {
      std::lock_guard<std::mutex> lock(mu_);
      writers_.push_back(std::move(writer));
      ++started_;
      cv_.notify_all();
    };
    respond(std::move(response));
  };
}

std::shared_ptr<HttpStreamWriter> StreamSlot::Take(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return !writers_.empty(); })) return nullptr;
  std::shared_ptr<HttpStreamWriter> writer = std::move(writers_.front());
  writers_.pop_front();
  return writer;
}

int StreamSlot::streams_started() {
  std::lock_guard<std::mutex> lock(mu_);
  return started_;
}

}  // namespace berth::testing
