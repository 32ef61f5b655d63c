// The seed catalog's bytes come from a source generated at build time (embed_file.cmake).
#include <cstddef>
#include <string_view>

#include "store/catalog_loader.h"

namespace berth {

extern const char kSeedCatalogJson[];
extern const std::size_t kSeedCatalogJsonSize;

std::string_view EmbeddedSeedCatalog() {
  return std::string_view(kSeedCatalogJson, kSeedCatalogJsonSize);
}

}  // namespace berth
