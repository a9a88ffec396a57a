// import_tasks, upload_media and the multipart body, on the wire.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "firmware/labelstudio/import.h"
#include "firmware/labelstudio/multipart.h"
#include "firmware/labelstudio/upload.h"
#include "tests/fakes/fake_entropy.h"
#include "tests/fakes/test_tokens.h"
#include "tests/unit/labelstudio/api_rig.h"

namespace lsedge::labelstudio {
namespace {

using test::body_after_head;
using test::count;
using test::envelope;
using test::http_response;
using test::MemoryStorage;
using test::Rig;

const std::string kUserAgent = "User-Agent: lsedge/" LSEDGE_VERSION "\r\n";

const std::string kImported =
    R"({"task_count":2,"annotation_count":1,"prediction_count":3,"duration":0.0457,)"
    R"("file_upload_ids":[],"could_be_tasks_list":false,"found_formats":{},"data_columns":[]})";

// A task batch as the batch planner will hand it over: read in small pieces, rewindable.
class BatchSource final : public http::BodySource {
 public:
  explicit BatchSource(std::string json, size_t per_read = 5)
      : json_(std::move(json)), per_read_(per_read) {}
  Result<size_t> read(ByteSpan out) override {
    const size_t n = std::min({out.size(), per_read_, json_.size() - position_});
    std::memcpy(out.data(), json_.data() + position_, n);
    position_ += n;
    return n;
  }
  Outcome rewind() override {
    ++rewinds;
    if (rewind_fails) {
      return Error(Status::FileError, "spool file gone");
    }
    position_ = 0;
    return {};
  }
  uint64_t size() const override { return json_.size(); }
  int rewinds = 0;
  bool rewind_fails = false;

 private:
  std::string json_;
  size_t per_read_;
  size_t position_ = 0;
};

// The boundary FakeEntropy(seed) yields, computed independently of make_multipart_boundary.
std::string expected_boundary(uint64_t seed) {
  testing::FakeEntropy entropy(seed);
  uint8_t random[16];
  EXPECT_EQ(entropy.fill(ByteSpan(random)), Status::Ok);
  std::string text = "lsedge-";
  static const char kHex[] = "0123456789abcdef";
  for (const uint8_t b : random) {
    text += kHex[b >> 4];
    text += kHex[b & 15];
  }
  return text;
}

// ---- import ----------------------------------------------------------------------------------

TEST(ImportTasks, GoldenRequestAndParsedCounts) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(http_response(201, kImported));
  const std::string batch = R"([{"image":"/data/a.jpg"},{"data":{"image":"/data/b.jpg"}}])";
  BatchSource source(batch);
  auto result = import_tasks(*rig.client, 5, source, rig.deadline());
  ASSERT_TRUE(result.ok()) << result.error().detail.c_str();
  EXPECT_FALSE(result->queued);
  EXPECT_EQ(result->task_count, 2);
  EXPECT_EQ(result->annotation_count, 1);
  EXPECT_EQ(result->prediction_count, 3);
  EXPECT_DOUBLE_EQ(result->duration_s, 0.0457);
  EXPECT_EQ(result->file_upload_count, 0u);
  EXPECT_FALSE(result->could_be_tasks_list);
  EXPECT_EQ(rig.sent(),
            "POST /api/projects/5/import HTTP/1.1\r\n"
            "Host: ls.example:8080\r\n" +
                kUserAgent +
                "Accept: application/json\r\n"
                "Connection: keep-alive\r\n"
                "Content-Type: application/json\r\n"
                "Content-Length: " +
                std::to_string(batch.size()) +
                "\r\n"
                "Authorization: Token " +
                std::string(test::kLegacyKey) + "\r\n\r\n" + batch);
  EXPECT_EQ(describe_import(*result).view(),
            "imported 2 tasks (1 annotations, 3 predictions, 0 files) in 46 ms");
}

TEST(ImportTasks, QueuedImportOfOtherEditions) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(http_response(201, R"({"import":17})"));
  BatchSource source(R"({"text":"one task"})");
  auto result = import_tasks(*rig.client, 5, source, rig.deadline());
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->queued);
  EXPECT_EQ(result->import_id, 17);
  EXPECT_EQ(describe_import(*result).view(), "queued as import id 17");
}

TEST(ImportTasks, AQueuedImportIdMustBePositive) {
  for (const char* body : {R"({"import":0})", R"({"import":-4})"}) {
    StaticArena<4096> arena;
    auto result = parse_import_result(body, arena);
    EXPECT_EQ(result.status(), Status::JsonInvalid) << body;
  }
}

TEST(ImportTasks, TaskIdsAskedForAreRequestedAndRead) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(http_response(
      201, R"({"task_count":1,"annotation_count":0,"prediction_count":0,"duration":0.01,)"
           R"("file_upload_ids":[12],"could_be_tasks_list":false,"task_ids":[4711]})"));
  MemoryStorage storage;
  storage.files["/cam/a.png"] = "PNG";
  testing::FakeEntropy entropy(1);
  auto result =
      upload_media(*rig.client, 3, storage, entropy, "/cam/a.png", rig.deadline(), false, true);
  ASSERT_TRUE(result.ok()) << result.error().detail.c_str();
  EXPECT_EQ(result->first_task_id, 4711);
  EXPECT_EQ(result->task_id_count, 1u);
  EXPECT_EQ(rig.sent().rfind("POST /api/projects/3/import?return_task_ids=true HTTP/1.1\r\n", 0),
            0u);
  StaticArena<4096> arena;
  auto without = parse_import_result(R"({"task_count":1,"task_ids":["x"]})", arena);
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(without->first_task_id, 0) << "not a number: no id";
}

TEST(ImportPredictions, PostsTheBodyAndReadsTheCreatedCount) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(http_response(201, R"({"created":2})"));
  BatchSource source(R"([{"task":5,"result":[]},{"task":5,"result":[]}])");
  auto created = import_predictions(*rig.client, 3, source, rig.deadline());
  ASSERT_TRUE(created.ok()) << created.error().detail.c_str();
  EXPECT_EQ(*created, 2);
  EXPECT_EQ(rig.sent().rfind("POST /api/projects/3/import/predictions HTTP/1.1\r\n", 0), 0u);
  for (const char* answer : {R"({"created":-1})", R"({"imported":2})", "[2]"}) {
    Rig other;
    other.legacy();
    other.socket.add_connection().then_data(http_response(201, answer));
    BatchSource again("[]");
    EXPECT_EQ(import_predictions(*other.client, 3, again, other.deadline()).status(),
              Status::JsonMissingField)
        << answer;
  }
  Rig refused;
  refused.legacy();
  refused.socket.add_connection().then_data(envelope(
      400, "Validation error",
      R"({"non_field_errors":["Prediction 0: Region 0: Invalid value for control 'label'"]})"));
  BatchSource bad("[]");
  auto error = import_predictions(*refused.client, 3, bad, refused.deadline());
  ASSERT_EQ(error.status(), Status::ValidationFailed);
  EXPECT_NE(error.error().detail.view().find("Prediction 0: Region 0"), std::string_view::npos);
}

