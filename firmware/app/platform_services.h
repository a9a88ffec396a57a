// Everything the device program needs from the platform, wired in by main().
#pragma once

#include "firmware/app/config.h"
#include "firmware/app/console.h"
#include "hal/clock.h"
#include "hal/entropy.h"
#include "hal/log_sink.h"
#include "hal/socket.h"
#include "hal/storage.h"
#include "hal/sync.h"

namespace lsedge::app {

// References only; main() owns the objects. Thread-safety: as the referenced objects.
struct PlatformServices {
  hal::MonotonicClock& clock;
  hal::Entropy& entropy;
  hal::Socket& socket;
  hal::LogSink& log;
  hal::Mutex& token_mutex;
  hal::ConditionVariable& token_condition;
  hal::Storage& storage;
  const EnvLookup& environment;
  Console& console;
};

}  // namespace lsedge::app
