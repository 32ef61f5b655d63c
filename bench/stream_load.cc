// stream_load: a small load generator for streamed chat completions (SSE), used by
// bench/gateway_bench.sh. It opens N connections at once to one HTTP/1.1 endpoint, sends each a
// streaming chat request, and records per stream:
//   - TTFT: from writing the request to the first SSE event whose delta carries non-empty
//     content (the role-only first chunk does not count);
//   - inter-chunk gaps: time between two reads that each delivered content (a read that
//     delivers several content events at once counts its extra events with gap 0);
//   - completion: HTTP 200, `data: [DONE]` seen and the response ended cleanly.
// It repeats that `--waves` times (a wave starts when the previous one has finished) and prints
// one line of key=value pairs (times in microseconds) for the driver script to parse.
//
// One thread, non-blocking sockets and epoll; TCP_NODELAY on every socket. No third-party code.
//
//   stream_load --port 8000 --path /v1/chat/completions --model qwen3-4b
//               [--key sk-...] [--streams 512] [--waves 1] [--max-tokens 64] [--timeout-s 30]
//               [--ttft-out FILE]   (also appends each stream's TTFT, one per line, to FILE)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int64_t Micros(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::microseconds>(b - a).count();
}

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/v1/chat/completions";
  std::string model;
  std::string key;
  int streams = 64;
  int waves = 1;
  int max_tokens = 64;
  int timeout_s = 30;
  std::string ttft_out;
};

// One stream: its socket, the request still to write, and an incremental HTTP/SSE parser.
struct Stream {
  int fd = -1;
  std::string out;
  size_t written = 0;
  bool sending = true;
  Clock::time_point sent;
  Clock::time_point last_content;
  bool got_content = false;
  int64_t ttft_us = -1;
  int tokens = 0;
  bool finished = false;  // the response ended (or failed); the socket is closed
  bool ok = false;

  // HTTP response parsing.
  std::string raw;  // bytes not yet consumed by the parser
  bool head_done = false;
  int status = 0;
  bool chunked = false;
  int64_t content_left = -1;  // with Content-Length; -1: until EOF (or chunked)
  int64_t chunk_left = 0;     // bytes left in the current chunk
  bool chunk_crlf = false;    // a chunk's data ended; its CRLF is next
  bool body_done = false;
  std::string line;  // the SSE line being assembled from body bytes
  bool saw_done = false;
};

// Whether an SSE `data:` line carries a delta with non-empty content.
bool HasContent(std::string_view line) {
  size_t at = line.find("\"content\"");
  if (at == std::string_view::npos) return false;
  size_t i = at + 9;
  while (i < line.size() && (line[i] == ' ' || line[i] == ':')) ++i;
  return i + 1 < line.size() && line[i] == '"' && line[i + 1] != '"';
}

// Feeds body bytes: splits them into lines; counts content events.
void Body(Stream& s, std::string_view bytes, int& new_tokens) {
  for (char c : bytes) {
    if (c != '\n') {
      s.line.push_back(c);
      continue;
    }
    std::string_view l = s.line;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.starts_with("data:")) {
      if (l.find("[DONE]") != std::string_view::npos) {
        s.saw_done = true;
      } else if (HasContent(l)) {
        ++new_tokens;
      }
    }
    s.line.clear();
  }
}

