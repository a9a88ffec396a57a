// Buffer and pool sizes for the armhf-gateway board (32-bit ARMv7 hard-float Linux gateways). Every
// fixed buffer in lsedge takes its size from the board; the gateways share theirs.
#pragma once

#define LSEDGE_BOARD_NAME "armhf-gateway"

#include "boards/common/gateway_config.h"
