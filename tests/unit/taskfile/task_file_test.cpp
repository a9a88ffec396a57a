// Specification of the task-file scanner and reader, the batch planner and the batch body reader.
#include "firmware/taskfile/task_file.h"

#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/fakes/memory_storage.h"

namespace lsedge::taskfile {
namespace {

using testing::MemoryStorage;

struct Scan {
  Status status = Status::Ok;
  std::string detail;
  TaskFileSummary summary;
  std::vector<TaskElement> tasks;
  std::vector<std::string> texts;
};

// Pulls every task from a TaskReader.
Result<TaskFileSummary> read_all(TaskReader& reader, std::vector<TaskElement>& tasks) {
  TaskElement task;
  for (;;) {
    LSEDGE_TRY_ASSIGN(const bool more, reader.next(task));
    if (!more) {
      return reader.summary();
    }
    tasks.push_back(task);
  }
}

Scan scan(const std::string& content, size_t chunk_size = 4096,
          uint64_t max_task_bytes = UINT64_MAX) {
  MemoryStorage storage;
  storage.put_file("/tasks.json", content);
  auto file = storage.open_read("/tasks.json");
  EXPECT_TRUE(file.ok());
  std::vector<uint8_t> chunk(chunk_size);
  TaskReader reader(storage, *file, ByteSpan(chunk.data(), chunk.size()), max_task_bytes);
  Scan out;
  auto result = read_all(reader, out.tasks);
  for (const auto& t : out.tasks) {
    out.texts.push_back(
        content.substr(static_cast<size_t>(t.offset), static_cast<size_t>(t.length)));
  }
  if (result.ok()) {
    out.summary = *result;
    // The one-call validation agrees with the reader.
    auto whole =
        scan_task_file(storage, *file, ByteSpan(chunk.data(), chunk.size()), max_task_bytes);
    EXPECT_TRUE(whole.ok());
    EXPECT_EQ(whole->tasks, out.summary.tasks);
    EXPECT_EQ(whole->task_bytes, out.summary.task_bytes);
    EXPECT_EQ(whole->file_bytes, out.summary.file_bytes);
  } else {
    out.status = result.status();
    out.detail = std::string(result.error().detail.view());
  }
  return out;
}

TEST(TaskFileScan, FindsTheObjectsOfAnArray) {
  const std::string content = " [ {\"data\":{\"text\":\"a\"}} ,\n{\"data\":{\"n\":[1,2]}},{} ]\n";
  const Scan s = scan(content);
  ASSERT_EQ(s.status, Status::Ok) << s.detail;
  EXPECT_EQ(s.summary.format, TaskFileFormat::JsonArray);
  EXPECT_EQ(s.summary.tasks, 3u);
  ASSERT_EQ(s.texts.size(), 3u);
  EXPECT_EQ(s.texts[0], "{\"data\":{\"text\":\"a\"}}");
  EXPECT_EQ(s.texts[1], "{\"data\":{\"n\":[1,2]}}");
  EXPECT_EQ(s.texts[2], "{}");
  EXPECT_EQ(s.tasks[0].offset, 3u);
  EXPECT_EQ(s.tasks[2].index, 2u);
  EXPECT_EQ(s.summary.task_bytes, s.texts[0].size() + s.texts[1].size() + 2);
  EXPECT_EQ(s.summary.largest_task, s.texts[0].size());
  EXPECT_EQ(s.summary.file_bytes, content.size());
}

TEST(TaskFileScan, ASingleObjectIsOneTask) {
  const Scan s = scan("\n{\n  \"data\": {\"text\": \"hello\"}\n}\n\n");
  ASSERT_EQ(s.status, Status::Ok) << s.detail;
  EXPECT_EQ(s.summary.format, TaskFileFormat::JsonObject);
  ASSERT_EQ(s.texts.size(), 1u);
  EXPECT_EQ(s.texts[0], "{\n  \"data\": {\"text\": \"hello\"}\n}");
}

TEST(TaskFileScan, NdjsonWithBlankLinesCrLfAndNoFinalNewline) {
  const Scan s = scan("{\"a\":1}\r\n\r\n{\"b\":2}\n  {\"c\":[3]}");
  ASSERT_EQ(s.status, Status::Ok) << s.detail;
  EXPECT_EQ(s.summary.format, TaskFileFormat::NdJson);
  EXPECT_EQ(s.texts, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":[3]}"}));
}

TEST(TaskFileScan, ALeadingByteOrderMarkIsSkipped) {
  const Scan array = scan("\xEF\xBB\xBF[{\"a\":1}]");
  ASSERT_EQ(array.status, Status::Ok) << array.detail;
  EXPECT_EQ(array.tasks[0].offset, 4u);
  EXPECT_EQ(array.texts[0], "{\"a\":1}");
  const Scan ndjson = scan("\xEF\xBB\xBF{\"a\":1}\n{\"b\":2}\n");
  ASSERT_EQ(ndjson.status, Status::Ok) << ndjson.detail;
  EXPECT_EQ(ndjson.summary.format, TaskFileFormat::NdJson);
  EXPECT_EQ(ndjson.texts[0], "{\"a\":1}");
  // A BOM anywhere else is just an invalid byte outside a string.
  EXPECT_EQ(scan("[\xEF\xBB\xBF{}]").status, Status::TaskFileInvalid);
}