TEST(ImportTasks, ValidationMessagesOfA400Surface) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(
      envelope(400, "Validation error", R"({"non_field_errors":["load_tasks: No tasks added"]})"));
  BatchSource source("[]");
  auto result = import_tasks(*rig.client, 5, source, rig.deadline());
  ASSERT_EQ(result.status(), Status::ValidationFailed);
  EXPECT_EQ(result.error().http_status, 400);
  EXPECT_EQ(result.error().detail.view(),
            "Validation error — non_field_errors: load_tasks: No tasks added");
}

TEST(ImportTasks, SuccessAnswersThatAreNotImportResultsAreErrors) {
  for (const std::string& body : {std::string("{}"), std::string(R"({"task_count":"2"})"),
                                  std::string("[]"), std::string("<html>")}) {
    Rig rig;
    rig.legacy();
    rig.socket.add_connection().then_data(http_response(201, body));
    BatchSource source("[{}]");
    auto result = import_tasks(*rig.client, 5, source, rig.deadline());
    EXPECT_TRUE(result.status() == Status::JsonMissingField ||
                result.status() == Status::JsonInvalid)
        << body << ": " << status_name(result.status());
    EXPECT_NE(std::string(result.error().detail.view()).find("POST /api/projects/5/import"),
              std::string::npos)
        << result.error().detail.c_str();
  }
}

TEST(ImportTasks, BadProjectIdSendsNothing) {
  Rig rig;
  rig.legacy();
  BatchSource source("[]");
  EXPECT_EQ(import_tasks(*rig.client, 0, source, rig.deadline()).status(), Status::InvalidArgument);
  EXPECT_EQ(rig.socket.connect_calls(), 0u);
}

TEST(ImportTasks, NotResentOnADeadKeptConnectionUnlessTheCallerSaysSo) {
  for (const bool safe : {false, true}) {
    Rig rig;
    rig.legacy();
    auto& kept = rig.socket.add_connection().then_data(http_response(201, kImported));
    rig.socket.add_connection().then_data(http_response(201, kImported));
    BatchSource first("[{\"a\":1}]");
    ASSERT_TRUE(import_tasks(*rig.client, 5, first, rig.deadline()).ok());
    kept.send_failure = Status::PeerClosed;
    kept.fail_send_after_bytes = kept.sent.size() + 300;  // dies inside the second batch
    const std::string batch = "[" + std::string(400, ' ') + "{\"b\":2}]";
    BatchSource second(batch);
    auto result = import_tasks(*rig.client, 5, second, rig.deadline(), safe);
    if (safe) {
      ASSERT_TRUE(result.ok()) << result.error().detail.c_str();
      EXPECT_EQ(second.rewinds, 1);
      EXPECT_EQ(body_after_head(rig.sent_on(1)), batch);
    } else {
      EXPECT_EQ(result.status(), Status::PeerClosed);
      EXPECT_NE(std::string(result.error().detail.view()).find("may or may not"),
                std::string::npos);
      EXPECT_EQ(second.rewinds, 0);
      EXPECT_EQ(rig.socket.connect_calls(), 1u);
    }
  }
}

TEST(ImportTasks, A401WithAPatRefreshesRewindsAndResendsTheWholeBatch) {
  Rig rig;
  ASSERT_TRUE(rig.tokens->set_credential(testing::make_pat()).ok());
  const std::string first = testing::make_access_token(1000, 1300, "first");
  const std::string second = testing::make_access_token(1001, 1301, "second");
  rig.socket.add_connection()
      .then_data(http_response(200, R"({"access":")" + first + R"("})"))
      .then_data(envelope(401, "Authentication credentials were not provided."))
      .then_data(http_response(200, R"({"access":")" + second + R"("})"))
      .then_data(http_response(201, kImported));
  const std::string batch = R"([{"text":"abc"},{"text":"def"}])";
  BatchSource source(batch, 3);
  auto result = import_tasks(*rig.client, 9, source, rig.deadline());
  ASSERT_TRUE(result.ok()) << result.error().detail.c_str();
  EXPECT_EQ(source.rewinds, 1);
  const std::string wire = rig.sent();
  EXPECT_EQ(count(wire, "POST /api/projects/9/import HTTP/1.1\r\n"), 2u);
  EXPECT_EQ(count(wire, "\r\n\r\n" + batch), 2u);  // the whole batch both times
  EXPECT_EQ(count(wire, "POST /api/token/refresh/"), 2u);
  EXPECT_NE(wire.find("Bearer " + second), std::string::npos);
}

TEST(ImportTasks, A401WhoseBodyCannotBeRewoundIsReturnedNotResent) {
  Rig rig;
  ASSERT_TRUE(rig.tokens->set_credential(testing::make_pat()).ok());
  rig.socket.add_connection()
      .then_data(http_response(
          200, R"({"access":")" + testing::make_access_token(1000, 1300, "a") + R"("})"))
      .then_data(envelope(401, "Authentication credentials were not provided."));
  BatchSource source("[{\"x\":1}]");
  source.rewind_fails = true;
  auto result = import_tasks(*rig.client, 9, source, rig.deadline());
  ASSERT_EQ(result.status(), Status::AuthenticationFailed);
  EXPECT_EQ(result.error().http_status, 401);
  EXPECT_EQ(result.error().detail.view(),
            "Authentication credentials were not provided. (not resent: the request body could "
            "not be rewound)");
  EXPECT_EQ(source.rewinds, 1);
  EXPECT_EQ(count(rig.sent(), "POST /api/projects/9/import"), 1u);
  EXPECT_EQ(count(rig.sent(), "POST /api/token/refresh/"), 1u);
}

