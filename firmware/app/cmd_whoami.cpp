// lsedge whoami / check (the server connection) and lsedge title (local only).
#include <cstdint>
#include <string_view>

#include <optional>

#include "firmware/app/cli_common.h"
#include "firmware/app/session.h"
#include "firmware/labelstudio/client.h"
#include "firmware/labelstudio/title.h"

namespace lsedge::app {
namespace {

void print_user(Console& console, const labelstudio::User& user, bool as_json) {
  Line line;
  if (as_json) {
    line.append_truncated("{\"id\":");
    (void)line.append_int(user.id);
    line.append_truncated(",\"email\":");
    print_json_string(line, user.email.view());
    line.append_truncated(",\"username\":");
    print_json_string(line, user.username.view());
    line.append_truncated("}\n");
  } else {
    line.append_truncated("id: ");
    (void)line.append_int(user.id);
    line.append_truncated("\nemail: ");
    line.append_truncated(user.email.view());
    line.append_truncated("\nusername: ");
    line.append_truncated(user.username.view());
    line.append_truncated("\n");
  }
  console.out(line.view());
}

}  // namespace

int cmd_title(const Options& options, Console& console) {
  if (options.arg_count < 1 || options.arg_count > 2) {
    return fail(console, Error(Status::UsageError, "usage: lsedge title NAME [ID]"), options.json);
  }
  labelstudio::ProjectTitle title;
  const std::string_view id = options.arg_count == 2 ? options.args[1] : std::string_view();
  const Outcome outcome = labelstudio::format_project_title(options.args[0], id, title);
  if (!outcome.ok()) {
    return fail(console, outcome.error(), options.json);
  }
  Line line;
  if (options.json) {
    line.append_truncated("{\"title\":");
    print_json_string(line, title.view());
    line.append_truncated(",\"characters\":");
    (void)line.append_uint(labelstudio::count_code_points(title.view()));
    line.append_truncated("}\n");
  } else {
    line.append_truncated(title.view());
    line.append_truncated("\n");
  }
  console.out(line.view());
  return 0;
}

// whoami, once; or `check`: whoami `count` times, `interval_ms` apart, on one session (one
// kept-alive connection, access tokens refreshed as they come due).
int cmd_whoami(const Options& options, PlatformServices& platform, LogSink& sink, bool check) {
  uint64_t count = 1;
  uint64_t interval_ms = 0;
  const Error usage(Status::UsageError, check ? "usage: lsedge check [--count N] [--interval-ms MS]"
                                              : "usage: lsedge whoami");
  if (!check && options.arg_count != 0) {
    return fail(platform.console, usage, options.json);
  }
  for (size_t i = 0; check && i < options.arg_count; i += 2) {
    const std::string_view flag = options.args[i];
    if (i + 1 >= options.arg_count || (flag != "--count" && flag != "--interval-ms")) {
      return fail(platform.console, usage, options.json);
    }
    auto value = flag == "--count" ? parse_count(options.args[i + 1], 1, 1000000, flag)
                                   : parse_count(options.args[i + 1], 0, 86400000, flag);
    if (!value.ok()) {
      return fail(platform.console, value.error(), options.json);
    }
    (flag == "--count" ? count : interval_ms) = *value;
  }
  std::optional<Session> session;
  const Outcome started = start_session(options, platform, sink, session);
  if (!started.ok()) {
    return fail(platform.console, started.error(), options.json);
  }
  for (uint64_t i = 0; i < count; ++i) {
    if (i > 0 && interval_ms > 0) {
      platform.clock.sleep_ms(static_cast<uint32_t>(interval_ms));
    }
    auto user = session->client().whoami(session->request_deadline());
    if (!user.ok()) {
      return fail(platform.console, user.error(), options.json);
    }
    if (!check) {
      print_user(platform.console, *user, options.json);
    } else {
      Line line;
      line.append_truncated(options.json ? "{\"check\":" : "check ");
      (void)line.append_uint(i + 1);
      line.append_truncated(options.json ? ",\"ok\":true,\"username\":" : ": ok, user ");
      if (options.json) {
        print_json_string(line, user->username.view());
        line.append_truncated("}");
      } else {
        line.append_truncated(user->username.view());
      }
      line.append_truncated("\n");
      platform.console.out(line.view());
    }
  }
  return 0;
}

}  // namespace lsedge::app