TEST(TaskFileScan, StringsMayHoldQuotesBracketsAndEscapes) {
  const std::string task =
      "{\"a\":\"}]\\\"{[,\\\\\",\"b\":[\"x\",{\"c\":\"\\\\\"}],\"d\":-0.5e+10,\"e\":true,"
      "\"f\":null,\"g\":false,\"h\":\"\\u00e9\\uD83D\\uDE00\\/\\b\\f\\n\\r\\t\","
      "\"i\":\"\xC3\xA9\xF0\x9F\x98\x80\xE2\x82\xAC\",\"j\":[[],{},[{}]],\"k\":0,\"l\":1E3,"
      "\"m\":12.5e-3,\"n\":-0}";
  const Scan s = scan("[" + task + "," + task + "]");
  ASSERT_EQ(s.status, Status::Ok) << s.detail;
  ASSERT_EQ(s.texts.size(), 2u);
  EXPECT_EQ(s.texts[0], task);
  EXPECT_EQ(s.texts[1], task);
  cJSON* parsed = cJSON_ParseWithLength(task.data(), task.size());
  ASSERT_NE(parsed, nullptr) << "the test task itself is valid JSON";
  cJSON_Delete(parsed);
}

struct Invalid {
  std::string content;
  Status status;
  std::string in_detail;  // a substring the detail must contain
};

TEST(TaskFileScan, RefusesInvalidInputWithTheOffset) {
  const std::vector<Invalid> cases = {
      {"", Status::EmptyInput, "no tasks: the file is empty"},
      {" \n\t\r\n", Status::EmptyInput, "no tasks"},
      {"\xEF\xBB\xBF", Status::EmptyInput, "no tasks"},
      {"[]", Status::EmptyInput, "the array is empty"},
      {"[ \n ]", Status::EmptyInput, "the array is empty"},
      {"x", Status::TaskFileInvalid, "starts with '[' or '{', not 'x' at byte 0 (line 1)"},
      {"\"task\"", Status::TaskFileInvalid, "at byte 0"},
      {"[1]", Status::TaskFileInvalid,
       "must be a JSON object, not a value starting with '1' at byte 1"},
      {"[{}, \"x\"]", Status::TaskFileInvalid, "must be a JSON object"},
      {"[{}", Status::TaskFileInvalid, "unexpected end of file: the array is not closed"},
      {"[{},]", Status::TaskFileInvalid, "a comma before ']' at byte 4"},
      {"[{}]x", Status::TaskFileInvalid, "data after the end of the array: 'x' at byte 4"},
      {"[{}]]", Status::TaskFileInvalid, "at byte 4"},
      {"[{}{}]", Status::TaskFileInvalid, "expected ',' or ']' after a task, found '{' at byte 3"},
      {"{\"a\":}", Status::TaskFileInvalid, "expected a value, found '}' in task 1 at byte 5"},
      {"{\"a\" 1}", Status::TaskFileInvalid,
       "expected ':' after a key, found '1' in task 1 at byte 5"},
      {"{a:1}", Status::TaskFileInvalid, "expected a quoted key, found 'a' in task 1 at byte 1"},
      {"{\"a\":1,}", Status::TaskFileInvalid,
       "expected a quoted key, found '}' in task 1 at byte 7"},
      {"{\"a\":1 \"b\":2}", Status::TaskFileInvalid, "expected ',' or a closing bracket"},
      {"{\"a\":01}", Status::TaskFileInvalid, "leading zero in task 1 at byte 6"},
      {"{\"a\":1.}", Status::TaskFileInvalid, "digit after '.', found '}' in task 1 at byte 7"},
      {"{\"a\":-}", Status::TaskFileInvalid, "digit after '-'"},
      {"{\"a\":1e}", Status::TaskFileInvalid, "exponent"},
      {"{\"a\":1e+}", Status::TaskFileInvalid, "exponent"},
      {"{\"a\":+1}", Status::TaskFileInvalid, "expected a value, found '+'"},
      {"{\"a\":.5}", Status::TaskFileInvalid, "expected a value, found '.'"},
      {"{\"a\":tru}", Status::TaskFileInvalid, "an invalid literal: '}' in task 1 at byte 8"},
      {"{\"a\":truex}", Status::TaskFileInvalid, "expected ',' or a closing bracket, found 'x'"},
      {"{\"a\":nul}", Status::TaskFileInvalid, "invalid literal"},
      {"{\"a\":[1,2}", Status::TaskFileInvalid, "mismatched bracket: '}' in task 1 at byte 9"},
      {"{\"a\":[1,]}", Status::TaskFileInvalid, "expected a value, found ']'"},
      {"{\"a\":{]}", Status::TaskFileInvalid, "expected a quoted key, found ']'"},
      {"{\"a\":\"\\x\"}", Status::TaskFileInvalid,
       "an invalid escape after a backslash: 'x' in task 1 at byte 7"},
      {"{\"a\":\"\\u12G4\"}", Status::TaskFileInvalid,
       "4 hex digits, found 'G' in task 1 at byte 10"},
      {"{\"a\":\"\\u0000\"}", Status::TaskFileInvalid, "\\u0000 in a string"},
      {"{\"a\":\"\\ud800\"}", Status::TaskFileInvalid, "unpaired surrogate"},
      {"{\"a\":\"\\udc00\"}", Status::TaskFileInvalid, "unpaired surrogate"},
      {"{\"a\":\"\\ud800\\u0041\"}", Status::TaskFileInvalid, "unpaired surrogate"},
      {"{\"a\":\"\\ud800\\n\"}", Status::TaskFileInvalid, "unpaired surrogate"},
      {"{\"a\":\"x\ny\"}", Status::TaskFileInvalid, "a control character in a string: 0x0A"},
      {"{\"a\":\"\xC3\x28\"}", Status::TaskFileInvalid, "invalid UTF-8: '(' in task 1 at byte 7"},
      {"{\"a\":\"\xC0\xAF\"}", Status::TaskFileInvalid, "invalid UTF-8 (overlong"},
      {"{\"a\":\"\xED\xA0\x80\"}", Status::TaskFileInvalid, "invalid UTF-8"},
      {"{\"a\":\"\xF4\x90\x80\x80\"}", Status::TaskFileInvalid, "invalid UTF-8"},
      {"{\"a\":\"\xFF\"}", Status::TaskFileInvalid, "invalid UTF-8: 0xFF"},
      {"{\"a\":\"\xE2\x82\"}", Status::TaskFileInvalid, "invalid UTF-8"},
      {"{\"\xC3\":1}", Status::TaskFileInvalid, "invalid UTF-8"},
      {"{\"a\":1} {\"b\":2}", Status::TaskFileInvalid, "each task must start on a new line"},
      {"{}\n[1]", Status::TaskFileInvalid,
       "expected a new line with the next task object, found '['"},
      {"{}\n,{}", Status::TaskFileInvalid, "found ','"},
      {"{\"a\":1", Status::TaskFileInvalid, "unexpected end of file in task 1"},
      {"{\"a\":\"x", Status::TaskFileInvalid, "unexpected end of file"},
      {"\xEF\xBB{}", Status::TaskFileInvalid, "broken byte order mark"},
      {"\xEF", Status::TaskFileInvalid, "broken byte order mark"},
      {"\xC3\xA9{}", Status::TaskFileInvalid, "starts with '[' or '{', not 0xC3"},
  };
  for (const auto& c : cases) {
    const Scan s = scan(c.content);
    EXPECT_EQ(s.status, c.status) << "input: " << c.content << " detail: " << s.detail;
    EXPECT_NE(s.detail.find(c.in_detail), std::string::npos)
        << "input: " << c.content << "\n detail: " << s.detail << "\n wanted: " << c.in_detail;
  }
}