TEST(ImportTasks, ParsesUploadIdsAndSurvivesHostileNumbers) {
  StaticArena<65536> local;
  auto result = parse_import_result(
      R"({"task_count":1,"annotation_count":-4,"prediction_count":1e300,"duration":1e300,)"
      R"("file_upload_ids":[12,13],"could_be_tasks_list":true})",
      local);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->file_upload_count, 2u);
  EXPECT_EQ(result->first_file_upload_id, 12);
  EXPECT_TRUE(result->could_be_tasks_list);
  EXPECT_EQ(result->prediction_count, 0);  // not a representable whole number: ignored
  EXPECT_EQ(result->annotation_count, -4);
  EXPECT_EQ(describe_import(*result).view(),
            "imported 1 tasks (-4 annotations, 0 predictions, 2 files) in 0 ms");
}

// ---- multipart pieces ------------------------------------------------------------------------

TEST(Multipart, MediaTypesByExtension) {
  const std::pair<const char*, const char*> cases[] = {
      {"a.jpg", "image/jpeg"},
      {"a.JPEG", "image/jpeg"},
      {"dir.x/a.png", "image/png"},
      {"a.gif", "image/gif"},
      {"a.bmp", "image/bmp"},
      {"a.webp", "image/webp"},
      {"a.tif", "application/octet-stream"},  // not in Label Studio's SUPPORTED_EXTENSIONS
      {"a.wav", "audio/wav"},
      {"a.mp3", "audio/mpeg"},
      {"a.ogg", "audio/ogg"},
      {"a.flac", "audio/flac"},
      {"a.m4a", "audio/mp4"},
      {"a.mp4", "video/mp4"},
      {"a.webm", "video/webm"},
      {"a.txt", "text/plain"},
      {"a.json", "application/json"},
      {"a.csv", "text/csv"},
      {"a.tsv", "text/tab-separated-values"},
      {"a.tar.gz", "application/octet-stream"},
      {"README", "application/octet-stream"},
      {"a.", "application/octet-stream"},
      {"dir.jpg/file", "application/octet-stream"},
  };
  for (const auto& [name, type] : cases) {
    EXPECT_EQ(media_type_for(name), type) << name;
  }
}

TEST(Multipart, BoundaryIsLsedgeAnd32RandomHexDigits) {
  testing::FakeEntropy entropy(7);
  MultipartBoundary a;
  MultipartBoundary b;
  ASSERT_TRUE(make_multipart_boundary(entropy, a).ok());
  ASSERT_TRUE(make_multipart_boundary(entropy, b).ok());
  EXPECT_EQ(a.view(), expected_boundary(7));
  EXPECT_EQ(a.size(), 39u);
  EXPECT_NE(a.view(), b.view());
  entropy.set_failing(true);
  EXPECT_EQ(make_multipart_boundary(entropy, a).status(), Status::EntropyFailure);
}

std::string read_all(MultipartFileSource& source, size_t piece) {
  std::string out;
  std::vector<uint8_t> buffer(piece);
  for (;;) {
    auto n = source.read(ByteSpan(buffer.data(), buffer.size()));
    EXPECT_TRUE(n.ok()) << n.error().detail.c_str();
    if (!n.ok() || *n == 0) {
      return out;
    }
    out.append(reinterpret_cast<const char*>(buffer.data()), *n);
  }
}

TEST(Multipart, BodyIsByteExactWhateverThePieceSizeAndRewinds) {
  MemoryStorage storage;
  const std::string file("\x89PNG\r\n\x1a\n\0\0--B\r\n", 16);
  storage.files["/spool/cam/frame 01.png"] = file;
  MultipartFileSource source(storage);
  ASSERT_TRUE(source.open("/spool/cam/frame 01.png", "file", "B0undary").ok());
  const std::string expected =
      "--B0undary\r\n"
      "Content-Disposition: form-data; name=\"file\"; filename=\"frame 01.png\"\r\n"
      "Content-Type: image/png\r\n"
      "\r\n" +
      file + "\r\n--B0undary--\r\n";
  EXPECT_EQ(source.size(), expected.size());
  EXPECT_EQ(source.file_size(), 16u);
  EXPECT_EQ(source.content_type(), "multipart/form-data; boundary=B0undary");
  for (const size_t piece : {size_t{1}, size_t{2}, size_t{7}, size_t{64}, size_t{4096}}) {
    ASSERT_TRUE(source.rewind().ok());
    EXPECT_EQ(read_all(source, piece), expected) << piece;
  }
  source.close();
  EXPECT_EQ(storage.open_handles, 0u);
  EXPECT_EQ(source.read(ByteSpan()).status(), Status::InvalidArgument);
}

TEST(Multipart, FileNamesAreEscapedOrRefused) {
  MemoryStorage storage;
  storage.files["we\"ird\\name\r\n\x01.jpg"] = "x";
  storage.files["d/caf\xc3\xa9.wav"] = "x";
  storage.files["bad\xff.jpg"] = "x";
  MultipartFileSource source(storage);
  ASSERT_TRUE(source.open("we\"ird\\name\r\n\x01.jpg", "file", "b").ok());
  std::string body = read_all(source, 4096);
  EXPECT_NE(body.find("filename=\"we%22ird%5Cname%0D%0A%01.jpg\"\r\nContent-Type: image/jpeg\r\n"),
            std::string::npos)
      << body;
  ASSERT_TRUE(source.open("d/caf\xc3\xa9.wav", "file", "b").ok());  // UTF-8 goes through as is
  body = read_all(source, 4096);
  EXPECT_NE(body.find("filename=\"caf\xc3\xa9.wav\"\r\nContent-Type: audio/wav\r\n"),
            std::string::npos);
  EXPECT_EQ(source.open("bad\xff.jpg", "file", "b").status(), Status::InvalidUtf8);
  EXPECT_EQ(source.open("dir/", "file", "b").status(), Status::InvalidArgument);
  EXPECT_EQ(source.open("", "file", "b").status(), Status::InvalidArgument);
  EXPECT_EQ(source.open("d/caf\xc3\xa9.wav", "fi le", "b").status(), Status::InvalidArgument);
  EXPECT_EQ(source.open("d/caf\xc3\xa9.wav", "file", "").status(), Status::InvalidArgument);
  EXPECT_EQ(source.open("d/caf\xc3\xa9.wav", "file", "has space").status(),
            Status::InvalidArgument);
  EXPECT_EQ(source.open("d/caf\xc3\xa9.wav", "file", std::string(71, 'b')).status(),
            Status::InvalidArgument);
  EXPECT_TRUE(source.open("d/caf\xc3\xa9.wav", "file", std::string(70, 'b')).ok());
  source.close();
  EXPECT_EQ(storage.open_handles, 0u);
}

