#include "firmware/app/status_text.h"

#include "firmware/app/cli_common.h"

#include <gtest/gtest.h>

#include <string>

namespace lsedge::app {
namespace {

TEST(StatusText, EveryValueHasAMessage) {
  for (unsigned i = 0; i < static_cast<unsigned>(Status::kCount_); ++i) {
    const auto s = static_cast<Status>(i);
    EXPECT_GT(std::string(status_message(s)).size(), 5u) << status_name(s);
  }
}

// README's "Exit codes" table, row by row: each status a command can end with, in its row.
TEST(StatusText, ExitCodesMatchTheReadmeTable) {
  // 2: usage or configuration (a bad option or setting, a wrong URL, a redirect, a missing
  // project, a bad local task file, a path that is not a usable file or directory).
  for (Status s :
       {Status::UsageError, Status::ConfigMissing, Status::ConfigInvalid, Status::EmptyInput,
        Status::InvalidUtf8, Status::InsecureHttpRefused, Status::NoApiAtUrl,
        Status::HttpToHttpsPort, Status::Redirected, Status::TaskFileInvalid,
        Status::UnsafeSettingsFile, Status::NotASpool, Status::SpoolNotFound, Status::SpoolBusy,
        Status::NotARegularFile, Status::NotADirectory, Status::FileAccessDenied}) {
    EXPECT_EQ(exit_code_for(s), 2) << status_name(s);
  }
  // 3: authentication, 401 and 403 alike (the systemd unit must not restart on either).
  for (Status s : {Status::MalformedToken, Status::AccessTokenGiven, Status::AuthenticationFailed,
                   Status::RefreshRejected, Status::PermissionDenied}) {
    EXPECT_EQ(exit_code_for(s), 3) << status_name(s);
  }
  // 4: network or TLS.
  for (Status s :
       {Status::Timeout, Status::PeerClosed, Status::ConnectionReset, Status::ConnectionRefused,
        Status::DnsFailure, Status::NetworkError, Status::TlsHandshakeFailed, Status::TlsUnknownCa,
        Status::TlsCertificateExpired, Status::TlsNameMismatch, Status::TlsPinMismatch,
        Status::HttpTruncatedResponse}) {
    EXPECT_EQ(exit_code_for(s), 4) << status_name(s);
  }
  // 5: server or other; a token the server issued badly is the server's fault, not the PAT's.
  for (Status s : {Status::ServerError, Status::ValidationFailed, Status::NotFound,
                   Status::UnexpectedHttpStatus, Status::JsonInvalid, Status::JsonMissingField,
                   Status::ServerTokenMalformed, Status::PaginationRunaway, Status::NoSpace,
                   Status::FileError, Status::FileNotFound}) {
    EXPECT_EQ(exit_code_for(s), 5) << status_name(s);
  }
  // 6: the spool is at its size cap (spool add queued nothing).
  EXPECT_EQ(exit_code_for(Status::SpoolFull), 6);
}

TEST(StatusText, ExitCodesFollowTheCliContract) {
  EXPECT_EQ(exit_code_for(Status::Ok), 0);
  EXPECT_EQ(exit_code_for(Status::UsageError), 2);
  EXPECT_EQ(exit_code_for(Status::ConfigMissing), 2);
  EXPECT_EQ(exit_code_for(Status::ConfigInvalid), 2);
  EXPECT_EQ(exit_code_for(Status::InsecureHttpRefused), 2);
  EXPECT_EQ(exit_code_for(Status::AuthenticationFailed), 3);
  EXPECT_EQ(exit_code_for(Status::RefreshRejected), 3);
  EXPECT_EQ(exit_code_for(Status::AccessTokenGiven), 3);
  EXPECT_EQ(exit_code_for(Status::MalformedToken), 3);
  EXPECT_EQ(exit_code_for(Status::ConnectionRefused), 4);
  EXPECT_EQ(exit_code_for(Status::TlsUnknownCa), 4);
  EXPECT_EQ(exit_code_for(Status::Timeout), 4);
  EXPECT_EQ(exit_code_for(Status::ServerError), 5);
  EXPECT_EQ(exit_code_for(Status::ValidationFailed), 5);
}

// Moved from auth's credential test with the messages: a refused access token says what to paste.
TEST(StatusText, AnAccessTokenIsRefusedWithAHintToPasteThePat) {
  EXPECT_NE(std::string(status_message(Status::AccessTokenGiven)).find("Personal Access Token"),
            std::string::npos);
}

// A message names whose fault it is: a local file's is never "the server's answer", a server's
// token never the configured one.
TEST(StatusText, MessagesBlameTheRightParty) {
  const std::string task_file = status_message(Status::TaskFileInvalid);
  EXPECT_EQ(task_file.find("server"), std::string::npos) << task_file;
  EXPECT_NE(task_file.find("local task file"), std::string::npos);
  const std::string server_token = status_message(Status::ServerTokenMalformed);
  EXPECT_NE(server_token.find("the configured token is fine"), std::string::npos);
  EXPECT_NE(std::string(status_message(Status::PaginationRunaway)).find("'next'"),
            std::string::npos);
}

TEST(StatusText, FileProblemsSayTheCause) {
  EXPECT_EQ(file_problem(Status::FileNotFound), "no such file or directory");
  EXPECT_NE(file_problem(Status::NotARegularFile).find("directory, device or FIFO"),
            std::string::npos);
  EXPECT_NE(file_problem(Status::FileAccessDenied).find("permission denied"), std::string::npos);
  EXPECT_EQ(file_problem(Status::NotADirectory), "not a directory");
  EXPECT_EQ(file_problem(Status::ServerError), "");
}

// The local task file's scanner errors are the file's fault: TaskFileInvalid naming the path,
// never JsonInvalid ("the server's answer is not valid JSON").
TEST(CliErrors, ATaskFilesOwnFaultsAreTaskFileInvalidNamingThePath) {
  const Error scanned(Status::JsonInvalid,
                      "task file: expected a value, found 'x' in task 2 at byte 23 (line 2)");
  const Error named = task_file_error(scanned, "/data/t.json");
  EXPECT_EQ(named.status, Status::TaskFileInvalid);
  EXPECT_EQ(std::string(named.detail.view()),
            "task file /data/t.json: expected a value, found 'x' in task 2 at byte 23 (line 2)");
  EXPECT_EQ(exit_code_for(named.status), 2);
  for (Status s : {Status::ValidationFailed, Status::EmptyInput}) {
    EXPECT_EQ(task_file_error(Error(s, "task file: no tasks"), "t.json").status,
              Status::TaskFileInvalid);
  }
}

TEST(CliErrors, StorageErrorsOfTheTaskFileSayPathAndCause) {
  const Error missing = task_file_error(Error(Status::FileNotFound, "t.json"), "t.json");
  EXPECT_EQ(missing.status, Status::FileNotFound);
  EXPECT_EQ(std::string(missing.detail.view()), "task file t.json: no such file or directory");
  const Error fifo = task_file_error(Error(Status::NotARegularFile, "/tmp/f"), "/tmp/f");
  EXPECT_EQ(fifo.status, Status::NotARegularFile);
  EXPECT_NE(std::string(fifo.detail.view()).find("/tmp/f: a directory, device or FIFO"),
            std::string::npos);
  // Another path's error (a spool file while adding) is not blamed on the task file.
  const Error other = task_file_error(Error(Status::FileAccessDenied, "q/tmp/x"), "t.json");
  EXPECT_EQ(std::string(other.detail.view()), "q/tmp/x");
  // Neither is the server's.
  EXPECT_EQ(task_file_error(Error(Status::ServerError, "boom"), "t.json").status,
            Status::ServerError);
}

TEST(CliErrors, AnEmptyTaskFilePathIsAUsageError) {
  const Error empty = task_file_error(
      Error(Status::InvalidArgument, "file path is empty or contains a NUL byte"), "");
  EXPECT_EQ(empty.status, Status::UsageError);
  EXPECT_NE(std::string(empty.detail.view()).find("path is empty"), std::string::npos);
  // Any other InvalidArgument stays what it is (a bug, not the user's input).
  EXPECT_EQ(task_file_error(Error(Status::InvalidArgument, "budget"), "t.json").status,
            Status::InvalidArgument);
}

// A --spool value the spool refuses is the user's mistake, never "a bug in the calling code".
TEST(CliErrors, ABadSpoolValueIsAUsageErrorNamingIt) {
  const Error empty = spool_option_error(
      Error(Status::InvalidArgument, "spool directory is empty or too long"), "");
  EXPECT_EQ(empty.status, Status::UsageError);
  EXPECT_EQ(exit_code_for(empty.status), 2);
  EXPECT_NE(std::string(empty.detail.view()).find("--spool \"\""), std::string::npos);
  const Error long_one = spool_option_error(
      Error(Status::InvalidArgument, "spool directory is empty or too long"), "/q/long");
  EXPECT_NE(std::string(long_one.detail.view()).find("\"/q/long\": spool directory is empty"),
            std::string::npos);
  EXPECT_EQ(spool_option_error(Error(Status::NotADirectory, "/etc/passwd"), "/etc/passwd").status,
            Status::NotADirectory);
}

TEST(StatusText, OutOfRangeValuesDoNotReadPastTheTable) {
  EXPECT_EQ(std::string(status_message(static_cast<Status>(250))),
            status_message(Status::InvalidArgument));
  EXPECT_EQ(exit_code_for(static_cast<Status>(250)), 5);
}

}  // namespace
}  // namespace lsedge::app
