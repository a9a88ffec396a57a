// lsedge whoami / check (the server connection) and lsedge title (local only).
#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/app/cli_common.h"
#include "firmware/app/session.h"
#include "firmware/labelstudio/client.h"
#include "firmware/labelstudio/title.h"

namespace lsedge::app {
namespace {

constexpr std::string_view kCheckUsage = "usage: lsedge check [--count N] [--interval-ms MS]";

// check's --count and --interval-ms.
struct CheckPlan {
  uint64_t count = 1;
  uint64_t interval_ms = 0;
};

Result<CheckPlan> parse_check(const Options& options) {
  CheckPlan plan;
  for (size_t i = 0; i < options.arg_count; i += 2) {
    const std::string_view flag = options.args[i];
    const bool is_count = flag == "--count";
    if (i + 1 >= options.arg_count || (!is_count && flag != "--interval-ms")) {
      return Error(Status::UsageError, kCheckUsage);
    }
    LSEDGE_TRY_ASSIGN(
        (is_count ? plan.count : plan.interval_ms),
        parse_count(options.args[i + 1], is_count ? 1 : 0, is_count ? 1000000 : 86400000, flag));
  }
  return plan;
}

}  // namespace

Outcome cmd_title(const Options& options, PlatformServices&, LogSink&, Reporter& reporter) {
  if (options.arg_count < 1 || options.arg_count > 2) {
    return Error(Status::UsageError, "usage: lsedge title NAME [ID]");
  }
  labelstudio::ProjectTitle title;
  const std::string_view id = options.arg_count == 2 ? options.args[1] : std::string_view();
  LSEDGE_TRY(labelstudio::format_project_title(options.args[0], id, title));
  reporter.title(title.view(), labelstudio::count_code_points(title.view()));
  return {};
}

Outcome cmd_whoami(const Options& options, PlatformServices& platform, LogSink& sink,
                   Reporter& reporter) {
  if (options.arg_count != 0) {
    return Error(Status::UsageError, "usage: lsedge whoami");
  }
  std::optional<Session> session;
  LSEDGE_TRY(start_session(options, platform, sink, session));
  LSEDGE_TRY_ASSIGN(const labelstudio::User user,
                    session->client().whoami(session->request_deadline()));
  reporter.user(user);
  return {};
}

// whoami `count` times, `interval_ms` apart, on one session (one kept-alive connection, access
// tokens refreshed as they come due).
Outcome cmd_check(const Options& options, PlatformServices& platform, LogSink& sink,
                  Reporter& reporter) {
  LSEDGE_TRY_ASSIGN(const CheckPlan plan, parse_check(options));
  std::optional<Session> session;
  LSEDGE_TRY(start_session(options, platform, sink, session));
  for (uint64_t i = 0; i < plan.count; ++i) {
    if (i > 0 && plan.interval_ms > 0) {
      platform.clock.sleep_ms(static_cast<uint32_t>(plan.interval_ms));
    }
    LSEDGE_TRY_ASSIGN(const labelstudio::User user,
                      session->client().whoami(session->request_deadline()));
    reporter.check_ok(i + 1, user.username.view());
  }
  return {};
}

}  // namespace lsedge::app
