// The armhf-gateway board (32-bit ARM Linux gateways, hard float). Its sizes are the defaults in
// boards/board_sizes.h.
#pragma once

#define LSEDGE_BOARD_NAME "armhf-gateway"
