#include "firmware/app/config.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/fakes/memory_storage.h"

namespace lsedge::app {
namespace {

// A fake process environment.
class MapEnv final : public EnvLookup {
 public:
  MapEnv() = default;
  MapEnv(std::initializer_list<std::pair<const std::string, std::string>> values)
      : values_(values) {}
  std::optional<std::string_view> get(std::string_view key) const override {
    const auto it = values_.find(std::string(key));
    if (it == values_.end()) {
      return std::nullopt;
    }
    return std::string_view(it->second);
  }
  void set(const std::string& key, const std::string& value) { values_[key] = value; }

 private:
  std::map<std::string, std::string> values_;
};

constexpr const char* kPat = "eyJhbGciOiJIUzI1NiJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl";
constexpr const char* kLegacy = "c0ffee0123456789abcdef0123456789abcdef01";

struct Loaded {
  Outcome outcome;
  std::unique_ptr<Config> config;
};

Loaded load(const EnvLookup& env, std::string_view dotenv, const ConfigOverrides& overrides = {}) {
  auto config = std::make_unique<Config>();
  Outcome outcome = load_config(env, dotenv, *config, overrides);
  return Loaded{outcome, std::move(config)};
}

std::unique_ptr<Config> loaded_ok(const EnvLookup& env, std::string_view dotenv,
                                  const ConfigOverrides& overrides = {}) {
  Loaded l = load(env, dotenv, overrides);
  EXPECT_TRUE(l.outcome.ok()) << status_name(l.outcome.status()) << ": "
                              << l.outcome.error().detail.view();
  return std::move(l.config);
}

Error failed(const EnvLookup& env, std::string_view dotenv, const ConfigOverrides& overrides = {}) {
  Loaded l = load(env, dotenv, overrides);
  EXPECT_FALSE(l.outcome.ok());
  return l.outcome.error();
}

bool contains(const Error& error, std::string_view text) {
  return error.detail.view().find(text) != std::string_view::npos;
}

TEST(Config, FromTheEnvironment) {
  const MapEnv env{{"LABEL_STUDIO_URL", "https://ls.example.com/ls/"},
                   {"LABEL_STUDIO_API_TOKEN", kPat}};
  const auto config = loaded_ok(env, "");
  EXPECT_EQ(config->url.scheme, Scheme::Https);
  EXPECT_EQ(config->url.host.view(), "ls.example.com");
  EXPECT_EQ(config->url.base_path.view(), "/ls");
  EXPECT_EQ(config->token.expose(), kPat);
  EXPECT_EQ(config->token_key, "LABEL_STUDIO_API_TOKEN");
  EXPECT_EQ(config->ca_file.view(), "");
  EXPECT_FALSE(config->allow_insecure_http);
}

TEST(Config, FromTheDotenvFile) {
  const MapEnv env;
  const std::string dotenv =
      std::string("# lsedge\nexport LABEL_STUDIO_URL=http://localhost:8080\n") +
      "LABEL_STUDIO_API_KEY='" + kLegacy + "'\n" + "LABEL_STUDIO_CA_FILE=\"/etc/ssl/my ca.pem\"\n" +
      "UNRELATED=\"" + std::string(5000, 'u') + "\\n\"\n";
  const auto config = loaded_ok(env, dotenv);
  EXPECT_EQ(config->url.host.view(), "localhost");
  EXPECT_EQ(config->url.port, 8080);
  EXPECT_EQ(config->token.expose(), kLegacy);
  EXPECT_EQ(config->token_key, "LABEL_STUDIO_API_KEY");
  EXPECT_EQ(config->ca_file.view(), "/etc/ssl/my ca.pem");
}

TEST(Config, EscapedTokenInDotenvIsUnescaped) {
  const MapEnv env{{"LABEL_STUDIO_URL", "https://h"}};
  const auto config = loaded_ok(env, "LABEL_STUDIO_API_TOKEN=\"ab\\\\cd\"\n");
  EXPECT_EQ(config->token.expose(), "ab\\cd");
  // A quote unescaped into the token is refused by the token's shape check.
  EXPECT_EQ(failed(env, "LABEL_STUDIO_API_TOKEN=\"ab\\\"cd\"\n").status, Status::MalformedToken);
}

TEST(Config, EnvironmentWinsOverDotenvPerKey) {
  const MapEnv env{{"LABEL_STUDIO_URL", "https://from-env.example.com"}};
  const std::string dotenv = std::string("LABEL_STUDIO_URL=https://from-file.example.com\n") +
                             "LABEL_STUDIO_API_TOKEN=" + kPat + "\n" +
                             "LABEL_STUDIO_CA_FILE=/file/ca.pem\n";
  const auto config = loaded_ok(env, dotenv);
  EXPECT_EQ(config->url.host.view(), "from-env.example.com");
  EXPECT_EQ(config->token.expose(), kPat);  // only in the file
  EXPECT_EQ(config->ca_file.view(), "/file/ca.pem");
}

TEST(Config, EmptyEnvironmentValueCountsAsUnset) {
  const MapEnv env{{"LABEL_STUDIO_URL", "  "}, {"LABEL_STUDIO_API_TOKEN", ""}};
  const std::string dotenv = std::string("LABEL_STUDIO_URL=https://file.example.com\n") +
                             "LABEL_STUDIO_API_TOKEN=" + kPat + "\n";
  const auto config = loaded_ok(env, dotenv);
  EXPECT_EQ(config->url.host.view(), "file.example.com");
  EXPECT_EQ(config->token.expose(), kPat);
}

TEST(Config, LaterDotenvEntryWinsAndAnEmptyOneUnsets) {
  const MapEnv env{{"LABEL_STUDIO_API_TOKEN", kPat}};
  const auto config = loaded_ok(env, "LABEL_STUDIO_URL=https://a\nLABEL_STUDIO_URL=https://b\n");
  EXPECT_EQ(config->url.host.view(), "b");
  const Error error = failed(env, "LABEL_STUDIO_URL=https://a\nLABEL_STUDIO_URL=\n");
  EXPECT_EQ(error.status, Status::ConfigMissing);
}

TEST(Config, TokenValueIsTrimmed) {
  const MapEnv env{{"LABEL_STUDIO_URL", "https://h"},
                   {"LABEL_STUDIO_API_TOKEN", std::string("  ") + kPat + "\r\n"}};
  EXPECT_EQ(loaded_ok(env, "")->token.expose(), kPat);
}

TEST(Config, MissingUrlIsNamed) {
  const MapEnv env{{"LABEL_STUDIO_API_TOKEN", kPat}};
  const Error error = failed(env, "");
  EXPECT_EQ(error.status, Status::ConfigMissing);
  EXPECT_TRUE(contains(error, "LABEL_STUDIO_URL is not set")) << error.detail.view();
}

TEST(Config, MissingTokenNamesBothKeys) {
  const MapEnv env{{"LABEL_STUDIO_URL", "https://h"}};
  const Error error = failed(env, "# nothing here\n");
  EXPECT_EQ(error.status, Status::ConfigMissing);
  EXPECT_TRUE(contains(error, "LABEL_STUDIO_API_TOKEN")) << error.detail.view();
  EXPECT_TRUE(contains(error, "LABEL_STUDIO_API_KEY")) << error.detail.view();
}

TEST(Config, BothTokenNamesMayAgree) {
  const MapEnv env{{"LABEL_STUDIO_URL", "https://h"},
                   {"LABEL_STUDIO_API_TOKEN", kPat},
                   {"LABEL_STUDIO_API_KEY", std::string(kPat) + " "}};
  const auto config = loaded_ok(env, "");
  EXPECT_EQ(config->token.expose(), kPat);
  EXPECT_EQ(config->token_key, "LABEL_STUDIO_API_TOKEN");
}

TEST(Config, BothTokenNamesDifferingIsAnErrorNamingBoth) {
  const MapEnv env{{"LABEL_STUDIO_URL", "https://h"},
                   {"LABEL_STUDIO_API_TOKEN", kPat},
                   {"LABEL_STUDIO_API_KEY", kLegacy}};
  const Error error = failed(env, "");
  EXPECT_EQ(error.status, Status::ConfigInvalid);
  EXPECT_EQ(error.detail.view(),
            "LABEL_STUDIO_API_TOKEN and LABEL_STUDIO_API_KEY (environment) differ; set only one "
            "of them");
  // The same inside the .env file.
  const MapEnv url_only{{"LABEL_STUDIO_URL", "https://h"}};
  const std::string dotenv =
      std::string("LABEL_STUDIO_API_TOKEN=") + kPat + "\nLABEL_STUDIO_API_KEY=" + kLegacy + "\n";
  const Error in_file = failed(url_only, dotenv);
  EXPECT_EQ(in_file.status, Status::ConfigInvalid);
  EXPECT_TRUE(contains(in_file, "(.env file) differ")) << in_file.detail.view();
}

TEST(Config, TokenIsTakenFromOneLayerAsAWhole) {
  // The environment sets the alias, the file the main name: the environment's token is used and
  // the two layers are not compared.
  const MapEnv env{{"LABEL_STUDIO_URL", "https://h"}, {"LABEL_STUDIO_API_KEY", kLegacy}};
  const auto config = loaded_ok(env, std::string("LABEL_STUDIO_API_TOKEN=") + kPat + "\n");
  EXPECT_EQ(config->token.expose(), kLegacy);
  EXPECT_EQ(config->token_key, "LABEL_STUDIO_API_KEY");
}

TEST(Config, TokenWithSpacesOrControlsIsRefused) {
  for (const std::string& bad : {std::string("abc def"), std::string("abc\r\nX-Evil: 1"),
                                 std::string("abc\tdef"), std::string("abc\xC3\xA9n")}) {
    const MapEnv env{{"LABEL_STUDIO_URL", "https://h"}, {"LABEL_STUDIO_API_TOKEN", bad}};
    const Error error = failed(env, "");
    EXPECT_EQ(error.status, Status::MalformedToken);
    EXPECT_TRUE(contains(error, "LABEL_STUDIO_API_TOKEN (environment): the token contains "))
        << error.detail.view();
    EXPECT_TRUE(contains(error, " at position 4 of ")) << error.detail.view();
    EXPECT_FALSE(contains(error, "abc")) << error.detail.view();
  }
}

// A Docker --env-file keeps the quotes: "c0ffee..." would have been sent as a legacy key.
TEST(Config, TokenWithQuotesKeptIsRefusedByItsShape) {
  const std::string quoted = std::string("\"") + kLegacy + "\"";
  const MapEnv env{{"LABEL_STUDIO_URL", "https://h"}, {"LABEL_STUDIO_API_TOKEN", quoted}};
  const Error error = failed(env, "");
  EXPECT_EQ(error.status, Status::MalformedToken);
  EXPECT_EQ(error.detail.view(),
            "LABEL_STUDIO_API_TOKEN (environment): the token contains a quote (\") at position 1 "
            "of 42; remove the quotes around it (a Docker --env-file keeps them)");
  // Quotes kept inside single quotes in the .env file, and a stray one at the end of a PAT.
  const MapEnv url_only{{"LABEL_STUDIO_URL", "https://h"}};
  const Error in_file = failed(url_only, std::string("LABEL_STUDIO_API_KEY='\"") + kPat + "\"'\n");
  EXPECT_EQ(in_file.status, Status::MalformedToken);
  EXPECT_TRUE(contains(in_file, "LABEL_STUDIO_API_KEY (.env file): the token contains a quote"))
      << in_file.detail.view();
  const Error stray = failed(url_only, std::string("LABEL_STUDIO_API_TOKEN=") + kPat + "'\n");
  EXPECT_EQ(stray.status, Status::MalformedToken);
  EXPECT_TRUE(contains(stray, "quote (') at position ")) << stray.detail.view();
  EXPECT_FALSE(contains(stray, "eyJ")) << stray.detail.view();
}

// A token pasted into the URL or the CA file setting: refused by its shape, never printed (the
// DNS error would print the host, the CA file error the path).
TEST(Config, TokenShapedUrlOrCaFileIsRefusedWithoutPrintingIt) {
  const std::string pat = kPat;
  const std::string legacy = kLegacy;
  for (const std::string& url : {pat, "https://" + pat, "https://" + pat + ".example.com",
                                 "https://h/" + pat, "https://h/" + legacy, "http://" + legacy}) {
    SCOPED_TRACE(url);
    const MapEnv env{{"LABEL_STUDIO_URL", url}, {"LABEL_STUDIO_API_TOKEN", kPat}};
    const Error error = failed(env, "");
    EXPECT_EQ(error.status, Status::ConfigInvalid);
    EXPECT_TRUE(contains(error,
                         "LABEL_STUDIO_URL (environment): holds what looks like an API "
                         "token (a JWT or 40 hex digits), not a URL"))
        << error.detail.view();
    EXPECT_FALSE(contains(error, "eyJ")) << error.detail.view();
    EXPECT_FALSE(contains(error, "c0ffee")) << error.detail.view();
  }
  for (const std::string& path : {pat, legacy, "/etc/lsedge/" + legacy + ".pem"}) {
    SCOPED_TRACE(path);
    const MapEnv env{{"LABEL_STUDIO_URL", "https://h"},
                     {"LABEL_STUDIO_API_TOKEN", kPat},
                     {"LABEL_STUDIO_CA_FILE", path}};
    const Error error = failed(env, "");
    EXPECT_EQ(error.status, Status::ConfigInvalid);
    EXPECT_TRUE(contains(error,
                         "LABEL_STUDIO_CA_FILE (environment): holds what looks like an "
                         "API token"))
        << error.detail.view();
    EXPECT_TRUE(contains(error, "not a file path")) << error.detail.view();
    EXPECT_FALSE(contains(error, "eyJ") || contains(error, "c0ffee")) << error.detail.view();
    ConfigOverrides overrides;
    overrides.ca_file = path;
    const MapEnv good{{"LABEL_STUDIO_URL", "https://h"}, {"LABEL_STUDIO_API_TOKEN", kPat}};
    EXPECT_TRUE(contains(failed(good, "", overrides), "--ca-file: holds what looks like"));
  }
  // Ordinary values are not mistaken for tokens.
  const MapEnv fine{{"LABEL_STUDIO_URL", "https://ls.example.com/eyJ-team/"},
                    {"LABEL_STUDIO_API_TOKEN", kPat},
                    {"LABEL_STUDIO_CA_FILE", "/etc/ssl/certs/5a3f0c2b.0"}};
  EXPECT_EQ(loaded_ok(fine, "")->ca_file.view(), "/etc/ssl/certs/5a3f0c2b.0");
}

TEST(Config, OversizedTokenIsRefused) {
  const std::string huge(LSEDGE_TOKEN_CAPACITY + 1, 'k');
  const MapEnv env{{"LABEL_STUDIO_URL", "https://h"}, {"LABEL_STUDIO_API_TOKEN", huge}};
  const Error error = failed(env, "");
  EXPECT_EQ(error.status, Status::ConfigInvalid);
  EXPECT_TRUE(contains(error, "LSEDGE_TOKEN_CAPACITY")) << error.detail.view();
  EXPECT_FALSE(contains(error, "kkkk"));
  // From the file, both plain and escaped (which goes through the scratch buffer).
  const MapEnv url_only{{"LABEL_STUDIO_URL", "https://h"}};
  EXPECT_EQ(failed(url_only, "LABEL_STUDIO_API_TOKEN=" + huge + "\n").status,
            Status::ConfigInvalid);
  const Error escaped = failed(url_only, "LABEL_STUDIO_API_TOKEN=\"" + huge + huge + "\\t\"\n");
  EXPECT_EQ(escaped.status, Status::ConfigInvalid);
  EXPECT_TRUE(contains(escaped, ".env line 1")) << escaped.detail.view();
  // Exactly the capacity fits.
  const std::string max(LSEDGE_TOKEN_CAPACITY, 'k');
  const MapEnv fits{{"LABEL_STUDIO_URL", "https://h"}, {"LABEL_STUDIO_API_KEY", max}};
  EXPECT_EQ(loaded_ok(fits, "")->token.size(), static_cast<size_t>(LSEDGE_TOKEN_CAPACITY));
}

TEST(Config, UrlErrorsNameKeyAndSource) {
  const MapEnv env{{"LABEL_STUDIO_URL", "ls.example.com"}, {"LABEL_STUDIO_API_TOKEN", kPat}};
  const Error from_env = failed(env, "");
  EXPECT_EQ(from_env.status, Status::ConfigInvalid);
  EXPECT_EQ(from_env.detail.view(),
            "LABEL_STUDIO_URL (environment): must start with https:// or http://");

  const MapEnv token_only{{"LABEL_STUDIO_API_TOKEN", kPat}};
  const Error from_file = failed(token_only, "LABEL_STUDIO_URL=https://h:99999\n");
  EXPECT_TRUE(contains(from_file, "LABEL_STUDIO_URL (.env file): ")) << from_file.detail.view();
  EXPECT_TRUE(contains(from_file, "port")) << from_file.detail.view();

  ConfigOverrides overrides;
  overrides.url = "https://h/a/../b";
  const Error from_cli = failed(env, "", overrides);
  EXPECT_EQ(from_cli.detail.view().substr(0, 7), "--url: ");
}

TEST(Config, OverlongUrlIsRefused) {
  const std::string url = "https://h/" + std::string(LSEDGE_URL_CAPACITY, 'p');
  const MapEnv env{{"LABEL_STUDIO_URL", url}, {"LABEL_STUDIO_API_TOKEN", kPat}};
  const Error error = failed(env, "");
  EXPECT_EQ(error.status, Status::ConfigInvalid);
  EXPECT_TRUE(contains(error, "LSEDGE_URL_CAPACITY")) << error.detail.view();
  const MapEnv token_only{{"LABEL_STUDIO_API_TOKEN", kPat}};
  EXPECT_TRUE(contains(failed(token_only, "LABEL_STUDIO_URL=" + url + "\n"),
                       "LABEL_STUDIO_URL (.env file): longer than LSEDGE_URL_CAPACITY"));
}

TEST(Config, CommandLineOverridesWin) {
  const MapEnv env{{"LABEL_STUDIO_URL", "https://env.example.com"},
                   {"LABEL_STUDIO_API_TOKEN", kPat},
                   {"LABEL_STUDIO_CA_FILE", "/env/ca.pem"}};
  ConfigOverrides overrides;
  overrides.url = "https://cli.example.com:9443";
  overrides.ca_file = "/cli/ca.pem";
  const auto config = loaded_ok(env, "LABEL_STUDIO_URL=https://file.example.com\n", overrides);
  EXPECT_EQ(config->url.host.view(), "cli.example.com");
  EXPECT_EQ(config->url.port, 9443);
  EXPECT_EQ(config->ca_file.view(), "/cli/ca.pem");
  // An empty override is no override.
  ConfigOverrides empty;
  empty.url = "";
  EXPECT_EQ(loaded_ok(env, "", empty)->url.host.view(), "env.example.com");
}

TEST(Config, CaFileIsChecked) {
  const MapEnv env{{"LABEL_STUDIO_URL", "https://h"},
                   {"LABEL_STUDIO_API_TOKEN", kPat},
                   {"LABEL_STUDIO_CA_FILE", "/etc/ca\x1b.pem"}};
  const Error error = failed(env, "");
  EXPECT_EQ(error.status, Status::ConfigInvalid);
  EXPECT_TRUE(contains(error, "LABEL_STUDIO_CA_FILE (environment)")) << error.detail.view();
  ConfigOverrides overrides;
  overrides.ca_file = std::string_view("/x\0y", 4);
  EXPECT_TRUE(contains(failed(env, "", overrides), "--ca-file: "));
  const MapEnv long_path{{"LABEL_STUDIO_URL", "https://h"},
                         {"LABEL_STUDIO_API_TOKEN", kPat},
                         {"LABEL_STUDIO_CA_FILE", std::string(LSEDGE_PATH_CAPACITY + 1, 'c')}};
  EXPECT_TRUE(contains(failed(long_path, ""), "LSEDGE_PATH_CAPACITY"));
}

TEST(Config, AllowInsecureHttpValues) {
  const std::vector<std::pair<std::string, bool>> good = {
      {"1", true},   {"true", true}, {"TRUE", true},   {"yes", true},
      {"Yes", true}, {"0", false},   {"false", false}, {"False", false},
      {"no", false}, {"NO", false},  {" 1\n", true}};
  for (const auto& [text, expected] : good) {
    SCOPED_TRACE(text);
    const MapEnv env{{"LABEL_STUDIO_URL", "https://h"},
                     {"LABEL_STUDIO_API_TOKEN", kPat},
                     {"LABEL_STUDIO_ALLOW_INSECURE_HTTP", text}};
    EXPECT_EQ(loaded_ok(env, "")->allow_insecure_http, expected);
  }
  for (const char* bad : {"2", "maybe", "on", "off", "tru", "yes please", "111111111111"}) {
    SCOPED_TRACE(bad);
    const MapEnv env{{"LABEL_STUDIO_URL", "https://h"},
                     {"LABEL_STUDIO_API_TOKEN", kPat},
                     {"LABEL_STUDIO_ALLOW_INSECURE_HTTP", bad}};
    const Error error = failed(env, "");
    EXPECT_EQ(error.status, Status::ConfigInvalid);
    EXPECT_EQ(error.detail.view(),
              "LABEL_STUDIO_ALLOW_INSECURE_HTTP (environment): must be 1, 0, true, false, yes or "
              "no");
  }
  // From the file as well.
  const MapEnv env{{"LABEL_STUDIO_URL", "http://10.0.0.5"}, {"LABEL_STUDIO_API_TOKEN", kPat}};
  EXPECT_TRUE(loaded_ok(env, "LABEL_STUDIO_ALLOW_INSECURE_HTTP=yes\n")->allow_insecure_http);
  EXPECT_TRUE(contains(failed(env, "LABEL_STUDIO_ALLOW_INSECURE_HTTP=\"very long value\"\n"),
                       "LABEL_STUDIO_ALLOW_INSECURE_HTTP (.env file)"));
}

TEST(Config, PlainHttpNeedsLoopbackOrExplicitPermission) {
  const MapEnv remote{{"LABEL_STUDIO_URL", "http://ls.example.com"},
                      {"LABEL_STUDIO_API_TOKEN", kPat}};
  const Error error = failed(remote, "");
  EXPECT_EQ(error.status, Status::InsecureHttpRefused);
  EXPECT_TRUE(contains(error, "LABEL_STUDIO_ALLOW_INSECURE_HTTP=1")) << error.detail.view();

  MapEnv allowed = remote;
  allowed.set("LABEL_STUDIO_ALLOW_INSECURE_HTTP", "1");
  EXPECT_TRUE(loaded_ok(allowed, "")->allow_insecure_http);

  for (const char* loop : {"http://localhost:8080", "http://127.0.0.1", "http://[::1]:8080"}) {
    SCOPED_TRACE(loop);
    const MapEnv env{{"LABEL_STUDIO_URL", loop}, {"LABEL_STUDIO_API_TOKEN", kPat}};
    EXPECT_TRUE(load(env, "").outcome.ok());
  }
  const MapEnv tls{{"LABEL_STUDIO_URL", "https://ls.example.com"},
                   {"LABEL_STUDIO_API_TOKEN", kPat}};
  EXPECT_TRUE(load(tls, "").outcome.ok());
}

TEST(Config, MalformedDotenvIsConfigInvalidWithTheLine) {
  const MapEnv env{{"LABEL_STUDIO_URL", "https://h"}, {"LABEL_STUDIO_API_TOKEN", kPat}};
  const Error error = failed(env, "A=1\nthis is not a setting\n");
  EXPECT_EQ(error.status, Status::ConfigInvalid);
  EXPECT_EQ(error.detail.view().substr(0, 11), ".env line 2");
}

TEST(Config, FailureResetsTheOutputAndWipesTheToken) {
  const MapEnv good{{"LABEL_STUDIO_URL", "https://h/ls"},
                    {"LABEL_STUDIO_API_TOKEN", kPat},
                    {"LABEL_STUDIO_CA_FILE", "/ca.pem"},
                    {"LABEL_STUDIO_ALLOW_INSECURE_HTTP", "1"}};
  Config config;
  ASSERT_TRUE(load_config(good, "", config).ok());
  ASSERT_FALSE(config.token.empty());
  MapEnv bad = good;
  bad.set("LABEL_STUDIO_ALLOW_INSECURE_HTTP", "perhaps");  // fails after the token was copied
  EXPECT_FALSE(load_config(bad, "", config).ok());
  EXPECT_TRUE(config.token.empty());
  EXPECT_EQ(config.token_key, "");
  EXPECT_EQ(config.url.host.view(), "");
  EXPECT_EQ(config.url.base_path.view(), "");
  EXPECT_EQ(config.ca_file.view(), "");
  EXPECT_FALSE(config.allow_insecure_http);
}

// Every failure path, with the token somewhere in the input: no detail may quote it.
TEST(Config, TokenNeverAppearsInAnError) {
  const std::string token = "SeCrEt-0123456789-token";
  struct Case {
    std::map<std::string, std::string> env;
    std::string dotenv;
  };
  const std::vector<Case> cases = {
      {{{"LABEL_STUDIO_API_TOKEN", token}}, ""},
      {{{"LABEL_STUDIO_URL", "https://" + token + "@h"}, {"LABEL_STUDIO_API_TOKEN", token}}, ""},
      {{{"LABEL_STUDIO_URL", "https://h"},
        {"LABEL_STUDIO_API_TOKEN", token},
        {"LABEL_STUDIO_API_KEY", token + "x"}},
       ""},
      {{{"LABEL_STUDIO_URL", "https://h"}},
       "LABEL_STUDIO_API_TOKEN=" + token + " trailing\n" + "LABEL_STUDIO_API_KEY=other\n"},
      {{{"LABEL_STUDIO_URL", "https://h"}}, token + "\n"},
      {{{"LABEL_STUDIO_URL", "https://h"}}, "LABEL_STUDIO_API_TOKEN='" + token + "' junk\n"},
      {{{"LABEL_STUDIO_URL", "https://h"}}, "LABEL_STUDIO_API_TOKEN=\"" + token + "\n"},
      {{{"LABEL_STUDIO_URL", "https://h"}}, "LABEL_STUDIO_API_TOKEN=" + token + "\x01\n"},
      {{{"LABEL_STUDIO_URL", "http://remote"}, {"LABEL_STUDIO_API_TOKEN", token}}, ""},
      {{{"LABEL_STUDIO_URL", "https://h"},
        {"LABEL_STUDIO_API_TOKEN", token},
        {"LABEL_STUDIO_ALLOW_INSECURE_HTTP", token}},
       ""},
      {{{"LABEL_STUDIO_URL", token}, {"LABEL_STUDIO_API_TOKEN", token}}, ""},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    MapEnv env;
    for (const auto& [k, v] : cases[i].env) {
      env.set(k, v);
    }
    const Error error = failed(env, cases[i].dotenv);
    EXPECT_FALSE(contains(error, "SeCrEt")) << error.detail.view();
    EXPECT_FALSE(contains(error, "0123456789")) << error.detail.view();
  }
}

TEST(Config, ImportTimeoutDefaultsToTheBoardValue) {
  const MapEnv env{{"LABEL_STUDIO_URL", "https://h"}, {"LABEL_STUDIO_API_TOKEN", kPat}};
  EXPECT_EQ(loaded_ok(env, "")->import_timeout_ms, uint32_t{LSEDGE_IMPORT_TIMEOUT_MS});
  // Slower than an ordinary request: the server stores the whole batch before it answers.
  EXPECT_GT(LSEDGE_IMPORT_TIMEOUT_MS, LSEDGE_REQUEST_TIMEOUT_MS);
}

TEST(Config, ImportTimeoutFromEachLayerInOrder) {
  const MapEnv none{{"LABEL_STUDIO_URL", "https://h"}, {"LABEL_STUDIO_API_TOKEN", kPat}};
  EXPECT_EQ(loaded_ok(none, "LSEDGE_IMPORT_TIMEOUT_S=900\n")->import_timeout_ms, 900000u);
  const MapEnv env{{"LABEL_STUDIO_URL", "https://h"},
                   {"LABEL_STUDIO_API_TOKEN", kPat},
                   {"LSEDGE_IMPORT_TIMEOUT_S", " 45 "}};
  EXPECT_EQ(loaded_ok(env, "LSEDGE_IMPORT_TIMEOUT_S=900\n")->import_timeout_ms, 45000u);
  ConfigOverrides overrides;
  overrides.import_timeout_s = "86400";
  EXPECT_EQ(loaded_ok(env, "", overrides)->import_timeout_ms, 86400000u);
  // An empty value counts as not set: the next layer (or the default) applies.
  const MapEnv empty{{"LABEL_STUDIO_URL", "https://h"},
                     {"LABEL_STUDIO_API_TOKEN", kPat},
                     {"LSEDGE_IMPORT_TIMEOUT_S", ""}};
  EXPECT_EQ(loaded_ok(empty, "LSEDGE_IMPORT_TIMEOUT_S=7\n")->import_timeout_ms, 7000u);
}

TEST(Config, ProjectIsAnIdOrATitleOrUnset) {
  const MapEnv none{{"LABEL_STUDIO_URL", "https://h"}, {"LABEL_STUDIO_API_TOKEN", kPat}};
  auto unset = loaded_ok(none, "");
  EXPECT_EQ(unset->project_id, 0);
  EXPECT_TRUE(unset->project_title.empty());
  auto id = loaded_ok(none, "LABEL_STUDIO_PROJECT=12\n");
  EXPECT_EQ(id->project_id, 12);
  EXPECT_TRUE(id->project_title.empty());
  EXPECT_EQ(loaded_ok(none, "LABEL_STUDIO_PROJECT=9007199254740991\n")->project_id,
            int64_t{9007199254740991});
  auto title = loaded_ok(none, "LABEL_STUDIO_PROJECT=\"Line 4 cameras\"\n");
  EXPECT_EQ(title->project_id, 0);
  EXPECT_EQ(title->project_title.view(), "Line 4 cameras");
  // Not only digits: a title, cleaned as format_project_title does (controls become spaces).
  const MapEnv env{{"LABEL_STUDIO_URL", "https://h"},
                   {"LABEL_STUDIO_API_TOKEN", kPat},
                   {"LABEL_STUDIO_PROJECT", "  12 b\x01x "}};
  auto cleaned = loaded_ok(env, "LABEL_STUDIO_PROJECT=7\n");
  EXPECT_EQ(cleaned->project_id, 0) << "the environment wins over the .env file";
  EXPECT_EQ(cleaned->project_title.view(), "12 b x");
  const std::string fifty(50, 'a');
  EXPECT_EQ(loaded_ok(none, "LABEL_STUDIO_PROJECT=" + fifty + "\n")->project_title.view(), fifty);
  // "é" is two bytes, one character: 50 of them fit.
  std::string accents;
  for (int i = 0; i < 50; ++i) {
    accents += "\xc3\xa9";
  }
  EXPECT_EQ(loaded_ok(none, "LABEL_STUDIO_PROJECT=" + accents + "\n")->project_title.view(),
            accents);
}

TEST(Config, BadProjectNamesTheKeyAndTheRule) {
  struct Case {
    std::string value;
    const char* problem;
  };
  const Case cases[] = {
      {"0", "a project id must be from 1 to 9007199254740991"},
      {"9007199254740992", "a project id must be from 1 to 9007199254740991"},
      {"99999999999999999999999", "a project id must be from 1 to 9007199254740991"},
      {"ab", "must be a project id, or a project title of 3 to 50 characters (valid UTF-8)"},
      {std::string(51, 'a'),
       "must be a project id, or a project title of 3 to 50 characters (valid UTF-8)"},
      {"caf\xc3", "must be a project id, or a project title of 3 to 50 characters (valid UTF-8)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value);
    const MapEnv env{{"LABEL_STUDIO_URL", "https://h"},
                     {"LABEL_STUDIO_API_TOKEN", kPat},
                     {"LABEL_STUDIO_PROJECT", c.value}};
    const Error error = failed(env, "");
    EXPECT_EQ(error.status, Status::ConfigInvalid);
    EXPECT_EQ(error.detail.view(), std::string("LABEL_STUDIO_PROJECT (environment): ") + c.problem);
  }
  // Longer than the .env capture: refused, never cut to another title.
  const MapEnv env{{"LABEL_STUDIO_URL", "https://h"}, {"LABEL_STUDIO_API_TOKEN", kPat}};
  EXPECT_TRUE(contains(failed(env, "LABEL_STUDIO_PROJECT=" + std::string(300, 'x') + "\n"),
                       "LABEL_STUDIO_PROJECT (.env file): must be a project id, or"));
}

TEST(Config, BadImportTimeoutNamesTheKeyAndTheRange) {
  for (const char* bad :
       {"0", "-5", "300s", "5m", "1.5", "86401", "99999999999999999999", "x", "3 0", "+30"}) {
    SCOPED_TRACE(bad);
    const MapEnv env{{"LABEL_STUDIO_URL", "https://h"},
                     {"LABEL_STUDIO_API_TOKEN", kPat},
                     {"LSEDGE_IMPORT_TIMEOUT_S", bad}};
    const Error error = failed(env, "");
    EXPECT_EQ(error.status, Status::ConfigInvalid);
    EXPECT_EQ(error.detail.view(),
              "LSEDGE_IMPORT_TIMEOUT_S (environment): must be a whole number of seconds from 1 "
              "to 86400");
  }
  const MapEnv env{{"LABEL_STUDIO_URL", "https://h"}, {"LABEL_STUDIO_API_TOKEN", kPat}};
  EXPECT_TRUE(contains(failed(env, "LSEDGE_IMPORT_TIMEOUT_S=soon\n"),
                       "LSEDGE_IMPORT_TIMEOUT_S (.env file): must be"));
  // A value longer than the .env capture is refused, not cut to a different number.
  EXPECT_TRUE(contains(failed(env, "LSEDGE_IMPORT_TIMEOUT_S=" + std::string(40, '1') + "\n"),
                       "LSEDGE_IMPORT_TIMEOUT_S (.env file): must be"));
  ConfigOverrides overrides;
  overrides.import_timeout_s = "never";
  EXPECT_TRUE(contains(failed(env, "", overrides), "--import-timeout-s: must be"));
}

TEST(Config, FailureResetsTheImportTimeout) {
  auto config = std::make_unique<Config>();
  const MapEnv good{{"LABEL_STUDIO_URL", "https://h"},
                    {"LABEL_STUDIO_API_TOKEN", kPat},
                    {"LSEDGE_IMPORT_TIMEOUT_S", "5"}};
  ASSERT_TRUE(load_config(good, "", *config).ok());
  EXPECT_EQ(config->import_timeout_ms, 5000u);
  const MapEnv bad{{"LABEL_STUDIO_URL", "https://h"},
                   {"LABEL_STUDIO_API_TOKEN", kPat},
                   {"LSEDGE_IMPORT_TIMEOUT_S", "5"},
                   {"LABEL_STUDIO_PIN_SHA256", "not-a-pin"}};
  EXPECT_FALSE(load_config(bad, "", *config).ok());
  EXPECT_EQ(config->import_timeout_ms, uint32_t{LSEDGE_IMPORT_TIMEOUT_MS});
}

// --- check_settings_file: a .env another user could have written is refused, as ssh does ---

struct SettingsFileTest : ::testing::Test {
  SettingsFileTest() {
    storage.put_directory("/home");
    storage.put_directory("/home/edge");
    storage.set_mode_and_owner("/home/edge", 0755, 1000);
    storage.put_file("/home/edge/.env", "LABEL_STUDIO_URL=https://h\n");
    storage.set_caller_uid(1000);
  }
  lsedge::testing::MemoryStorage storage;
};

TEST_F(SettingsFileTest, OwnFileNotWritableByOthersIsTrusted) {
  for (const uint32_t mode : {0600u, 0644u, 0400u, 0640u}) {
    storage.set_mode_and_owner("/home/edge/.env", mode, 1000);
    EXPECT_TRUE(check_settings_file(storage, "/home/edge/.env").ok()) << mode;
  }
  storage.set_mode_and_owner("/home/edge/.env", 0644, 0);  // root's: e.g. /etc/lsedge/env
  EXPECT_TRUE(check_settings_file(storage, "/home/edge/.env").ok());
  EXPECT_TRUE(check_settings_file(storage, "/home/edge/missing.env").ok());  // the read decides
  // A token given as the file: refused without a word of it (the read's error would print it).
  const Outcome token = check_settings_file(storage, kPat);
  ASSERT_EQ(token.status(), Status::ConfigInvalid);
  EXPECT_TRUE(contains(token.error(), "--env-file: holds what looks like an API token"));
  EXPECT_FALSE(contains(token.error(), "eyJ"));
}

TEST_F(SettingsFileTest, WritableByGroupOrOthersIsRefusedWithTheFix) {
  storage.set_mode_and_owner("/home/edge/.env", 0666, 1000);
  const Outcome both = check_settings_file(storage, "/home/edge/.env");
  ASSERT_EQ(both.status(), Status::UnsafeSettingsFile);
  EXPECT_EQ(both.error().detail.view(),
            "/home/edge/.env: writable by group and others (mode 0666); fix: chmod go-w "
            "/home/edge/.env");
  storage.set_mode_and_owner("/home/edge/.env", 0620, 1000);
  EXPECT_TRUE(contains(check_settings_file(storage, "/home/edge/.env").error(),
                       "writable by group (mode 0620)"));
  storage.set_mode_and_owner("/home/edge/.env", 0602, 0);
  EXPECT_TRUE(contains(check_settings_file(storage, "/home/edge/.env").error(),
                       "writable by others (mode 0602)"));
}

TEST_F(SettingsFileTest, OwnedByAnotherUserIsRefusedWithTheFix) {
  storage.set_mode_and_owner("/home/edge/.env", 0600, 65534);
  const Outcome other = check_settings_file(storage, "/home/edge/.env");
  ASSERT_EQ(other.status(), Status::UnsafeSettingsFile);
  EXPECT_EQ(other.error().detail.view(),
            "/home/edge/.env: owned by uid 65534, neither you (uid 1000) nor root; if you trust "
            "its content, fix: chown 1000 /home/edge/.env");
  // Root running lsedge does not trust a file of another user either.
  storage.set_caller_uid(0);
  EXPECT_EQ(check_settings_file(storage, "/home/edge/.env").status(), Status::UnsafeSettingsFile);
}

TEST_F(SettingsFileTest, ADirectoryOthersCanWriteWithoutTheStickyBitIsRefused) {
  storage.set_mode_and_owner("/home/edge", 0777, 1000);
  const Outcome open_dir = check_settings_file(storage, "/home/edge/.env");
  ASSERT_EQ(open_dir.status(), Status::UnsafeSettingsFile);
  EXPECT_TRUE(contains(open_dir.error(),
                       "its directory is writable by others without the "
                       "sticky bit (mode 0777)"))
      << open_dir.error().detail.view();
  EXPECT_TRUE(contains(open_dir.error(), "fix: chmod o-w /home/edge"))
      << open_dir.error().detail.view();
  storage.set_mode_and_owner("/home/edge", 01777, 0);  // like /tmp: others cannot swap our file
  EXPECT_TRUE(check_settings_file(storage, "/home/edge/.env").ok());
  storage.set_mode_and_owner("/home/edge", 0775, 1000);  // group-writable: the group is trusted
  EXPECT_TRUE(check_settings_file(storage, "/home/edge/.env").ok());
  // A bare name is judged by the current directory.
  storage.put_file("/.env", "");
  storage.set_mode_and_owner("/", 0777, 0);
  EXPECT_EQ(check_settings_file(storage, ".env").status(), Status::UnsafeSettingsFile);
  storage.set_mode_and_owner("/", 0755, 0);
  EXPECT_TRUE(check_settings_file(storage, ".env").ok());
}

}  // namespace
}  // namespace lsedge::app
