// HttpSession's streamed responses: the head, then one chunk per queued write, while a read stays
// outstanding so a client that leaves is noticed even when the producer is quiet.

#include <charconv>
#include <exception>
#include <string_view>
#include <utility>

#include "common/log.h"
#include "http/http_message.h"
#include "http/http_session.h"
#include "http/send_now.h"

namespace berth::http_internal {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";

// A client may pipeline its next request while the stream runs; it is kept for afterwards.
constexpr size_t kWatchReadBytes = 1024;
// Batches written at once (SendNow) one inside another before one waits for the loop.
constexpr int kMaxDirectWrites = 4;

// "<size in hex>\r\n": a chunk's size line.
std::string ChunkSizeLine(size_t size) {
  char line[sizeof(size_t) * 2 + 2];
  char* end = std::to_chars(line, line + sizeof line - 2, size, 16).ptr;
  *end++ = '\r';
  *end++ = '\n';
  return std::string(line, end);
}

}  // namespace

void HttpSession::StartStream(HttpResponse response, bool keep_alive) {
  StreamFraming framing;
  try {
    framing = SerializeStreamHead(response, {version_, keep_alive, head_}, write_head_);
  } catch (const std::exception& e) {
    LOG_ERROR("http: cannot build a stream head: {}", e.what());
    EndInFlight();
    return Close();
  }
  stream_.chunked = framing.chunked;
  stream_.keep_alive = framing.keep_alive;
  stream_.channel = framing.has_body ? std::make_shared<StreamChannel>() : nullptr;
  stream_.active = true;
  stream_.complete = false;
  stream_.writing = true;  // the producer's first writes wait here, to go out with the head
  if (!stream_.channel) return WriteStreamHeadAlone();  // HEAD, 204, 304: the head is all
  CallOnStream(std::move(response.on_stream));
  // What the producer wrote (or whether it finished) within its call goes in the head's write:
  // a proxy that starts the stream with the engine's first events sends one packet, not two.
  StreamChannel::Batch batch = stream_.channel->Take();
  const StreamChannel::End end = batch.end;
  // A stream still open after that is watched for its client leaving; one that ended in the
  // producer's call (a short answer that came in one piece) is all in this write, whose error
  // would say the client left: no read to start and cancel.
  if (end == StreamChannel::End::kOpen) DoStreamWatch();
  FrameBatch(batch);
  stream_.buffers.insert(stream_.buffers.begin(), asio::buffer(write_head_));
  if (SendNow(socket_, stream_.buffers)) return OnStreamWrite({}, end);
  ArmDeadline(shared_->options.body_timeout);
  asio::async_write(
      socket_, stream_.buffers,
      [self = shared_from_this(), end](error_code ec, size_t) { self->OnStreamWrite(ec, end); });
}

void HttpSession::WriteStreamHeadAlone() {
  stream_.buffers.assign({asio::buffer(write_head_)});
  if (SendNow(socket_, stream_.buffers)) return OnStreamHead({});
  ArmDeadline(shared_->options.body_timeout);
  asio::async_write(socket_, stream_.buffers,
                    [self = shared_from_this()](error_code ec, size_t) { self->OnStreamHead(ec); });
}

void HttpSession::CallOnStream(std::function<void(std::shared_ptr<HttpStreamWriter>)> on_stream) {
  // A writer the callback does not keep is destroyed here, which abandons the stream.
  try {
    on_stream(MakeStreamWriter(loop_, stream_.channel, weak_from_this(), shared_));
  } catch (const std::exception& e) {
    LOG_ERROR("http: on_stream threw: {}", e.what());
  } catch (...) {
    LOG_ERROR("http: on_stream threw a non-standard exception");
  }
}

void HttpSession::OnStreamHead(error_code ec) {
  const bool timed_out = DisarmDeadline();
  stream_.writing = false;
  stream_.buffers.clear();
  if (!stream_.active) return;
  if (ec) return StreamGone(timed_out ? "the head was not written in time" : ec.message());
  CompleteStream();
}

void HttpSession::PumpStream() {
  if (!stream_.active || stream_.writing || stream_.complete || !stream_.channel) return;
  StreamChannel::Batch batch = stream_.channel->Take(std::move(stream_.pieces));
  if (batch.pieces.empty() && batch.end == StreamChannel::End::kOpen) return;
  DoStreamWrite(std::move(batch));
}

void HttpSession::DoStreamWatch() {
  // Past the limit the client's bytes stay unread; write errors still reveal a dead client.
  if (buffer_.size() >= shared_->options.max_header_bytes) return;
  stream_.watching = true;
  socket_.async_read_some(
      buffer_.prepare(kWatchReadBytes),
      [self = shared_from_this()](error_code ec, size_t bytes) { self->OnStreamWatch(ec, bytes); });
}