// Consumes s.raw as far as possible. Returns false on a malformed response.
bool Parse(Stream& s, int& new_tokens) {
  if (!s.head_done) {
    size_t end = s.raw.find("\r\n\r\n");
    if (end == std::string::npos) return s.raw.size() < 65536;
    std::string head = s.raw.substr(0, end);
    s.raw.erase(0, end + 4);
    if (head.size() < 12 || !head.starts_with("HTTP/1.")) return false;
    s.status = std::atoi(head.c_str() + 9);
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    s.chunked = lower.find("transfer-encoding: chunked") != std::string::npos;
    size_t cl = lower.find("content-length:");
    if (!s.chunked && cl != std::string::npos) s.content_left = std::atoll(lower.c_str() + cl + 15);
    s.head_done = true;
  }
  if (!s.chunked) {
    size_t n = s.raw.size();
    if (s.content_left >= 0) n = std::min<size_t>(n, s.content_left);
    Body(s, std::string_view(s.raw).substr(0, n), new_tokens);
    s.raw.erase(0, n);
    if (s.content_left >= 0) {
      s.content_left -= n;
      if (s.content_left == 0) s.body_done = true;
    }
    return true;
  }
  while (!s.body_done) {
    if (s.chunk_left > 0) {
      size_t n = std::min<size_t>(s.raw.size(), s.chunk_left);
      if (n == 0) return true;
      Body(s, std::string_view(s.raw).substr(0, n), new_tokens);
      s.raw.erase(0, n);
      s.chunk_left -= n;
      if (s.chunk_left == 0) s.chunk_crlf = true;
      continue;
    }
    if (s.chunk_crlf) {
      if (s.raw.size() < 2) return true;
      if (s.raw.compare(0, 2, "\r\n") != 0) return false;
      s.raw.erase(0, 2);
      s.chunk_crlf = false;
      continue;
    }
    size_t eol = s.raw.find("\r\n");
    if (eol == std::string::npos) return s.raw.size() < 1024;
    int64_t size = std::strtoll(s.raw.c_str(), nullptr, 16);
    s.raw.erase(0, eol + 2);
    if (size < 0) return false;
    if (size == 0) {
      s.body_done = true;  // trailers (none expected) are ignored
      return true;
    }
    s.chunk_left = size;
  }
  return true;
}

void Close(Stream& s, int epfd, bool ok) {
  if (s.fd >= 0) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, s.fd, nullptr);
    close(s.fd);
    s.fd = -1;
  }
  s.finished = true;
  s.ok = ok;
}

std::string Request(const Options& o) {
  std::string body = "{\"model\":\"" + o.model +
                     "\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about harbors.\"}],"
                     "\"max_tokens\":" +
                     std::to_string(o.max_tokens) + ",\"stream\":true}";
  std::string req = "POST " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" +
                    std::to_string(o.port) +
                    "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n";
  if (!o.key.empty()) req += "Authorization: Bearer " + o.key + "\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return req;
}