TEST(Multipart, AFileNameTooLongForTheHeaderIsBufferTooSmall) {
  MemoryStorage storage;
  const std::string name(400, '"');  // 1200 bytes escaped
  storage.files[name] = "x";
  MultipartFileSource source(storage);
  EXPECT_EQ(source.open(name, "file", "b").status(), Status::BufferTooSmall);
  EXPECT_EQ(storage.open_handles, 0u);
}

TEST(Multipart, AFileThatShrinksWhileSendingIsAFileError) {
  MemoryStorage storage;
  storage.files["big.bin"] = std::string(1000, 'z');
  storage.shrink_after_reads = 1;
  MultipartFileSource source(storage);
  ASSERT_TRUE(source.open("big.bin", "file", "b").ok());
  uint8_t buffer[300];
  Status last = Status::Ok;
  for (int i = 0; i < 10 && last == Status::Ok; ++i) {
    auto n = source.read(ByteSpan(buffer));
    last = n.status();
    if (n.ok() && *n == 0) {
      break;
    }
  }
  EXPECT_EQ(last, Status::FileError);
}

// ---- upload ----------------------------------------------------------------------------------

TEST(UploadMedia, AMediaEntryIsNotATaskFileType) {
  EXPECT_TRUE(check_media_file("cam/frame.JPG").ok());
  EXPECT_TRUE(check_media_file("a.wav").ok());
  for (const char* name : {"t.csv", "t.TSV", "t.json", "notes.txt"}) {
    const Outcome refused = check_media_file(name);
    EXPECT_EQ(refused.status(), Status::UsageError) << name;
    EXPECT_NE(refused.error().detail.view().find("lsedge spool add"), std::string_view::npos);
  }
  EXPECT_EQ(check_media_file("x.exe").status(), Status::UsageError);
}

TEST(UploadMedia, GoldenMultipartRequestStreamedFromStorage) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(http_response(
      201, R"({"task_count":1,"annotation_count":0,"prediction_count":0,"duration":0.01,)"
           R"("file_upload_ids":[12],"could_be_tasks_list":false})"));
  MemoryStorage storage;
  const std::string jpeg("\xff\xd8\xff\xe0\0\x10JFIF\0\r\n--x\xff\xd9", 17);
  storage.files["/data/cam1/img_0001.JPG"] = jpeg;
  testing::FakeEntropy entropy(42);
  auto result =
      upload_media(*rig.client, 3, storage, entropy, "/data/cam1/img_0001.JPG", rig.deadline());
  ASSERT_TRUE(result.ok()) << result.error().detail.c_str();
  EXPECT_EQ(result->task_count, 1);
  EXPECT_EQ(result->file_upload_count, 1u);
  EXPECT_EQ(result->first_file_upload_id, 12);
  const std::string b = expected_boundary(42);
  const std::string body = "--" + b +
                           "\r\n"
                           "Content-Disposition: form-data; name=\"file\"; "
                           "filename=\"img_0001.JPG\"\r\n"
                           "Content-Type: image/jpeg\r\n"
                           "\r\n" +
                           jpeg + "\r\n--" + b + "--\r\n";
  EXPECT_EQ(rig.sent(),
            "POST /api/projects/3/import HTTP/1.1\r\n"
            "Host: ls.example:8080\r\n" +
                kUserAgent +
                "Accept: application/json\r\n"
                "Connection: keep-alive\r\n"
                "Content-Type: multipart/form-data; boundary=" +
                b +
                "\r\n"
                "Content-Length: " +
                std::to_string(body.size()) +
                "\r\n"
                "Authorization: Token " +
                std::string(test::kLegacyKey) + "\r\n\r\n" + body);
  EXPECT_EQ(storage.open_handles, 0u);  // closed after the request
}

TEST(UploadMedia, LargeFilesAreReadInChunksNeverWhole) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(http_response(201, kImported));
  MemoryStorage storage;
  std::string video(300000, '\0');
  for (size_t i = 0; i < video.size(); ++i) {
    video[i] = static_cast<char>(i * 31 + 7);
  }
  storage.files["clip.mp4"] = video;
  testing::FakeEntropy entropy;
  ASSERT_TRUE(upload_media(*rig.client, 3, storage, entropy, "clip.mp4", rig.deadline()).ok());
  EXPECT_LE(storage.largest_read, sizeof(rig.chunk));  // the connection's send chunk
  const std::string body = body_after_head(rig.sent());
  EXPECT_NE(body.find("Content-Type: video/mp4\r\n\r\n" + video + "\r\n--lsedge-"),
            std::string::npos);
}

TEST(UploadMedia, MissingFileIsAFileErrorNamingThePathAndSendsNothing) {
  Rig rig;
  rig.legacy();
  MemoryStorage storage;
  testing::FakeEntropy entropy;
  auto result =
      upload_media(*rig.client, 3, storage, entropy, "/data/cam1/missing.png", rig.deadline());
  ASSERT_EQ(result.status(), Status::FileError);
  EXPECT_NE(std::string(result.error().detail.view()).find("/data/cam1/missing.png"),
            std::string::npos);
  EXPECT_EQ(rig.socket.connect_calls(), 0u);
}

TEST(UploadMedia, AReadErrorMidFileAbortsTheRequestAndClosesTheConnection) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(http_response(201, kImported));
  MemoryStorage storage;
  storage.files["cam/a.flac"] = std::string(5000, 'f');
  storage.fail_read = 3;
  testing::FakeEntropy entropy;
  auto result = upload_media(*rig.client, 3, storage, entropy, "cam/a.flac", rig.deadline());
  ASSERT_EQ(result.status(), Status::FileError);
  EXPECT_EQ(result.error().code, 5);
  EXPECT_EQ(result.error().detail.view(), "read failed: cam/a.flac");
  EXPECT_FALSE(rig.connection->is_open());  // the server got a cut body; never reuse it
  EXPECT_LT(body_after_head(rig.sent()).size(), 5000u);
  EXPECT_EQ(storage.open_handles, 0u);
}

TEST(UploadMedia, EntropyFailureSendsNothing) {
  Rig rig;
  rig.legacy();
  MemoryStorage storage;
  storage.files["a.png"] = "x";
  testing::FakeEntropy entropy;
  entropy.set_failing(true);
  EXPECT_EQ(upload_media(*rig.client, 3, storage, entropy, "a.png", rig.deadline()).status(),
            Status::EntropyFailure);
  EXPECT_EQ(rig.socket.connect_calls(), 0u);
  EXPECT_EQ(storage.open_handles, 0u);
}