void HttpSession::OnStreamWatch(error_code ec, size_t bytes) {
  stream_.watching = false;
  buffer_.commit(bytes);
  if (stream_.complete) return AfterStream();
  if (!stream_.active) return;
  if (ec == asio::error::eof) return StreamGone("the client closed the connection");
  if (ec) return StreamGone(timed_out_ ? "a chunk was not written in time" : ec.message());
  DoStreamWatch();
}

void HttpSession::DoStreamWrite(StreamChannel::Batch batch) {
  const StreamChannel::End end = batch.end;
  FrameBatch(batch);
  if (stream_.buffers.empty()) return OnStreamWrite({}, end);
  stream_.writing = true;
  // A chunk the socket takes at once is done here: no completion to queue and wait for. Nested
  // at most kMaxDirectWrites deep (OnStreamWrite takes the next batch), so a producer on another
  // thread that keeps queueing cannot grow the stack; past that the loop's turn comes first.
  if (stream_.direct_depth < kMaxDirectWrites && SendNow(socket_, stream_.buffers)) {
    ++stream_.direct_depth;
    OnStreamWrite({}, end);
    --stream_.direct_depth;
    return;
  }
  ArmDeadline(shared_->options.body_timeout);
  asio::async_write(
      socket_, stream_.buffers,
      [self = shared_from_this(), end](error_code ec, size_t) { self->OnStreamWrite(ec, end); });
}

// Each piece becomes one chunk; the pieces are never empty (an empty chunk would end the body).
void HttpSession::FrameBatch(StreamChannel::Batch& batch) {
  stream_.pieces = std::move(batch.pieces);
  stream_.batch_bytes = batch.bytes;
  stream_.chunk_sizes.clear();
  stream_.buffers.clear();
  if (!stream_.chunked) {
    for (const std::string& piece : stream_.pieces) stream_.buffers.push_back(asio::buffer(piece));
    return;
  }
  // Reserved up front: the buffers point into these strings, which must not move.
  stream_.chunk_sizes.reserve(stream_.pieces.size());
  stream_.buffers.reserve(stream_.pieces.size() * 3 + 1);
  for (const std::string& piece : stream_.pieces) {
    const std::string& size = stream_.chunk_sizes.emplace_back(ChunkSizeLine(piece.size()));
    stream_.buffers.push_back(asio::buffer(size));
    stream_.buffers.push_back(asio::buffer(piece));
    stream_.buffers.push_back(asio::buffer(kCrlf.data(), kCrlf.size()));
  }
  if (batch.end == StreamChannel::End::kFinished) {
    stream_.buffers.push_back(asio::buffer(kLastChunk.data(), kLastChunk.size()));
  }
}

void HttpSession::OnStreamWrite(error_code ec, StreamChannel::End end) {
  const bool timed_out = DisarmDeadline();
  stream_.writing = false;
  stream_.pieces.clear();
  stream_.chunk_sizes.clear();
  stream_.buffers.clear();
  if (!stream_.active) return;
  stream_.channel->Wrote(std::exchange(stream_.batch_bytes, 0));
  if (ec) return StreamGone(timed_out ? "a chunk was not written in time" : ec.message());
  if (end == StreamChannel::End::kOpen) return PumpStream();
  if (end == StreamChannel::End::kAbandoned) {
    LOG_WARN("http: a stream writer was dropped without Finish(); closing the connection");
  }
  // Without the terminating chunk (or without chunking) only closing tells the client it ended.
  if (end == StreamChannel::End::kAbandoned || !stream_.chunked) stream_.keep_alive = false;
  CompleteStream();
}

void HttpSession::CompleteStream() {
  if (stream_.channel) stream_.channel->Detach();
  stream_.complete = true;
  if (!stream_.watching) return AfterStream();
  error_code ec;
  socket_.cancel(ec);  // OnStreamWatch continues with AfterStream
}

void HttpSession::AfterStream() {
  const bool keep_alive = stream_.keep_alive;
  stream_.channel.reset();
  stream_.active = false;
  stream_.complete = false;
  std::shared_ptr<HttpSession> self = std::move(answering_);  // holds `this` to the end
  EndInFlight();
  if (!keep_alive || shared_->stopping) return ShutdownAndLinger();
  DoWaitIdle();
}

void HttpSession::StreamGone(std::string_view reason) {
  LOG_DEBUG("http: streaming to {} ended early: {}", remote_address_, reason);
  DisarmDeadline();
  std::shared_ptr<StreamChannel> channel = std::move(stream_.channel);
  stream_.active = false;
  stream_.complete = false;
  EndInFlight();
  Close();
  if (channel) channel->MarkGone();
}

}  // namespace berth::http_internal
