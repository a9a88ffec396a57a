// Buffer and pool sizes for the aarch64-gateway board (64-bit ARM Linux gateways). Every fixed
// buffer in lsedge takes its size from the board; the gateways share theirs.
#pragma once

#define LSEDGE_BOARD_NAME "aarch64-gateway"

#include "boards/common/gateway_config.h"
