// The HttpResponder handed to the handler with each request. It may be called from any thread,
// at any later time, even after the connection or the whole server is gone (then the response
// is dropped). Only the first call counts; a responder destroyed without being called answers
// 500 on the handler's behalf. Internal to src/http/.
#pragma once

#include <memory>

#include "http/http_session.h"
#include "http/http_types.h"

namespace berth::http_internal {

// `loop` is the session's.
HttpResponder MakeResponder(asio::io_context& loop, std::weak_ptr<HttpSession> session,
                            std::shared_ptr<ServerShared> shared);

}  // namespace berth::http_internal
