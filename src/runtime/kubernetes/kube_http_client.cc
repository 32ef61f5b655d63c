#include "runtime/kubernetes/kube_http_client.h"

#include <arpa/inet.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace berth {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct KubeHttpClient::Tls {
  ssl::context context{ssl::context::tls_client};
};

namespace {

constexpr size_t kMaxBody = 64 << 20;

void SetSocketTimeout(int fd, Millis timeout) {
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

Status TlsSetup(const KubeConnection& c, ssl::context& ctx) {
  error_code ec;
  if (c.insecure_skip_tls_verify) {
    ctx.set_verify_mode(ssl::verify_none);
  } else {
    ctx.set_verify_mode(ssl::verify_peer);
    if (c.ca_pem.empty()) {
      ctx.set_default_verify_paths(ec);
    } else {
      ctx.add_certificate_authority(asio::buffer(c.ca_pem), ec);
    }
    if (ec) return InvalidArgument("kubernetes CA certificate: " + ec.message());
  }
  if (!c.client_cert_pem.empty()) {
    ctx.use_certificate_chain(asio::buffer(c.client_cert_pem), ec);
    if (ec) return InvalidArgument("kubernetes client certificate: " + ec.message());
    ctx.use_private_key(asio::buffer(c.client_key_pem), ssl::context::pem, ec);
    if (ec) return InvalidArgument("kubernetes client key: " + ec.message());
  }
  return Status::Ok();
}

// Splits "https://host:port/..." into host and port (443 by default).
Status SplitServer(const std::string& server, std::string& host, std::string& port) {
  std::string rest = server.substr(std::string("https://").size());
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string::npos) return InvalidArgument("bad server URL " + server);
    host = rest.substr(1, close - 1);
    port = close + 2 <= rest.size() ? rest.substr(close + 2) : "";
  } else {
    size_t colon = rest.find(':');
    host = rest.substr(0, colon);
    port = colon == std::string::npos ? "" : rest.substr(colon + 1);
  }
  if (port.empty()) port = "443";
  if (host.empty()) return InvalidArgument("bad server URL " + server);
  return Status::Ok();
}

// Connects within `timeout` (Asio's sync connect has no deadline of its own).
error_code ConnectWithin(asio::io_context& io, tcp::socket& socket, const std::string& host,
                         const std::string& port, Millis timeout) {
  tcp::resolver resolver(io);
  error_code ec;
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return ec;
  ec = asio::error::timed_out;
  asio::async_connect(socket, endpoints,
                      [&ec](const error_code& result, const tcp::endpoint&) { ec = result; });
  io.run_for(timeout);
  if (ec == asio::error::timed_out) socket.close();
  return ec;
}

bool IsIpAddress(const std::string& host) {
  unsigned char addr[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), addr) == 1 ||
         inet_pton(AF_INET6, host.c_str(), addr) == 1;
}

// Makes the handshake fail unless the certificate names `name`: its IP SANs for an address,
// its DNS SANs (whole-label wildcards only) for a name, as client-go checks.
Status VerifyName(SSL* ssl, const std::string& name) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (IsIpAddress(name)) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1) {
      return Internal("cannot verify the apiserver certificate for " + name);
    }
    return Status::Ok();
  }
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size()) != 1) {
    return Internal("cannot verify the apiserver certificate for " + name);
  }
  return Status::Ok();
}

// Why a handshake failed, with OpenSSL's verdict on the certificate when it was that.
std::string HandshakeError(SSL* ssl, const error_code& ec, const std::string& name) {
  long verdict = SSL_get_verify_result(ssl);
  if (verdict == X509_V_OK) return ec.message();
  std::string why = X509_verify_cert_error_string(verdict);
  if (verdict == X509_V_ERR_HOSTNAME_MISMATCH || verdict == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    why += ": the apiserver's certificate is not for " + name +
           " (use the name it was issued for in the server URL, or set the cluster's "
           "tls-server-name)";
  }
  return "certificate verify failed: " + why;
}

}  // namespace

StatusOr<std::unique_ptr<KubeHttpClient>> KubeHttpClient::Create(const KubeConnection& connection,
                                                                 const Clock& clock,
                                                                 KubeHttpOptions options) {
  std::unique_ptr<KubeHttpClient> client(new KubeHttpClient(connection, clock, options));
  RETURN_IF_ERROR(SplitServer(connection.server, client->host_, client->port_));
  RETURN_IF_ERROR(TlsSetup(connection, client->tls_->context));
  if (!connection.insecure_skip_tls_verify) {
    client->verify_name_ =
        connection.tls_server_name.empty() ? client->host_ : connection.tls_server_name;
  }
  return client;
}