TEST(TaskFileScan, NdjsonErrorsNameTheLine) {
  const Scan s = scan("{\"a\":1}\n{\"b\":2}\n{\"c\":}\n");
  EXPECT_EQ(s.status, Status::TaskFileInvalid);
  EXPECT_NE(s.detail.find("in task 3 at byte 21 (line 3)"), std::string::npos) << s.detail;
  EXPECT_EQ(s.tasks.size(), 2u) << "the tasks before the error were reported";
}

// A number beyond a double's range is refused where it starts: Python reads 1e400 as infinity,
// which Label Studio cannot store (a 500 on every resend).
TEST(TaskFileScan, NumbersBeyondADoubleAreRefusedWithTheirOffsetAndLine) {
  const std::string bound =  // 2^1024 - 2^970: the first value strtod rounds to infinity

      "17976931348623158079372897140530341507993413271003782693617377898044496829276475"
      "09466490179775872070963302864166928879109465555478519404026306574886715058206819"
      "08902000708383676273854845817711531764475730270069855571366959622842914819860834"
      "936475292719074168444365510704342711559699508093042880177904174497792";
  const std::vector<std::string> refused = {"1e400",
                                            "-1E+999",
                                            "1e99999999999999999999",
                                            "1.8e308",
                                            "1.7976931348623159e308",
                                            "-1.7976931348623159E308",
                                            "1e309",
                                            "100e307",
                                            "0.01e311",
                                            "0.0000000001e319",
                                            "1" + std::string(309, '0'),
                                            "1" + std::string(308, '0') + ".5e1",
                                            bound,
                                            bound + ".0",
                                            "-" + bound + "000e-3"};
  for (const auto& number : refused) {
    const Scan s = scan("{\"a\":1}\n{\"b\":2}\n{\"c\":[0," + number + "]}\n");
    EXPECT_EQ(s.status, Status::TaskFileInvalid) << number;
    EXPECT_NE(s.detail.find("a number too large for a double"), std::string::npos) << s.detail;
    EXPECT_NE(s.detail.find("in task 3 at byte 24 (line 3)"), std::string::npos)
        << number << ": " << s.detail;
    EXPECT_EQ(s.tasks.size(), 2u);
  }
  const std::vector<std::string> accepted = {
      "1.7976931348623157e308",
      "1.7976931348623158e308",
      "-1.7976931348623157E+308",
      "1e308",
      "0.1e309",
      "10e307",
      "1e-400",
      "-1e-99999999999999999999",
      "0e99999999999999999999",
      "-0.000e400000",
      "0.00000001e316",
      std::string(308, '9'),
      "17976931348623158079372897140530341507993413271003782693617377898044496829276475"
      "09466490179775872070963302864166928879109465555478519404026306574886715058206819"
      "08902000708383676273854845817711531764475730270069855571366959622842914819860834"
      "936475292719074168444365510704342711559699508093042880177904174497791",
      "4.9e-324",
      "2.5e-324",
      "123456789012345678901234567890",
      "0." + std::string(400, '0') + "1"};
  for (const auto& number : accepted) {
    const Scan s = scan("[{\"n\":" + number + "}]");
    EXPECT_EQ(s.status, Status::Ok) << number << ": " << s.detail;
  }
}

