// Compiled twice by tests/rooms/CMakeLists.txt: as if it were part of json/ (which may not use
// http/, so the include must not be found) and as part of a target that links http/ (so the
// failure can only come from the graph, not from this file).
#include "firmware/http/http.h"

namespace lsedge::rooms_test {
const char* method() {
  return http::method_name(http::Method::Get);
}
}  // namespace lsedge::rooms_test
