// KubeHttpClient's TLS checks against a real TLS server on loopback: the certificate must be
// for the server URL's host (an IP SAN for an address, a DNS SAN for a name) or for the
// cluster's tls-server-name, unless insecure-skip-tls-verify.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <thread>

#include "runtime/kubernetes/kube_http_client.h"

namespace berth {
namespace {

// A self-signed certificate (its own CA) with the given subjectAltName, and its key, in PEM.
struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

std::string ToPem(int (*write)(BIO*, void*), void* object) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  write(bio.get(), object);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

TestCert MakeCert(const std::string& san) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("kube-apiserver"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, san.c_str()},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, key, EVP_sha256());
  TestCert out;
  out.cert_pem =
      ToPem([](BIO* b, void* o) { return PEM_write_bio_X509(b, static_cast<X509*>(o)); }, x);
  out.key_pem = ToPem(
      [](BIO* b, void* o) {
        return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(o), nullptr, nullptr, 0, nullptr,
                                        nullptr);
      },
      key);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

// Answers one TLS connection on 127.0.0.1 with `200 {}` (or only fails its handshake).
class OneShotTlsServer {
 public:
  explicit OneShotTlsServer(const TestCert& cert) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    BIO* cb = BIO_new_mem_buf(cert.cert_pem.data(), static_cast<int>(cert.cert_pem.size()));
    X509* x = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO* kb = BIO_new_mem_buf(cert.key_pem.data(), static_cast<int>(cert.key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    SSL_CTX_use_certificate(ctx_, x);
    SSL_CTX_use_PrivateKey(ctx_, key);
    X509_free(x);
    EVP_PKEY_free(key);
    BIO_free(cb);
    BIO_free(kb);
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listener_, 1);
    socklen_t len = sizeof addr;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneShotTlsServer() {
    shutdown(listener_, SHUT_RDWR);
    thread_.join();
    close(listener_);
    SSL_CTX_free(ctx_);
  }
  std::string Url() const { return "https://127.0.0.1:" + std::to_string(port_); }

 private:
  void Serve() {
    int fd = accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      char buf[4096];
      SSL_read(ssl, buf, sizeof buf);
      const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}\n";
      SSL_write(ssl, answer, sizeof answer - 1);
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    close(fd);
  }

  SSL_CTX* ctx_ = nullptr;
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
};

StatusOr<KubeResponse> CallWith(const TestCert& cert, KubeConnection c) {
  OneShotTlsServer server(cert);
  c.server = server.Url();
  c.ca_pem = cert.cert_pem;
  c.token = "t";
  RealClock clock;
  KubeHttpOptions options;
  options.request_timeout = Millis(5000);
  auto client = KubeHttpClient::Create(c, clock, options);
  if (!client.ok()) return client.status();
  return (*client)->Call({"GET", "/api", "", ""});
}

TEST(KubeTlsTest, CertificateForTheServersAddressIsAccepted) {
  auto r = CallWith(MakeCert("IP:127.0.0.1"), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
}

TEST(KubeTlsTest, CertificateForAnotherNameFailsSayingSo) {
  auto r = CallWith(MakeCert("DNS:kubernetes.example,IP:10.0.0.1"), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("certificate is not for 127.0.0.1"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("mismatch"), std::string::npos) << r.status().message();
}

TEST(KubeTlsTest, TlsServerNameIsTheNameVerified) {
  KubeConnection c;
  c.tls_server_name = "kubernetes.example";
  auto r = CallWith(MakeCert("DNS:kubernetes.example"), c);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  c.tls_server_name = "other.example";
  auto wrong = CallWith(MakeCert("DNS:kubernetes.example"), c);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("not for other.example"), std::string::npos)
      << wrong.status().message();
}

TEST(KubeTlsTest, InsecureSkipTlsVerifyAcceptsAnyName) {
  KubeConnection c;
  c.insecure_skip_tls_verify = true;
  auto r = CallWith(MakeCert("DNS:kubernetes.example"), c);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
}

}  // namespace
}  // namespace berth