KubeHttpClient::KubeHttpClient(const KubeConnection& connection, const Clock& clock,
                               KubeHttpOptions options)
    : options_(options), credentials_(connection, clock), tls_(std::make_unique<Tls>()) {}

KubeHttpClient::~KubeHttpClient() = default;

StatusOr<KubeResponse> KubeHttpClient::Call(const KubeRequest& request) {
  StatusOr<KubeResponse> response = Exchange(request, nullptr);
  if (response.ok() && response->status == 401) {
    credentials_.Invalidate();  // an expired plugin token: one more try with a fresh one
    response = Exchange(request, nullptr);
  }
  return response;
}

StatusOr<KubeResponse> KubeHttpClient::Watch(const std::string& path, const LineHandler& on_line) {
  return Exchange({"GET", path, "", ""}, &on_line);
}

void KubeHttpClient::CancelWatches() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  for (int fd : watch_fds_) ::shutdown(fd, SHUT_RDWR);
}

namespace {

// Reads a 200 watch body piece by piece and hands over complete lines.
error_code StreamLines(ssl::stream<tcp::socket>& stream, boost::beast::flat_buffer& buffer,
                       http::response_parser<http::buffer_body>& parser,
                       const KubeTransport::LineHandler& on_line) {
  std::string pending;
  char chunk[16384];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    error_code ec;
    http::read(stream, buffer, parser, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return ec;
    pending.append(chunk, sizeof chunk - parser.get().body().size);
    size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, newline);
      pending.erase(0, newline + 1);
      if (!line.empty() && !on_line(line)) return {};
    }
    if (pending.size() > kMaxBody) return http::error::body_limit;
  }
  if (!pending.empty()) on_line(pending);
  return {};
}

}  // namespace

StatusOr<KubeResponse> KubeHttpClient::Exchange(const KubeRequest& request,
                                                const LineHandler* on_line) {
  ASSIGN_OR_RETURN(std::string token, credentials_.BearerToken());
  asio::io_context io;
  ssl::stream<tcp::socket> stream(io, tls_->context);
  std::string where = "kubernetes apiserver " + host_ + ":" + port_;
  error_code ec = ConnectWithin(io, stream.next_layer(), host_, port_, options_.connect_timeout);
  if (ec) return Unavailable("cannot connect to " + where + ": " + ec.message());
  int fd = stream.next_layer().native_handle();
  SetSocketTimeout(fd, on_line ? options_.watch_idle_timeout : options_.request_timeout);
  const std::string& sni = verify_name_.empty() ? host_ : verify_name_;
  // SNI carries a host name, never an address (RFC 6066).
  if (!IsIpAddress(sni)) SSL_set_tlsext_host_name(stream.native_handle(), sni.c_str());
  if (!verify_name_.empty()) RETURN_IF_ERROR(VerifyName(stream.native_handle(), verify_name_));
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) {
    return Unavailable("TLS handshake with " + where +
                       " failed: " + HandshakeError(stream.native_handle(), ec, verify_name_));
  }

  http::request<http::string_body> req(http::string_to_verb(request.method), request.path, 11);
  req.set(http::field::host, host_);
  req.set(http::field::accept, "application/json");
  req.set(http::field::user_agent, "berth");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (!request.body.empty() || request.method != "GET") {
    req.set(http::field::content_type, request.content_type);
    req.body() = request.body;
    req.prepare_payload();
  }
  http::write(stream, req, ec);
  if (ec) return Unavailable("cannot send to " + where + ": " + ec.message());

  boost::beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(on_line ? std::numeric_limits<std::uint64_t>::max() : kMaxBody);
  http::read_header(stream, buffer, parser, ec);
  if (ec) return Unavailable("no answer from " + where + ": " + ec.message());
  KubeResponse response;
  response.status = static_cast<int>(parser.get().result_int());
  if (on_line && response.status == 200) {
    {
      std::lock_guard lock(mu_);
      if (cancelled_) return Unavailable("watch cancelled");
      watch_fds_.insert(fd);
    }
    ec = StreamLines(stream, buffer, parser, *on_line);
    std::lock_guard lock(mu_);
    watch_fds_.erase(fd);
    if (ec && ec != http::error::end_of_stream) {
      return Unavailable("watch stream from " + where + " broke: " + ec.message());
    }
    return response;
  }
  ec = StreamLines(stream, buffer, parser, [&response](std::string_view line) {
    response.body.append(line);
    response.body.push_back('\n');
    return true;
  });
  if (ec) return Unavailable("answer from " + where + " broke: " + ec.message());
  return response;
}

}  // namespace berth
