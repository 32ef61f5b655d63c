// Caller: who is making a request, as established by AuthService. Plain value.
#pragma once

#include <string>

namespace berth {

struct Caller {
  std::string key_id;
  std::string workspace_id;  // the workspace the request acts in
  bool admin = false;
};

}  // namespace berth