TEST(UploadMedia, ATypeLabelStudioRefusesIsRefusedBeforeAnythingIsSent) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection();
  MemoryStorage storage;
  testing::FakeEntropy entropy;
  // Label Studio's SUPPORTED_EXTENSIONS, as os.path.splitext finds the extension.
  for (const char* path : {"tool.exe", "dir/a.tif", "README", ".png", "archive.png.gz", "a."}) {
    storage.files[path] = "MZ";
    auto result = upload_media(*rig.client, 3, storage, entropy, path, rig.deadline());
    ASSERT_EQ(result.status(), Status::UsageError) << path;
    const std::string detail(result.error().detail.view());
    EXPECT_NE(detail.find("Label Studio does not import"), std::string::npos) << detail;
    EXPECT_NE(detail.find(" .png .svg .tsv .txt"), std::string::npos) << detail;
  }
  auto exe = upload_media(*rig.client, 3, storage, entropy, "tool.exe", rig.deadline());
  EXPECT_EQ(std::string(exe.error().detail.view())
                .rfind("Label Studio does not import '.exe' files; it takes .bmp .csv", 0),
            0u)
      << exe.error().detail.view();
  EXPECT_EQ(rig.socket.connect_calls(), 0u);
  EXPECT_EQ(storage.open_handles, 0u);
  for (const char* path : {"a.PNG", "b.Jpeg", "c.pdf", "d.webm", "e.html", "f.m4a"}) {
    EXPECT_TRUE(check_importable(path).ok()) << path;
  }
}

TEST(UploadMedia, TheServersRefusalStillSurfaces) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(
      envelope(400, "Validation error",
               R"({"non_field_errors":["Maximum total size of all files is 1 bytes"]})"));
  MemoryStorage storage;
  storage.files["photo.JPG"] = "MZ";
  testing::FakeEntropy entropy;
  auto result = upload_media(*rig.client, 3, storage, entropy, "photo.JPG", rig.deadline());
  ASSERT_EQ(result.status(), Status::ValidationFailed);
  EXPECT_NE(std::string(result.error().detail.view()).find("Maximum total size"),
            std::string::npos);
  EXPECT_NE(rig.sent().find("Content-Type: image/jpeg\r\n\r\nMZ\r\n"), std::string::npos);
  EXPECT_EQ(storage.open_handles, 0u);
}

TEST(UploadMedia, A401WithAPatResendsTheSameMultipartBody) {
  Rig rig;
  ASSERT_TRUE(rig.tokens->set_credential(testing::make_pat()).ok());
  rig.socket.add_connection()
      .then_data(http_response(
          200, R"({"access":")" + testing::make_access_token(1000, 1300, "a") + R"("})"))
      .then_data(envelope(401, "Authentication credentials were not provided."))
      .then_data(http_response(
          200, R"({"access":")" + testing::make_access_token(1000, 1300, "b") + R"("})"))
      .then_data(http_response(201, kImported));
  MemoryStorage storage;
  storage.files["a.wav"] = std::string(2000, 'w');
  testing::FakeEntropy entropy;
  auto result = upload_media(*rig.client, 3, storage, entropy, "a.wav", rig.deadline());
  ASSERT_TRUE(result.ok()) << result.error().detail.c_str();
  const std::string wire = rig.sent();
  const size_t first = wire.find("POST /api/projects/3/import");
  const size_t second = wire.find("POST /api/projects/3/import", first + 1);
  ASSERT_NE(second, std::string::npos);
  const size_t refresh = wire.find("POST /api/token/refresh/", first);
  const std::string body1 = body_after_head(wire.substr(first, refresh - first));
  const std::string body2 = body_after_head(wire.substr(second));
  EXPECT_EQ(body1, body2);
  EXPECT_NE(body2.find(std::string(2000, 'w') + "\r\n--lsedge-"), std::string::npos);
}

// ---- queued imports: status and waiting -------------------------------------------------------

// An answer of GET /api/projects/{pid}/imports/{id}/ with Label Studio's fields in its order
// (ProjectImportSerializer): the submitted tasks come last and make it large.
std::string status_answer(const std::string& status, const std::string& error = "null",
                          const std::string& task_count = "null", size_t tasks = 3,
                          size_t task_bytes = 100) {
  std::string body = R"({"id":17,"project":5,"preannotated_from_fields":null,)"
                     R"("commit_to_project":true,"return_task_ids":false,"status":")" +
                     status + R"(","url":null,"error":)" + error +
                     R"(,"created_at":"2026-12-06T06:00:00.123456Z",)"
                     R"("updated_at":"2026-12-06T06:00:01.123456Z","finished_at":null,)"
                     R"("task_count":)" +
                     task_count +
                     R"(,"annotation_count":0,"prediction_count":0,"duration":null,)"
                     R"("file_upload_ids":[],"could_be_tasks_list":false,"found_formats":[],)"
                     R"("data_columns":[],"tasks":[)";
  for (size_t i = 0; i < tasks; ++i) {
    body += (i > 0 ? "," : "") + std::string(R"({"data":{"image":"/data/)") +
            std::string(task_bytes, 'x') + R"(.jpg"}})";
  }
  return body + R"(],"task_ids":null})";
}

// Records the pauses and moves the rig's clock by each; can stop the wait.
class RecordingPause final : public PollPause {
 public:
  explicit RecordingPause(testing::ManualClock& clock) : clock_(clock) {}
  bool pause_ms(uint32_t ms) override {
    pauses.push_back(ms);
    clock_.advance(ms);
    return stop_after < 0 || static_cast<int>(pauses.size()) <= stop_after;
  }
  std::vector<uint32_t> pauses;
  int stop_after = -1;

 private:
  testing::ManualClock& clock_;
};

TEST(ImportStatus, EachStateOfLabelStudio) {
  const std::pair<const char*, ImportStatus::State> states[] = {
      {"created", ImportStatus::State::Created},
      {"in_progress", ImportStatus::State::InProgress},
      {"completed", ImportStatus::State::Completed},
      {"failed", ImportStatus::State::Failed}};
  for (const auto& [name, state] : states) {
    SCOPED_TRACE(name);
    auto status = parse_import_status(status_answer(name), false);
    ASSERT_TRUE(status.ok()) << status.error().detail.view();
    EXPECT_EQ(status->state, state);
    EXPECT_EQ(import_state_name(state), std::string(name));
    EXPECT_EQ(status->finished(),
              state == ImportStatus::State::Completed || state == ImportStatus::State::Failed);
    EXPECT_TRUE(status->error.empty());
    EXPECT_FALSE(status->task_count.has_value());
  }
}