// Runs one wave of o.streams concurrent streams; appends its measurements.
void Wave(const Options& o, std::vector<int64_t>& ttfts, std::vector<int64_t>& gaps, int& completed,
          int& failed, int& short_streams) {
  int epfd = epoll_create1(0);
  std::vector<Stream> streams(o.streams);
  std::string request = Request(o);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(o.port);
  inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr);
  int open = 0;
  for (int i = 0; i < o.streams; ++i) {
    Stream& s = streams[i];
    s.out = request;
    s.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
        errno != EINPROGRESS) {
      Close(s, epfd, false);
      continue;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u32 = i;
    epoll_ctl(epfd, EPOLL_CTL_ADD, s.fd, &ev);
    ++open;
  }
  Clock::time_point deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
  std::vector<epoll_event> events(1024);
  char buf[65536];
  while (open > 0 && Clock::now() < deadline) {
    int n = epoll_wait(epfd, events.data(), events.size(), 100);
    for (int k = 0; k < n; ++k) {
      Stream& s = streams[events[k].data.u32];
      if (s.finished) continue;
      if (s.sending && (events[k].events & EPOLLOUT)) {
        if (s.written == 0) s.sent = Clock::now();
        ssize_t w = write(s.fd, s.out.data() + s.written, s.out.size() - s.written);
        if (w < 0 && errno != EAGAIN) {
          Close(s, epfd, false);
          --open;
          continue;
        }
        if (w > 0) s.written += w;
        if (s.written == s.out.size()) {
          s.sending = false;
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.u32 = events[k].data.u32;
          epoll_ctl(epfd, EPOLL_CTL_MOD, s.fd, &ev);
        }
      }
      if (!(events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      ssize_t r = read(s.fd, buf, sizeof buf);
      if (r < 0 && errno == EAGAIN) continue;
      Clock::time_point now = Clock::now();
      if (r <= 0) {  // EOF: fine only for a body delimited by the connection's end
        bool ok = r == 0 && s.head_done && !s.chunked && s.content_left < 0;
        Close(s, epfd, ok && s.status == 200 && s.saw_done);
        --open;
        continue;
      }
      s.raw.append(buf, r);
      int new_tokens = 0;
      if (!Parse(s, new_tokens)) {
        Close(s, epfd, false);
        --open;
        continue;
      }
      if (new_tokens > 0) {
        if (!s.got_content) {
          s.got_content = true;
          s.ttft_us = Micros(s.sent, now);
        } else {
          gaps.push_back(Micros(s.last_content, now));
        }
        for (int t = 1; t < new_tokens; ++t) gaps.push_back(0);
        s.last_content = now;
        s.tokens += new_tokens;
      }
      if (s.body_done) {
        Close(s, epfd, s.status == 200 && s.saw_done);
        --open;
      }
    }
  }
  for (Stream& s : streams) {
    if (!s.finished) Close(s, epfd, false);  // timed out
    if (s.ttft_us >= 0) ttfts.push_back(s.ttft_us);
    if (s.ok) {
      ++completed;
      if (s.tokens < o.max_tokens) ++short_streams;
    } else {
      ++failed;
    }
  }
  close(epfd);
}

int64_t Percentile(std::vector<int64_t>& v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p / 100.0 * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--host")
      o.host = value;
    else if (flag == "--port")
      o.port = std::atoi(value.c_str());
    else if (flag == "--path")
      o.path = value;
    else if (flag == "--model")
      o.model = value;
    else if (flag == "--key")
      o.key = value;
    else if (flag == "--streams")
      o.streams = std::atoi(value.c_str());
    else if (flag == "--waves")
      o.waves = std::atoi(value.c_str());
    else if (flag == "--max-tokens")
      o.max_tokens = std::atoi(value.c_str());
    else if (flag == "--timeout-s")
      o.timeout_s = std::atoi(value.c_str());
    else if (flag == "--ttft-out")
      o.ttft_out = value;
    else {
      std::fprintf(stderr, "stream_load: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (o.port <= 0 || o.model.empty() || o.streams < 1 || o.waves < 1) {
    std::fprintf(stderr,
                 "usage: stream_load --port P --model M [--path /v1/chat/completions] "
                 "[--key K] [--streams N] [--waves W] [--max-tokens T] [--timeout-s S] "
                 "[--ttft-out FILE]\n");
    return 2;
  }
  std::vector<int64_t> ttfts, gaps;
  int completed = 0, failed = 0, short_streams = 0;
  Clock::time_point start = Clock::now();
  for (int w = 0; w < o.waves; ++w) Wave(o, ttfts, gaps, completed, failed, short_streams);
  double seconds = Micros(start, Clock::now()) / 1e6;
  if (!o.ttft_out.empty()) {  // for a driver pooling several runs' TTFTs
    std::FILE* out = std::fopen(o.ttft_out.c_str(), "a");
    if (out == nullptr) {
      std::fprintf(stderr, "stream_load: cannot open %s\n", o.ttft_out.c_str());
      return 2;
    }
    for (int64_t ttft : ttfts) std::fprintf(out, "%lld\n", static_cast<long long>(ttft));
    std::fclose(out);
  }
  int64_t gap_max = gaps.empty() ? -1 : *std::max_element(gaps.begin(), gaps.end());
  std::printf(
      "streams=%d completed=%d failed=%d short=%d ttft_p50_us=%lld ttft_p99_us=%lld "
      "ttft_max_us=%lld gap_p50_us=%lld gap_p99_us=%lld gap_max_us=%lld seconds=%.2f\n",
      o.streams * o.waves, completed, failed, short_streams,
      static_cast<long long>(Percentile(ttfts, 50)), static_cast<long long>(Percentile(ttfts, 99)),
      static_cast<long long>(Percentile(ttfts, 100)), static_cast<long long>(Percentile(gaps, 50)),
      static_cast<long long>(Percentile(gaps, 99)), static_cast<long long>(gap_max), seconds);
  return failed == 0 ? 0 : 1;
}