// The scanner's verdict agrees with strtod on numbers around the bound, in every spelling.
TEST(TaskFileScan, TheRangeCheckAgreesWithStrtod) {
  const std::string bound =
      "17976931348623158079372897140530341507993413271003782693617377898044496829276475"
      "09466490179775872070963302864166928879109465555478519404026306574886715058206819"
      "08902000708383676273854845817711531764475730270069855571366959622842914819860834"
      "936475292719074168444365510704342711559699508093042880177904174497792";
  std::vector<std::string> numbers;
  for (size_t digits = 1; digits <= bound.size() + 2; digits += (digits < 30 ? 1 : 37)) {
    std::string prefix = bound.substr(0, std::min(digits, bound.size()));
    prefix.resize(digits, '0');
    for (int delta : {-1, 0, 1}) {
      std::string d = prefix;
      // d +/- 1 in its last digit (with carries), staying a digit string of the same length.
      for (size_t i = d.size(); i-- > 0;) {
        const int v = d[i] - '0' + delta;
        if (v >= 0 && v <= 9) {
          d[i] = static_cast<char>('0' + v);
          break;
        }
        d[i] = delta > 0 ? '0' : '9';
      }
      for (int shift : {0, 1, 5, 400}) {
        // The same value as d * 10^(309 - digits), moved by `shift` between mantissa and exponent.
        const long exponent = 309 - static_cast<long>(digits);
        numbers.push_back(d + "e" + std::to_string(exponent));
        numbers.push_back("0." + std::string(static_cast<size_t>(shift), '0') + d + "e" +
                          std::to_string(exponent + static_cast<long>(digits + shift)));
        if (d.size() > 1) {
          numbers.push_back(d.substr(0, 1) + "." + d.substr(1) + "E+" +
                            std::to_string(exponent + static_cast<long>(digits) - 1));
        }
      }
    }
  }
  size_t finite = 0;
  for (const auto& number : numbers) {
    errno = 0;
    const bool fits = std::isfinite(std::strtod(number.c_str(), nullptr));
    finite += fits ? 1 : 0;
    const Scan s = scan("{\"n\":" + number + "}");
    EXPECT_EQ(s.status == Status::Ok, fits) << number << ": " << s.detail;
  }
  EXPECT_GT(finite, numbers.size() / 4);
  EXPECT_LT(finite, numbers.size() * 3 / 4);
}

TEST(TaskFileScan, NestingIsLimitedToTheJsonDepth) {
  auto nested = [](int depth) {
    // depth 1 is the task object itself.
    std::string text = "{\"a\":";
    for (int i = 1; i < depth; ++i) {
      text += "[";
    }
    text += "1";
    for (int i = 1; i < depth; ++i) {
      text += "]";
    }
    return text + "}";
  };
  EXPECT_EQ(scan(nested(LSEDGE_JSON_MAX_DEPTH)).status, Status::Ok);
  const Scan deep = scan(nested(LSEDGE_JSON_MAX_DEPTH + 1));
  EXPECT_EQ(deep.status, Status::TaskFileInvalid);
  EXPECT_NE(deep.detail.find("nesting deeper"), std::string::npos) << deep.detail;
  // Far deeper input is refused without any recursion (a stack overflow would crash here).
  EXPECT_EQ(scan(std::string(100000, '[')).status, Status::TaskFileInvalid);
  EXPECT_EQ(scan("{\"a\":" + std::string(100000, '[')).status, Status::TaskFileInvalid);
}

TEST(TaskFileScan, ATaskOverTheLimitNamesItsNumberAndSize) {
  const Scan s = scan("[{\"a\":1},{\"b\":\"0123456789\"},{}]", 4096, 12);
  EXPECT_EQ(s.status, Status::ValidationFailed);
  EXPECT_NE(s.detail.find("task 2 is 18 bytes"), std::string::npos) << s.detail;
  EXPECT_NE(s.detail.find("at most 12 bytes per task"), std::string::npos) << s.detail;
  EXPECT_EQ(scan("[{\"a\":\"0123\"}]", 4096, 12).status, Status::Ok) << "exactly the limit fits";
}

// Every chunk size from 1 to 16 bytes finds the same tasks and the same errors as a big chunk.
TEST(TaskFileScan, ChunkBoundariesAtEveryByteChangeNothing) {
  const std::vector<std::string> files = {
      "\xEF\xBB\xBF[ {\"a\":\"}]\\\"\\\\\",\"b\":[1.5e-3,true,null]} , "
      "{\"\xC3\xA9\":\"\xF0\x9F\x98\x80"
      "\\ud83d\\ude00\"}\n]\n",
      "{\"x\":-12}\r\n{\"y\":{\"z\":[]}}\n\n{\"w\":false}",
      "{\"single\":\"object\"}",
      "[{\"a\":1},{\"b\":\"\xE2\x82\"}]",
      "{\"a\":1}\n{\"b\":\"\\ud800x\"}\n",
      "{\"a\":1}\n{\"b\":[1.5,-17976931348623159e292]}\n",
  };
  for (const auto& file : files) {
    const Scan reference = scan(file);
    for (size_t chunk = 1; chunk <= 16; ++chunk) {
      const Scan s = scan(file, chunk);
      EXPECT_EQ(s.status, reference.status) << "chunk " << chunk;
      EXPECT_EQ(s.detail, reference.detail) << "chunk " << chunk;
      EXPECT_EQ(s.texts, reference.texts) << "chunk " << chunk;
      EXPECT_EQ(s.summary.format, reference.summary.format);
    }
  }
}

// The scanner fed one byte at a time, never through skip(): the reference for the bulk path.
Scan scan_bytewise(const std::string& content) {
  TaskScanner scanner(TaskScanner::Framing::File);
  Scan out;
  for (const char c : content) {
    const TaskScanner::Step step = scanner.feed(static_cast<uint8_t>(c));
    if (step == TaskScanner::Step::Invalid) {
      out.status = scanner.error().status;
      out.detail = std::string(scanner.error().detail.view());
      return out;
    }
    if (step == TaskScanner::Step::End) {
      const TaskElement& t = scanner.last_task();
      out.texts.push_back(
          content.substr(static_cast<size_t>(t.offset), static_cast<size_t>(t.length)));
    }
  }
  const Outcome finished = scanner.finish();
  if (!finished.ok()) {
    out.status = finished.status();
    out.detail = std::string(finished.error().detail.view());
  }
  return out;
}

