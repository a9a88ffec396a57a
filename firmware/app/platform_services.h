// Everything the device program needs from the platform, wired in by main().
#pragma once

#include "firmware/app/config.h"
#include "firmware/app/console.h"
#include "firmware/core/log_sink.h"
#include "hal/clock.h"
#include "hal/entropy.h"
#include "hal/socket.h"
#include "hal/storage.h"
#include "hal/sync.h"

namespace lsedge::app {

// How a long-running command (lsedge run) learns that the process was asked to stop (SIGTERM or
// SIGINT on Linux). Until arm(), the platform's default action applies (short commands just
// die). Thread-safety: requested() from any thread; arm() once, from the CLI thread.
class StopSignal {
 public:
  virtual void arm() = 0;
  [[nodiscard]] virtual bool requested() const = 0;

 protected:
  ~StopSignal() = default;
};

// References only; main() owns the objects. Thread-safety: as the referenced objects.
struct PlatformServices {
  hal::MonotonicClock& clock;
  hal::WallClock& wall_clock;  // status timestamps only
  hal::Entropy& entropy;
  hal::Socket& socket;
  LogSink& log;
  hal::Mutex& token_mutex;
  hal::ConditionVariable& token_condition;
  hal::Storage& storage;
  const EnvLookup& environment;
  Console& console;
  StopSignal& stop;
};

}  // namespace lsedge::app
