// The aarch64-gateway board (64-bit ARM Linux gateways). Its sizes are the defaults in
// boards/board_sizes.h.
#pragma once

#define LSEDGE_BOARD_NAME "aarch64-gateway"