// skip() takes plain string bytes and whitespace in bulk (8 bytes at a time in strings): the
// tasks found and every error (its text, byte offset and line) are the same as byte by byte,
// for every chunk size, with each kind of fault at every offset of a long string.
TEST(TaskFileScan, TheBulkPathAgreesWithTheByteAtATimeScanner) {
  std::vector<std::string> files;
  const std::string plain = "The quick brown fox jumps over the lazy dog 0123456789";
  const std::vector<std::string> faults = {"\"",   "\\n",     "\\u00e9",  "\\ud83d\\ude00", "\n",
                                           "\x7F", "\x01",    "\xC3\xA9", "\xC3",           "\xFF",
                                           "\\x",  "\\ud800", "\\u0000"};
  for (size_t at = 0; at <= 20; ++at) {
    for (const auto& fault : faults) {
      const std::string text = plain.substr(0, at) + fault + plain.substr(at);
      files.push_back("[\n {\"data\": {\"t\": \"" + text + "\",\n  \"n\": [1, 2.5]}},\n {}\n]\n");
      files.push_back("{\"a\":\"" + text + "\"}\r\n\n{\"b\" :  \"" + plain + "\"}\n");
    }
  }
  files.push_back("[" + std::string(100, ' ') + "{\"k\":" + std::string(30, '\n') + "1}  ]");
  files.push_back("{\"a\":1}   \t {\"b\":2}");  // no newline between NDJSON tasks
  files.push_back("{\"a\":\"" + std::string(5000, 'x') + "\"}\n{\"b\":\"\xE2\x82\xAC\"}");
  for (const auto& file : files) {
    const Scan reference = scan_bytewise(file);
    for (const size_t chunk :
         {size_t{1}, size_t{3}, size_t{7}, size_t{8}, size_t{9}, size_t{64}, size_t{4096}}) {
      const Scan bulk = scan(file, chunk);
      EXPECT_EQ(bulk.status, reference.status) << file << " chunk " << chunk;
      EXPECT_EQ(bulk.detail, reference.detail) << file << " chunk " << chunk;
      EXPECT_EQ(bulk.texts, reference.texts) << file << " chunk " << chunk;
    }
  }
}

// What the scanner accepts, a real JSON parser accepts as objects: every one-byte deletion and
// every one-byte substitution (from a set of structural bytes) of a valid file.
TEST(TaskFileScan, EveryAcceptedMutationIsRealJson) {
  const std::string original =
      "[{\"data\":{\"t\":\"a\\\"b\",\"n\":[1,-2.5e3,{\"k\":null}]}},{\"data\":{\"b\":true}}]";
  const std::string replacements = "{}[],:\"\\ 0-eE.tfnx\n";
  size_t accepted = 0;
  size_t refused = 0;
  auto check = [&](const std::string& mutated) {
    const Scan s = scan(mutated, 3);
    if (s.status != Status::Ok) {
      ++refused;
      EXPECT_FALSE(s.detail.empty());
      return;
    }
    ++accepted;
    for (const auto& text : s.texts) {
      cJSON* parsed = cJSON_ParseWithLength(text.data(), text.size());
      EXPECT_TRUE(parsed != nullptr && cJSON_IsObject(parsed)) << mutated << " -> " << text;
      cJSON_Delete(parsed);
    }
  };
  for (size_t i = 0; i < original.size(); ++i) {
    check(original.substr(0, i) + original.substr(i + 1));
    for (const char r : replacements) {
      std::string mutated = original;
      mutated[i] = r;
      check(mutated);
    }
  }
  EXPECT_GT(accepted, 10u);
  EXPECT_GT(refused, 100u);
}

TEST(TaskFileScan, TheCallerMayStopAfterAnyTask) {
  MemoryStorage storage;
  storage.put_file("/t.json", "[{},{},{}]");
  auto file = storage.open_read("/t.json");
  uint8_t chunk[4];
  TaskReader reader(storage, *file, chunk);
  TaskElement task;
  for (uint64_t i = 0; i < 2; ++i) {
    auto more = reader.next(task);
    ASSERT_TRUE(more.ok());
    ASSERT_TRUE(*more);
    EXPECT_EQ(task.index, i);
  }
  EXPECT_EQ(reader.summary().tasks, 2u) << "nothing scanned past the task the caller took";
  EXPECT_EQ(task.offset, 4u);
}

TEST(TaskFileScan, TheEndAndErrorsRepeat) {
  MemoryStorage storage;
  storage.put_file("/ok.json", "[{}]");
  storage.put_file("/bad.json", "[{},x]");
  uint8_t chunk[3];
  TaskElement task;
  auto ok_file = storage.open_read("/ok.json");
  TaskReader ok(storage, *ok_file, chunk);
  ASSERT_TRUE(*ok.next(task));
  for (int i = 0; i < 2; ++i) {
    auto more = ok.next(task);
    ASSERT_TRUE(more.ok());
    EXPECT_FALSE(*more);
  }
  EXPECT_EQ(ok.summary().file_bytes, 4u);
  auto bad_file = storage.open_read("/bad.json");
  TaskReader bad(storage, *bad_file, chunk);
  ASSERT_TRUE(*bad.next(task));
  const std::string first(bad.next(task).error().detail.view());
  EXPECT_NE(first.find("at byte 4 (line 1)"), std::string::npos) << first;
  auto again = bad.next(task);
  EXPECT_EQ(again.status(), Status::TaskFileInvalid);
  EXPECT_EQ(std::string(again.error().detail.view()), first);
}

TEST(TaskFileScan, ReadFailuresAndBadArgumentsAreReported) {
  MemoryStorage storage;
  storage.put_file("/t.json", "[{},{},{}]");
  auto file = storage.open_read("/t.json");
  uint8_t chunk[4];
  storage.fail(MemoryStorage::Op::ReadAt, 2, EIO);
  auto failed = scan_task_file(storage, *file, chunk);
  EXPECT_EQ(failed.status(), Status::FileError);
  EXPECT_EQ(failed.error().code, EIO);
  EXPECT_EQ(scan_task_file(storage, *file, ByteSpan()).status(), Status::InvalidArgument);
  TaskReader reader(storage, *file, ByteSpan());
  TaskElement task;
  EXPECT_EQ(reader.next(task).status(), Status::InvalidArgument);
}