TEST(ImportStatus, TheFirstTaskIdOfACompletedImport) {
  const std::string answer = R"({"id":3,"status":"completed","return_task_ids":true,"tasks":null,)"
                             R"("task_ids":[[1],7,8],"task_count":2})";
  auto status = parse_import_status(answer, false);
  ASSERT_TRUE(status.ok()) << status.error().detail.view();
  EXPECT_FALSE(status->first_task_id.has_value()) << "a nested array is not an id";
  EXPECT_EQ(status->task_count, std::optional<int64_t>(2));
  auto plain = parse_import_status(R"({"status":"completed","task_ids":[7,8]})", false);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->first_task_id, std::optional<int64_t>(7));
  auto empty = parse_import_status(R"({"status":"completed","task_ids":[]})", false);
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->first_task_id.has_value());
  for (size_t cut = 1; cut < answer.size(); ++cut) {  // never a wrong id from a cut answer
    auto part = parse_import_status(std::string_view(answer).substr(0, cut), true);
    EXPECT_TRUE(!part.ok() || !part->first_task_id.has_value()) << cut;
  }
}

TEST(ImportStatus, CompletedCountAndFailedReason) {
  auto done = parse_import_status(status_answer("completed", "null", "3"), false);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->task_count, std::optional<int64_t>(3));
  auto failed = parse_import_status(
      status_answer("failed",
                    R"("Error at item 0: \"image\" key is expected in task data \u00e9")"),
      false);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->state, ImportStatus::State::Failed);
  EXPECT_EQ(failed->error.view(),
            "Error at item 0: \"image\" key is expected in task data \xc3\xa9");
}

// The answer holds the whole batch: only its first bytes arrive. Cut at every byte, the status is
// either read right or missing, never wrong, and the reason is a prefix of the real one.
TEST(ImportStatus, TruncatedBigAnswersAtEveryCut) {
  const std::string reason =
      "task 2: \\\"image\\\" key is expected, \\u00e9 and a long tail " + std::string(80, 'r');
  const std::string decoded = "task 2: \"image\" key is expected, \xc3\xa9 and a long tail ";
  const std::string answer = status_answer("failed", "\"" + reason + "\"", "null", 50, 1000);
  ASSERT_GT(answer.size(), 50000u);
  const size_t status_end = answer.find(R"("failed")") + 8;
  for (size_t cut = 0; cut < 2000; ++cut) {
    SCOPED_TRACE(cut);
    auto status = parse_import_status(std::string_view(answer).substr(0, cut), true);
    if (cut < status_end) {
      ASSERT_EQ(status.status(), Status::JsonMissingField);
      EXPECT_NE(status.error().detail.view().find("no \"status\" in its first"), std::string::npos)
          << status.error().detail.view();
      continue;
    }
    ASSERT_TRUE(status.ok()) << status.error().detail.view();
    EXPECT_EQ(status->state, ImportStatus::State::Failed);
    std::string error(status->error.view());
    if (error.size() >= 3 && error.compare(error.size() - 3, 3, "...") == 0) {
      error.resize(error.size() - 3);  // a cut reason is marked
    }
    // A prefix of the decoded reason (a cut \u escape or UTF-8 sequence shows as U+FFFD).
    const std::string full = decoded + std::string(80, 'r');
    const size_t same =
        std::mismatch(error.begin(), error.end(), full.begin()).first - error.begin();
    EXPECT_TRUE(same == error.size() || error.compare(same, 3, "\xef\xbf\xbd") == 0) << error;
  }
  // Cut far into the tasks: everything before them is read.
  auto far = parse_import_status(std::string_view(answer).substr(0, answer.size() / 2), true);
  ASSERT_TRUE(far.ok());
  EXPECT_EQ(far->error.view(), decoded + std::string(80, 'r'));
}

TEST(ImportStatus, ACutAnswerThatIsNotMarkedTruncatedIsInvalid) {
  const std::string answer = status_answer("completed");
  auto status = parse_import_status(std::string_view(answer).substr(0, answer.size() - 5), false);
  EXPECT_EQ(status.status(), Status::JsonInvalid);
}

TEST(ImportStatus, HostileAnswers) {
  struct Case {
    std::string body;
    Status expected;
    const char* detail;
  };
  const std::vector<Case> cases = {
      {"", Status::JsonInvalid, "import status answer ends inside its JSON"},
      {"{\"status\":\"comp", Status::JsonInvalid, "import status answer ends inside its JSON"},
      {"<html><title>502</title></html>", Status::JsonInvalid, "not a JSON object"},
      {R"(["completed"])", Status::JsonInvalid, "not a JSON object"},
      {R"({"status":"completed"} trailing)", Status::JsonInvalid, "not a JSON object"},
      {R"({"status":"completed",})", Status::JsonInvalid, "not a JSON object"},
      {"{}", Status::JsonMissingField, "has no \"status\""},
      {R"({"tasks":[{"status":"completed"}]})", Status::JsonMissingField, "has no \"status\""},
      {R"({"status":null})", Status::JsonMissingField, "is not a string"},
      {R"({"status":3})", Status::JsonMissingField, "is not a string"},
      {R"({"status":{"state":"completed"}})", Status::JsonMissingField, "is not a string"},
      {R"({"status":"queued"})", Status::JsonMissingField,
       "unknown import status \"queued\" (expected created, in_progress, completed or failed"},
      {R"({"status":"COMPLETED"})", Status::JsonMissingField, "unknown import status"},
      {R"({"status":"completed\u0000"})", Status::JsonMissingField, "unknown import status"},
      {"{\"status\":\"" + std::string(5000, 'z') + "\"}", Status::JsonMissingField,
       "unknown import status \"zzzz"},
      {std::string(100, '[') + std::string(100, ']'), Status::JsonInvalid, "not a JSON object"},
      {"{\"x\":" + std::string(100, '[') + std::string(100, ']') + ",\"status\":\"completed\"}",
       Status::JsonInvalid, "not a JSON object"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 80));
    auto status = parse_import_status(c.body, false);
    ASSERT_EQ(status.status(), c.expected) << status.error().detail.view();
    EXPECT_NE(status.error().detail.view().find(c.detail), std::string::npos)
        << status.error().detail.view();
    EXPECT_LE(status.error().detail.size(), kErrorDetailCapacity);
  }
}

