// Only json/ may include cJSON: as part of labelstudio/ this include must not be found.
#include <cjson/cJSON.h>

int lsedge_rooms_test_cjson() {
  return cJSON_IsTrue(nullptr);
}