// --- batches ---------------------------------------------------------------------------------

struct Plan {
  Status status = Status::Ok;
  std::string detail;
  TaskFileSummary summary;
  std::vector<TaskBatch> batches;
};

Plan plan(MemoryStorage& storage, const std::string& path, uint64_t budget, size_t chunk = 64) {
  auto file = storage.open_read(path);
  EXPECT_TRUE(file.ok());
  std::vector<uint8_t> buffer(chunk);
  BatchPlanner planner(storage, *file, ByteSpan(buffer.data(), buffer.size()), budget);
  Plan out;
  TaskBatch batch;
  for (;;) {
    auto more = planner.next(batch);
    if (!more.ok()) {
      out.status = more.status();
      out.detail = std::string(more.error().detail.view());
      EXPECT_EQ(planner.next(batch).status(), out.status) << "the error repeats";
      break;
    }
    if (!*more) {
      out.summary = planner.summary();
      EXPECT_FALSE(*planner.next(batch)) << "the end repeats";
      break;
    }
    out.batches.push_back(batch);
  }
  storage.close(*file);
  return out;
}

std::string read_body(MemoryStorage& storage, const std::string& path, const TaskBatch& batch,
                      size_t scratch_size, size_t out_size, Status* failure = nullptr,
                      BodyCheck check = BodyCheck::Revalidate) {
  auto file = storage.open_read(path);
  std::vector<uint8_t> scratch(scratch_size);
  BatchBodyReader reader(storage, *file, batch, ByteSpan(scratch.data(), scratch.size()), check);
  std::string body;
  std::vector<uint8_t> out(out_size);
  for (int guard = 0; guard < 10000000; ++guard) {
    auto got = reader.read(ByteSpan(out.data(), out.size()));
    if (!got.ok()) {
      if (failure != nullptr) {
        *failure = got.status();
      }
      break;
    }
    if (*got == 0) {
      break;
    }
    body.append(reinterpret_cast<const char*>(out.data()), *got);
  }
  storage.close(*file);
  return body;
}

std::string join_body(const std::vector<std::string>& tasks, size_t first, size_t count) {
  std::string body = "[";
  for (size_t i = first; i < first + count; ++i) {
    body += (i == first ? "" : ",") + tasks[i];
  }
  return body + "]";
}

// Tasks of varied sizes in three layouts; batch sizes are exact and greedy, bodies are the tasks'
// bytes joined by commas, for any scratch and output size, and rewind() reproduces them.
TEST(TaskBatches, SizesAreExactAndBodiesHoldTheOriginalTasks) {
  std::vector<std::string> tasks;
  for (int i = 0; i < 40; ++i) {
    tasks.push_back("{\"data\":{\"i\":" + std::to_string(i) + ",\"text\":\"" +
                    std::string(static_cast<size_t>((i * 37) % 50), 'x') + "\\\"]\"}}");
  }
  std::string array = "[\n";
  std::string ndjson;
  for (size_t i = 0; i < tasks.size(); ++i) {
    array += "  " + tasks[i] + (i + 1 < tasks.size() ? " ,\n" : "\n");
    ndjson += tasks[i] + "\r\n\n";
  }
  array += "]";
  MemoryStorage storage;
  storage.put_file("/array.json", array);
  storage.put_file("/tasks.ndjson", ndjson);

  for (const std::string path : {"/array.json", "/tasks.ndjson"}) {
    for (const uint64_t budget : {uint64_t{100}, uint64_t{256}, uint64_t{1000}, uint64_t{100000}}) {
      const Plan p = plan(storage, path, budget);
      ASSERT_EQ(p.status, Status::Ok) << p.detail;
      EXPECT_EQ(p.summary.tasks, tasks.size());
      EXPECT_EQ(p.summary.batches, p.batches.size());
      uint64_t next_task = 0;
      for (size_t b = 0; b < p.batches.size(); ++b) {
        const TaskBatch& batch = p.batches[b];
        EXPECT_EQ(batch.index, b);
        EXPECT_EQ(batch.first_task, next_task) << "batches are consecutive";
        const std::string expected = join_body(tasks, static_cast<size_t>(batch.first_task),
                                               static_cast<size_t>(batch.task_count));
        EXPECT_EQ(batch.body_size, expected.size()) << "2 + sum + (n - 1)";
        EXPECT_LE(batch.body_size, budget);
        if (b + 1 < p.batches.size()) {
          EXPECT_GT(batch.body_size + 1 +
                        tasks[static_cast<size_t>(batch.first_task + batch.task_count)].size(),
                    budget)
              << "greedy: the next task would not have fitted";
        }
        next_task += batch.task_count;
        for (const size_t scratch : {size_t{1}, size_t{3}, size_t{4096}}) {
          for (const size_t out : {size_t{1}, size_t{2}, size_t{7}, size_t{4096}}) {
            for (const BodyCheck check : {BodyCheck::Revalidate, BodyCheck::Boundaries}) {
              EXPECT_EQ(read_body(storage, path, batch, scratch, out, nullptr, check), expected)
                  << path << " budget " << budget << " batch " << b << " scratch " << scratch
                  << " out " << out << " check " << static_cast<int>(check);
            }
          }
        }
      }
      EXPECT_EQ(next_task, tasks.size());
      if (budget == 100000) {
        EXPECT_EQ(p.batches.size(), 1u);
      }
    }
  }
}