TEST(ImportStatus, TolerantReadsOfOddButValidAnswers) {
  // An escaped key, an error that is not a string, a task_count out of range, invalid UTF-8.
  auto escaped = parse_import_status(R"({"st\u0061tus":"completed","task_count":1e3})", false);
  ASSERT_TRUE(escaped.ok());
  EXPECT_EQ(escaped->state, ImportStatus::State::Completed);
  EXPECT_FALSE(escaped->task_count.has_value());
  auto odd_error =
      parse_import_status(R"({"status":"failed","error":{"detail":"x"},"task_count":-1})", false);
  ASSERT_TRUE(odd_error.ok());
  EXPECT_TRUE(odd_error->error.empty());
  EXPECT_EQ(odd_error->task_count, std::optional<int64_t>(-1));
  auto bad_utf8 = parse_import_status("{\"status\":\"failed\",\"error\":\"bad \xff byte\"}", false);
  ASSERT_TRUE(bad_utf8.ok());
  EXPECT_EQ(bad_utf8->error.view(), "bad \xef\xbf\xbd byte");
  const std::string long_reason(3000, 'e');
  auto long_error =
      parse_import_status(R"({"status":"failed","error":")" + long_reason + "\"}", false);
  ASSERT_TRUE(long_error.ok());
  EXPECT_EQ(long_error->error.view(), long_reason.substr(0, kErrorDetailCapacity));
}

TEST(GetImportStatus, GoldenRequestAndAnswer) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(http_response(200, status_answer("in_progress")));
  auto status = get_import_status(*rig.client, 5, 17, rig.deadline());
  ASSERT_TRUE(status.ok()) << status.error().detail.view();
  EXPECT_EQ(status->state, ImportStatus::State::InProgress);
  EXPECT_EQ(rig.sent(),
            "GET /api/projects/5/imports/17/ HTTP/1.1\r\n"
            "Host: ls.example:8080\r\n" +
                kUserAgent +
                "Accept: application/json\r\n"
                "Connection: keep-alive\r\n"
                "Authorization: Token " +
                std::string(test::kLegacyKey) + "\r\n\r\n");
}

// The answer echoes the whole batch: far larger than the response buffer. Its first bytes hold
// the status and the reason; the rest is drained and the connection serves the next poll.
TEST(GetImportStatus, AnswersLargerThanTheBufferAreReadFromTheirFirstBytes) {
  Rig rig(4096);
  rig.legacy();
  const std::string big_failed = status_answer(
      "failed", R"("Error at item 7: \"image\" key is expected in task data")", "null", 60, 1000);
  const std::string big_done = status_answer("completed", "null", "60", 60, 1000);
  ASSERT_GT(big_failed.size(), 10 * 4096u);
  rig.socket.add_connection()
      .then_data(http_response(200, big_failed))
      .then_data(http_response(200, big_done));
  auto failed = get_import_status(*rig.client, 5, 17, rig.deadline());
  ASSERT_TRUE(failed.ok()) << status_name(failed.status()) << ": " << failed.error().detail.view();
  EXPECT_EQ(failed->state, ImportStatus::State::Failed);
  EXPECT_EQ(failed->error.view(), "Error at item 7: \"image\" key is expected in task data");
  EXPECT_TRUE(rig.client->last_response().truncated);
  auto done = get_import_status(*rig.client, 5, 17, rig.deadline());
  ASSERT_TRUE(done.ok()) << done.error().detail.view();
  EXPECT_EQ(done->state, ImportStatus::State::Completed);
  EXPECT_EQ(done->task_count, std::optional<int64_t>(60));
  EXPECT_EQ(rig.socket.connect_calls(), 1u);  // the kept-alive connection served both
}

TEST(GetImportStatus, ATruncatedAnswerWithoutAStatusIsAMissingField) {
  Rig rig(4096);
  rig.legacy();
  // A hostile answer: 5000 bytes of other members before "status".
  const std::string body =
      R"({"padding":")" + std::string(5000, 'p') + R"(","status":"completed"})";
  rig.socket.add_connection().then_data(http_response(200, body));
  auto status = get_import_status(*rig.client, 5, 17, rig.deadline());
  ASSERT_EQ(status.status(), Status::JsonMissingField);
  EXPECT_NE(status.error().detail.view().find("no \"status\" in its first 4096 bytes"),
            std::string::npos)
      << status.error().detail.view();
  // A big HTML 404 page stays the Client's error (no API at that route), not a parse of it.
  Rig gone(4096);
  gone.legacy();
  gone.socket.add_connection().then_data(
      "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 20000\r\n\r\n" +
      std::string(20000, 'h'));
  EXPECT_EQ(get_import_status(*gone.client, 5, 17, gone.deadline()).status(), Status::NoApiAtUrl);
}

TEST(WaitForImport, BigAnswersOfEveryStateAreFollowedToTheEnd) {
  Rig rig(8192);
  rig.legacy();
  rig.socket.add_connection()
      .then_data(http_response(200, status_answer("created", "null", "null", 100, 500)))
      .then_data(http_response(200, status_answer("in_progress", "null", "null", 100, 500)))
      .then_data(http_response(200, status_answer("completed", "null", "100", 100, 500)));
  testing::FakeEntropy entropy;
  RecordingPause pause(rig.clock);
  auto status = wait_for_import(*rig.client, 5, 17, rig.deadline(), ImportPollPolicy(), rig.clock,
                                entropy, pause);
  ASSERT_TRUE(status.ok()) << status.error().detail.view();
  EXPECT_EQ(status->state, ImportStatus::State::Completed);
  EXPECT_EQ(status->task_count, std::optional<int64_t>(100));
  EXPECT_EQ(pause.pauses.size(), 3u);
}

TEST(GetImportStatus, ErrorsNameTheEndpoint) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection()
      .then_data(envelope(404, "Not found."))
      .then_data(http_response(200, R"({"status":"paused"})"));
  auto gone = get_import_status(*rig.client, 5, 17, rig.deadline());
  EXPECT_EQ(gone.status(), Status::NotFound);
  EXPECT_EQ(gone.error().http_status, 404);
  auto odd = get_import_status(*rig.client, 5, 17, rig.deadline());
  ASSERT_EQ(odd.status(), Status::JsonMissingField);
  EXPECT_EQ(odd.error().http_status, 200);
  EXPECT_EQ(odd.error().detail.view().substr(0, 40), "GET /api/projects/5/imports/17/: unknown");
  for (const auto& [project, import] : {std::pair<int64_t, int64_t>{0, 1}, {1, 0}, {-3, 4}}) {
    EXPECT_EQ(get_import_status(*rig.client, project, import, rig.deadline()).status(),
              Status::InvalidArgument);
  }
  EXPECT_EQ(rig.socket.connect_calls(), 1u);
}

