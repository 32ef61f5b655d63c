// Compiled only by the Layering.* tests (tests/CMakeLists.txt): it includes a header of the store
// layer, so it must compile in a target that links berth_store and fail in one that does not.
#include "store/store.h"

namespace berth {

bool LayeringProbeHasStore(const Store* store) { return store != nullptr; }

}  // namespace berth