TEST(TaskBatches, BodiesParseAsArraysOfTheOriginalObjects) {
  const std::string file =
      "{\"data\":{\"a\":\"\\u00e9\\\"\"}}\n{\"data\":{\"b\":[1,{\"c\":null}]}}\n{\"data\":{}}\n";
  MemoryStorage storage;
  storage.put_file("/t.ndjson", file);
  const Plan p = plan(storage, "/t.ndjson", 1024);
  ASSERT_EQ(p.status, Status::Ok) << p.detail;
  ASSERT_EQ(p.batches.size(), 1u);
  const std::string body = read_body(storage, "/t.ndjson", p.batches[0], 5, 3);
  cJSON* parsed = cJSON_ParseWithLength(body.data(), body.size());
  ASSERT_NE(parsed, nullptr) << body;
  ASSERT_TRUE(cJSON_IsArray(parsed));
  ASSERT_EQ(cJSON_GetArraySize(parsed), 3);
  const Scan s = scan(file);
  for (int i = 0; i < 3; ++i) {
    cJSON* original = cJSON_ParseWithLength(s.texts[static_cast<size_t>(i)].data(),
                                            s.texts[static_cast<size_t>(i)].size());
    EXPECT_TRUE(cJSON_Compare(cJSON_GetArrayItem(parsed, i), original, 1)) << i;
    cJSON_Delete(original);
  }
  cJSON_Delete(parsed);
}

bool same_batch(const TaskBatch& a, const TaskBatch& b) {
  return a.index == b.index && a.first_task == b.first_task && a.task_count == b.task_count &&
         a.begin == b.begin && a.end == b.end && a.body_size == b.body_size;
}

// plan_task_file validates and plans in one read: the same summary as scan_task_file and the
// same batches as BatchPlanner; a plan span smaller than the file's batch count keeps the first
// ones and still counts them all; an invalid file plans nothing usable.
TEST(TaskBatches, ThePlanOfTheValidatingReadIsThePlannersPlan) {
  std::string array = "[";
  for (int i = 0; i < 50; ++i) {
    array += std::string(i == 0 ? "" : ",\n ") + "{\"i\":" + std::to_string(i) + ",\"t\":\"" +
             std::string(static_cast<size_t>((i * 29) % 70), 'y') + "\"}";
  }
  array += "]";
  MemoryStorage storage;
  storage.put_file("/a.json", array);
  for (const uint64_t budget : {uint64_t{90}, uint64_t{300}, uint64_t{5000}}) {
    const Plan reference = plan(storage, "/a.json", budget);
    ASSERT_EQ(reference.status, Status::Ok);
    for (const size_t capacity : {size_t{0}, size_t{1}, size_t{3}, size_t{1000}}) {
      std::vector<TaskBatch> kept(capacity);
      auto file = storage.open_read("/a.json");
      std::vector<uint8_t> chunk(7);
      const auto planned =
          plan_task_file(storage, *file, ByteSpan(chunk.data(), chunk.size()), budget - 2, budget,
                         Span<TaskBatch>(kept.data(), capacity));
      storage.close(*file);
      ASSERT_TRUE(planned.ok()) << planned.error().detail.c_str();
      EXPECT_EQ(planned->summary.tasks, 50u);
      EXPECT_EQ(planned->summary.batches, reference.batches.size());
      EXPECT_EQ(planned->kept, std::min(capacity, reference.batches.size()));
      for (size_t b = 0; b < planned->kept; ++b) {
        EXPECT_TRUE(same_batch(kept[b], reference.batches[b])) << budget << " " << b;
      }
    }
  }
  storage.put_file("/bad.json", array.substr(0, array.size() - 1));
  auto file = storage.open_read("/bad.json");
  std::vector<uint8_t> chunk(64);
  TaskBatch kept[4];
  EXPECT_EQ(plan_task_file(storage, *file, ByteSpan(chunk.data(), chunk.size()), 998, 1000,
                           Span<TaskBatch>(kept, 4))
                .status(),
            Status::TaskFileInvalid);
}

TEST(TaskBatches, RewindStartsTheBodyAgain) {
  MemoryStorage storage;
  storage.put_file("/t.json", "[{\"a\":1}, {\"b\":2}]");
  const Plan p = plan(storage, "/t.json", 1024);
  ASSERT_EQ(p.batches.size(), 1u);
  auto file = storage.open_read("/t.json");
  uint8_t scratch[4];
  BatchBodyReader reader(storage, *file, p.batches[0], scratch, BodyCheck::Boundaries);
  EXPECT_EQ(reader.size(), 17u);
  uint8_t out[5];
  auto first = reader.read(out);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), *first), "[{\"a\"");
  ASSERT_TRUE(reader.rewind().ok());
  std::string body;
  for (;;) {
    auto got = reader.read(out);
    ASSERT_TRUE(got.ok());
    if (*got == 0) {
      break;
    }
    body.append(reinterpret_cast<char*>(out), *got);
  }
  EXPECT_EQ(body, "[{\"a\":1},{\"b\":2}]");
  auto after_end = reader.read(out);
  ASSERT_TRUE(after_end.ok());
  EXPECT_EQ(*after_end, 0u) << "stays at the end";
  EXPECT_EQ(reader.read(ByteSpan()).status(), Status::InvalidArgument);
}

TEST(TaskBatches, ATaskTooLargeForTheBudgetIsRefused) {
  MemoryStorage storage;
  storage.put_file("/t.json", "[{\"a\":1},{\"b\":\"0123456789\"}]");
  const Plan p = plan(storage, "/t.json", 19);
  EXPECT_EQ(p.status, Status::ValidationFailed);
  EXPECT_NE(p.detail.find("task 2 is 18 bytes"), std::string::npos) << p.detail;
  const Plan fits = plan(storage, "/t.json", 20);
  ASSERT_EQ(fits.status, Status::Ok) << "[ + 18 bytes + ] is exactly 20";
  EXPECT_EQ(fits.batches.size(), 2u);
  EXPECT_EQ(fits.batches[1].body_size, 20u);
}

