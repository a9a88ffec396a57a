// The json room: parse() and Value (cJSON on an Arena), and the escaping Writer.
#pragma once

#include "firmware/json/value.h"   // IWYU pragma: export
#include "firmware/json/writer.h"  // IWYU pragma: export