TEST(ImportPollDelay, HalfFixedHalfJitteredAndCapped) {
  const ImportPollPolicy policy;  // 500 ms doubling to 10 s
  EXPECT_EQ(import_poll_delay_ms(policy, 0, 0), 250u);
  EXPECT_EQ(import_poll_delay_ms(policy, 0, 250), 500u);
  EXPECT_EQ(import_poll_delay_ms(policy, 0, 251), 250u);  // wraps within [250, 500]
  EXPECT_EQ(import_poll_delay_ms(policy, 1, UINT32_MAX), 500u + UINT32_MAX % 501u);
  EXPECT_EQ(import_poll_delay_ms(policy, 3, 0), 2000u);
  EXPECT_EQ(import_poll_delay_ms(policy, 40, 0), 5000u);
  EXPECT_EQ(import_poll_delay_ms(policy, UINT32_MAX, UINT32_MAX), 5000u + UINT32_MAX % 5001u);
  for (uint32_t attempt = 0; attempt < 64; ++attempt) {
    for (const uint32_t random : {0u, 1u, 12345u, UINT32_MAX}) {
      const uint32_t delay = import_poll_delay_ms(policy, attempt, random);
      const uint32_t ceiling = backoff_ceiling_ms(policy.backoff, attempt);
      EXPECT_GE(delay, ceiling / 2);
      EXPECT_LE(delay, ceiling);
    }
  }
}

TEST(WaitForImport, CreatedThenInProgressThenCompleted) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection()
      .then_data(http_response(200, status_answer("created")))
      .then_data(http_response(200, status_answer("in_progress")))
      .then_data(http_response(200, status_answer("completed", "null", "3")));
  testing::FakeEntropy entropy(7);
  RecordingPause pause(rig.clock);
  auto status = wait_for_import(*rig.client, 5, 17, rig.deadline(), ImportPollPolicy(), rig.clock,
                                entropy, pause);
  ASSERT_TRUE(status.ok()) << status.error().detail.view();
  EXPECT_EQ(status->state, ImportStatus::State::Completed);
  EXPECT_EQ(status->task_count, std::optional<int64_t>(3));
  ASSERT_EQ(pause.pauses.size(), 3u);
  const ImportPollPolicy policy;
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_GE(pause.pauses[i], backoff_ceiling_ms(policy.backoff, i) / 2);
    EXPECT_LE(pause.pauses[i], backoff_ceiling_ms(policy.backoff, i));
  }
  EXPECT_EQ(count(rig.sent(), "GET /api/projects/5/imports/17/ "), 3u);
}

TEST(WaitForImport, FailedIsAResultWithTheServersReason) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(http_response(
      200, status_answer("failed", R"("Error at item 1: \"image\" key is expected")")));
  testing::FakeEntropy entropy;
  RecordingPause pause(rig.clock);
  auto status = wait_for_import(*rig.client, 5, 17, rig.deadline(), ImportPollPolicy(), rig.clock,
                                entropy, pause);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->state, ImportStatus::State::Failed);
  EXPECT_EQ(status->error.view(), "Error at item 1: \"image\" key is expected");
}

TEST(WaitForImport, TransientPollFailuresArePolledAgainOthersReturnAtOnce) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection()
      .then_data(envelope(500, "database is locked"))
      .then_data("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 30\r\n\r\n")
      .then_data(http_response(200, status_answer("completed")));
  testing::FakeEntropy entropy;
  RecordingPause pause(rig.clock);
  auto status = wait_for_import(*rig.client, 5, 17, rig.deadline(), ImportPollPolicy(), rig.clock,
                                entropy, pause);
  ASSERT_TRUE(status.ok()) << status.error().detail.view();
  ASSERT_EQ(pause.pauses.size(), 3u);
  EXPECT_EQ(pause.pauses[2], 30000u);  // the 503's Retry-After

  Rig gone;
  gone.legacy();
  gone.socket.add_connection().then_data(envelope(404, "Not found."));
  RecordingPause once(gone.clock);
  auto missing = wait_for_import(*gone.client, 5, 17, gone.deadline(), ImportPollPolicy(),
                                 gone.clock, entropy, once);
  EXPECT_EQ(missing.status(), Status::NotFound);
  EXPECT_EQ(once.pauses.size(), 1u);
}

TEST(WaitForImport, GivesUpAtTheDeadlineSayingTheOutcomeIsUnknown) {
  Rig rig;
  rig.legacy();
  auto& connection = rig.socket.add_connection();
  for (int i = 0; i < 200; ++i) {
    connection.then_data(http_response(200, status_answer(i == 0 ? "created" : "in_progress")));
  }
  testing::FakeEntropy entropy;
  RecordingPause pause(rig.clock);
  const uint64_t started = rig.clock.now_ms();
  auto status = wait_for_import(*rig.client, 5, 17, Deadline::after(started, 60000),
                                ImportPollPolicy(), rig.clock, entropy, pause);
  ASSERT_EQ(status.status(), Status::Timeout);
  EXPECT_EQ(status.error().detail.view(),
            "import 17 still in_progress after 60 s; its outcome is unknown (check the project's "
            "tasks)");
  EXPECT_EQ(rig.clock.now_ms(), started + 60000);  // the last pause ends at the deadline
  EXPECT_LT(pause.pauses.size(), 20u);             // backoff, not a busy loop
}

TEST(WaitForImport, AStopBetweenPollsIsCancelled) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection()
      .then_data(http_response(200, status_answer("created")))
      .then_data(http_response(200, status_answer("completed")));
  testing::FakeEntropy entropy;
  entropy.set_failing(true);  // no jitter: the fixed half only
  RecordingPause pause(rig.clock);
  pause.stop_after = 1;
  auto status = wait_for_import(*rig.client, 5, 17, rig.deadline(), ImportPollPolicy(), rig.clock,
                                entropy, pause);
  EXPECT_EQ(status.status(), Status::Cancelled);
  EXPECT_EQ(pause.pauses, (std::vector<uint32_t>{250, 500}));
  EXPECT_EQ(count(rig.sent(), "GET "), 1u);
}

}  // namespace
}  // namespace lsedge::labelstudio