TEST(TaskBatches, BudgetBelowTheSmallestBodyIsACallerError) {
  MemoryStorage storage;
  storage.put_file("/t.json", "[{}]");
  EXPECT_EQ(plan(storage, "/t.json", 3).status, Status::InvalidArgument);
  const Plan smallest = plan(storage, "/t.json", 4);
  ASSERT_EQ(smallest.status, Status::Ok);
  EXPECT_EQ(smallest.batches[0].body_size, 4u);
}

TEST(TaskBatches, InvalidFilesReportNoBatchAfterTheError) {
  MemoryStorage storage;
  storage.put_file("/t.json", "[{\"a\":1},{\"b\":2},{\"c\":}]");
  const Plan p = plan(storage, "/t.json", 10);
  EXPECT_EQ(p.status, Status::TaskFileInvalid);
  EXPECT_EQ(p.batches.size(), 1u) << "the first batch closed before the error was seen";
  storage.put_file("/empty.json", "[]");
  EXPECT_EQ(plan(storage, "/empty.json", 100).status, Status::EmptyInput);
}

TEST(TaskBatches, TheReaderNoticesAChangedFileAndNeverOverrunsTheSize) {
  MemoryStorage storage;
  storage.put_file("/a.json", "[{\"a\":1},{\"b\":2}]");
  const Plan p = plan(storage, "/a.json", 1024);
  ASSERT_EQ(p.batches.size(), 1u);
  const std::vector<std::string> changed = {
      "[{\"a\":1},{\"b\":22}]",  // a longer task
      "[{\"a\":1},{\"b\":}]",    // invalid now
      "[{\"a\":1} {\"b\":2}]",   // same size, no comma (allowed between tasks) ...
      "[{\"a\":12,\"b\":2}]",    // one task where two were
      "[{\"a\":1}]",             // shorter file
      "[{\"a\":1},x\"b\":2}]",   // garbage between tasks
  };
  for (const BodyCheck check : {BodyCheck::Revalidate, BodyCheck::Boundaries}) {
    for (const auto& content : changed) {
      storage.put_file("/b.json", content);
      Status failure = Status::Ok;
      const std::string body = read_body(storage, "/b.json", p.batches[0], 3, 2, &failure, check);
      EXPECT_LE(body.size(), p.batches[0].body_size) << content;
      if (content == "[{\"a\":1} {\"b\":2}]") {
        EXPECT_EQ(failure, Status::Ok) << "the same tasks in the same places";
        EXPECT_EQ(body, "[{\"a\":1},{\"b\":2}]");
      } else {
        EXPECT_EQ(failure, Status::TaskFileInvalid) << content << " " << static_cast<int>(check);
      }
    }
  }
}

// Boundaries finds tasks by strings, escapes and brackets only: quotes, braces and backslashes
// inside strings, at every scratch and read size, give the tasks the full scanner found.
TEST(TaskBatches, BoundariesFindTheTasksThroughStringsAndEscapes) {
  const std::vector<std::string> tasks = {
      "{\"a\":\"}\\\"{[\",\"b\":[{\"c\":\"\\\\\"},[]]}",
      "{\"t\":\"a long string with no stop in it at all, 8 bytes at a time\\\\\"}",
      "{\"u\":\"\u00e9\\u00e9\\\"\\\\\\\"\",\"n\":-1.5e3,\"l\":[true,false,null]}",
      "{}",
  };
  std::string file = "[";
  for (size_t i = 0; i < tasks.size(); ++i) {
    file += (i == 0 ? "" : " \t,\r\n ") + tasks[i];
  }
  file += "]";
  MemoryStorage storage;
  storage.put_file("/t.json", file);
  const Plan p = plan(storage, "/t.json", 4096);
  ASSERT_EQ(p.status, Status::Ok) << p.detail;
  ASSERT_EQ(p.batches.size(), 1u);
  const std::string expected = join_body(tasks, 0, tasks.size());
  for (size_t scratch = 1; scratch <= 40; ++scratch) {
    for (const size_t out : {size_t{1}, size_t{5}, size_t{9}, size_t{4096}}) {
      Status failure = Status::Ok;
      EXPECT_EQ(read_body(storage, "/t.json", p.batches[0], scratch, out, &failure,
                          BodyCheck::Boundaries),
                expected)
          << scratch << " " << out;
      EXPECT_EQ(failure, Status::Ok);
    }
  }
}

// What only Revalidate catches: a byte changed inside a task that keeps every boundary (the
// server refuses such a body; import validated the file whole just before reading it again).
TEST(TaskBatches, OnlyRevalidateCatchesAnInvalidByteThatKeepsTheBoundaries) {
  MemoryStorage storage;
  storage.put_file("/a.json", "[{\"a\":1},{\"b\":2}]");
  const Plan p = plan(storage, "/a.json", 1024);
  ASSERT_EQ(p.batches.size(), 1u);
  storage.put_file("/b.json", "[{\"a\":1},{\"b\":x}]");
  Status failure = Status::Ok;
  (void)read_body(storage, "/b.json", p.batches[0], 3, 2, &failure, BodyCheck::Revalidate);
  EXPECT_EQ(failure, Status::TaskFileInvalid);
  failure = Status::Ok;
  EXPECT_EQ(read_body(storage, "/b.json", p.batches[0], 3, 2, &failure, BodyCheck::Boundaries),
            "[{\"a\":1},{\"b\":x}]");
  EXPECT_EQ(failure, Status::Ok);
  // A task that ends with ']' where its '}' was, or a second comma, is not where it was.
  for (const char* content : {"[{\"a\":1},{\"b\":2]]", "[{\"a\":1},,\"b\":2}]"}) {
    storage.put_file("/c.json", content);
    failure = Status::Ok;
    (void)read_body(storage, "/c.json", p.batches[0], 3, 2, &failure, BodyCheck::Boundaries);
    EXPECT_EQ(failure, Status::TaskFileInvalid) << content;
  }
}

}  // namespace
}  // namespace lsedge::taskfile
