// CaLookup and the subject extractor against real certificates: the throwaway PKI of
// make_ca_certs.sh (LSEDGE_CA_TEST_CERTS) and the machine's Debian bundle. Mbed TLS's own full
// parse (mbedtls_x509_crt_parse) is the reference for every subject.
#include "firmware/net/ca_lookup.h"

#include <gtest/gtest.h>
#include <mbedtls/base64.h>
#include <mbedtls/platform.h>
#include <mbedtls/x509_crt.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "board_sizes.h"
#include "firmware/app/pem_file.h"
#include "firmware/net/tls_platform.h"
#include "tests/fakes/capture_log.h"
#include "tests/fakes/fake_entropy.h"
#include "tests/fakes/memory_storage.h"

namespace lsedge::net {
namespace {

using lsedge::testing::CaptureLog;
using lsedge::testing::MemoryStorage;

constexpr char kSystemBundle[] = "/etc/ssl/certs/ca-certificates.crt";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string cert_path(const std::string& name) {
  const char* dir = std::getenv("LSEDGE_CA_TEST_CERTS");
  return std::string(dir != nullptr ? dir : "") + "/" + name + ".crt";
}

std::string pem(const std::string& name) {
  const std::string text = read_text(cert_path(name));
  EXPECT_FALSE(text.empty()) << "no " << cert_path(name) << " (run the ca.certs fixture)";
  return text;
}

// Every "BEGIN ... END CERTIFICATE" block of a bundle, as text.
std::vector<std::string> split_blocks(const std::string& bundle) {
  static const std::regex block("-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----");
  std::vector<std::string> blocks;
  for (auto it = std::sregex_iterator(bundle.begin(), bundle.end(), block);
       it != std::sregex_iterator(); ++it) {
    blocks.push_back(it->str());
  }
  return blocks;
}

// A certificate parsed by Mbed TLS itself, freed on scope exit.
struct Parsed {
  mbedtls_x509_crt crt;
  int rc = 0;
  explicit Parsed(const std::string& text) {
    mbedtls_x509_crt_init(&crt);
    rc = mbedtls_x509_crt_parse(&crt, reinterpret_cast<const unsigned char*>(text.c_str()),
                                text.size() + 1);
  }
  ~Parsed() { mbedtls_x509_crt_free(&crt); }
  [[nodiscard]] std::string subject() const {
    return std::string(reinterpret_cast<const char*>(crt.subject_raw.p), crt.subject_raw.len);
  }
  [[nodiscard]] std::string issuer() const {
    return std::string(reinterpret_cast<const char*>(crt.issuer_raw.p), crt.issuer_raw.len);
  }
  [[nodiscard]] std::string der() const {
    return std::string(reinterpret_cast<const char*>(crt.raw.p), crt.raw.len);
  }
};

std::string text_of(ConstByteSpan bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// A candidate chain as Mbed TLS would free it.
struct Candidates {
  mbedtls_x509_crt* chain = nullptr;
  ~Candidates() {
    mbedtls_x509_crt_free(chain);
    mbedtls_free(chain);
  }
  [[nodiscard]] std::vector<std::string> ders() const {
    std::vector<std::string> out;
    for (const mbedtls_x509_crt* c = chain; c != nullptr && c->raw.p != nullptr; c = c->next) {
      out.emplace_back(reinterpret_cast<const char*>(c->raw.p), c->raw.len);
    }
    return out;
  }
};

// The PEM of `der` with 64-digit lines, as openssl writes it.
std::string to_pem(const std::string& der) {
  std::vector<unsigned char> b64(der.size() * 2 + 8);
  size_t length = 0;
  EXPECT_EQ(mbedtls_base64_encode(b64.data(), b64.size(), &length,
                                  reinterpret_cast<const unsigned char*>(der.data()), der.size()),
            0);
  std::string text = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < length; i += 64) {
    text.append(reinterpret_cast<const char*>(b64.data()) + i, std::min<size_t>(64, length - i));
    text += "\n";
  }
  return text + "-----END CERTIFICATE-----\n";
}

class CaLookupTest : public ::testing::Test {
 protected:
  // Mbed TLS 3.6 verifies signatures through PSA, which the transport's seeding initialises.
  void SetUp() override {
    tls_platform_init();
    ASSERT_TRUE(tls_random_seed(entropy_).ok());
  }
  void TearDown() override { tls_random_release(entropy_); }

  // A CaLookup over `bundle` as the file /ca.pem, read through a buffer of `buffer_size`.
  void use_file(const std::string& bundle, size_t buffer_size = LSEDGE_CA_PEM_BLOCK_LIMIT + 1) {
    storage_.put_file("/ca.pem", bundle);
    buffer_.assign(buffer_size, 0);
    file_ =
        std::make_unique<app::PemFileSource>(storage_, ByteSpan(buffer_.data(), buffer_.size()));
    ASSERT_TRUE(file_->open("/ca.pem").ok());
    lookup_.use(file_.get(), "/ca.pem");
  }

  // The DER of every candidate find() parses for `issuer`.
  std::vector<std::string> find(const std::string& issuer) {
    Candidates found;
    const Result<size_t> count = lookup_.find(as_bytes(issuer), &found.chain);
    EXPECT_TRUE(count.ok()) << count.error().detail.view();
    const std::vector<std::string> ders = found.ders();
    EXPECT_EQ(ders.size(), count.ok() ? *count : 0);
    EXPECT_EQ(found.chain == nullptr, ders.empty());
    return ders;
  }

  lsedge::testing::FakeEntropy entropy_;
  CaptureLog log_;
  MemoryStorage storage_;
  std::vector<uint8_t> buffer_;
  std::unique_ptr<app::PemFileSource> file_;
  CaLookup lookup_{Logger(&log_, "tls")};
  std::vector<uint8_t> scratch_ = std::vector<uint8_t>(kCaDerCapacity);
};

// --- the subject extractor ------------------------------------------------------------------

TEST_F(CaLookupTest, TheSubjectOfEveryTestCertificateIsWhatMbedTlsParses) {
  for (const char* name : {"root", "root_again", "ec_root", "long_root", "intermediate", "leaf"}) {
    const std::string text = pem(name);
    const Parsed parsed(text);
    ASSERT_EQ(parsed.rc, 0) << name;
    const ConstByteSpan subject =
        pem_certificate_subject(as_bytes(text), ByteSpan(scratch_.data(), scratch_.size()));
    EXPECT_EQ(text_of(subject), parsed.subject()) << name;
    EXPECT_EQ(
        text_of(pem_certificate_der(as_bytes(text), ByteSpan(scratch_.data(), scratch_.size()))),
        parsed.der())
        << name;
    EXPECT_EQ(text_of(der_certificate_subject(as_bytes(parsed.der()))), parsed.subject()) << name;
  }
}

TEST_F(CaLookupTest, TheSubjectOfEveryRootInTheSystemBundleIsWhatMbedTlsParses) {
  const std::vector<std::string> blocks = split_blocks(read_text(kSystemBundle));
  if (blocks.empty()) {
    GTEST_SKIP() << "no system CA bundle here";
  }
  size_t compared = 0;
  for (const std::string& block : blocks) {
    const Parsed parsed(block);
    if (parsed.rc != 0) {
      continue;  // a key type this build leaves out; the extractor still reads its subject
    }
    ++compared;
    EXPECT_EQ(text_of(pem_certificate_subject(as_bytes(block),
                                              ByteSpan(scratch_.data(), scratch_.size()))),
              parsed.subject());
  }
  EXPECT_GT(compared, blocks.size() / 2);
}

TEST_F(CaLookupTest, GarbledTruncatedAndForeignBlocksHaveNoSubject) {
  const ByteSpan scratch(scratch_.data(), scratch_.size());
  const std::string root = pem("root");
  const Parsed parsed(root);
  const std::string der = parsed.der();
  const std::vector<std::string> bad = {
      "",
      "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----",
      "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----",
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
      "-----BEGIN CERTIFICATE-----MIIB\n-----END CERTIFICATE-----",  // no line break
      root.substr(0, root.size() / 2),                               // no END line
      to_pem(der.substr(0, 100)),                                    // cut inside the issuer
      to_pem(std::string("\x30\x03\x02\x01\x01", 5)),                // not a TBSCertificate
      to_pem(std::string("\x31") + der.substr(1)),                   // SET, not SEQUENCE
      to_pem(std::string(der.size(), '\xff')),
  };
  for (const std::string& text : bad) {
    EXPECT_TRUE(pem_certificate_subject(as_bytes(text), scratch).empty()) << text;
  }
  // Larger than the scratch: no subject rather than an overflow.
  EXPECT_TRUE(pem_certificate_subject(as_bytes(root), scratch.first(100)).empty());
  EXPECT_TRUE(pem_certificate_der(as_bytes(root), scratch.first(der.size() - 1)).empty());
  // Garbage after the subject does not hide it (only the prefix is decoded), but the whole block
  // does not decode.
  std::string tail_garbled = root;
  tail_garbled.insert(tail_garbled.rfind("-----END"), "!!!!\n");
  EXPECT_EQ(text_of(pem_certificate_subject(as_bytes(tail_garbled), scratch)), parsed.subject());
  EXPECT_TRUE(pem_certificate_der(as_bytes(tail_garbled), scratch).empty());
}

TEST_F(CaLookupTest, LineBreaksAndLineLengthsDoNotMatter) {
  const std::string root = pem("long_root");
  const Parsed parsed(root);
  std::string digits;
  for (const std::string& line : {root}) {
    for (char c : line.substr(28, line.find("-----END") - 28)) {
      if (c != '\n') {
        digits += c;
      }
    }
  }
  for (size_t width : {1, 3, 63, 64, 76, 1000, 100000}) {
    for (const char* eol : {"\n", "\r\n"}) {
      std::string text = std::string("-----BEGIN CERTIFICATE-----") + eol;
      for (size_t i = 0; i < digits.size(); i += width) {
        text += digits.substr(i, width) + eol;
      }
      text += "-----END CERTIFICATE-----";
      EXPECT_EQ(text_of(pem_certificate_subject(as_bytes(text),
                                                ByteSpan(scratch_.data(), scratch_.size()))),
                parsed.subject())
          << "width " << width;
    }
  }
}

// --- lookups over a file ----------------------------------------------------------------------

TEST_F(CaLookupTest, EveryRootOfTheSystemBundleIsFoundBySubject) {
  const std::string bundle = read_text(kSystemBundle);
  const std::vector<std::string> blocks = split_blocks(bundle);
  if (blocks.empty()) {
    GTEST_SKIP() << "no system CA bundle here";
  }
  use_file(bundle);
  size_t looked_up = 0;
  for (const std::string& block : blocks) {
    const Parsed parsed(block);
    if (parsed.rc != 0) {
      continue;
    }
    const std::vector<std::string> found = find(parsed.subject());
    EXPECT_NE(std::find(found.begin(), found.end(), parsed.der()), found.end());
    ++looked_up;
  }
  EXPECT_EQ(lookup_.stats().lookups, looked_up);
  EXPECT_EQ(lookup_.stats().blocks, looked_up * blocks.size());
  EXPECT_EQ(lookup_.stats().unreadable, 0u);
  EXPECT_TRUE(log_.all_text().empty()) << log_.all_text();
}

TEST_F(CaLookupTest, TheIssuerOfAChainIsFoundAndOnlyItIsParsed) {
  const std::string bundle =
      read_text(kSystemBundle) + pem("ec_root") + pem("root") + pem("long_root");
  use_file(bundle);
  const Parsed leaf(pem("leaf"));
  const Parsed intermediate(pem("intermediate"));
  const Parsed root(pem("root"));
  // The leaf's issuer is the intermediate, which no bundle holds: nothing.
  EXPECT_TRUE(find(leaf.issuer()).empty());
  // The intermediate's issuer: the root, and nothing else parsed.
  EXPECT_EQ(find(intermediate.issuer()), std::vector<std::string>{root.der()});
  EXPECT_EQ(lookup_.stats().parsed, 1u);
  // The long subject (decoded past the first prefix) is found too.
  const Parsed long_root(pem("long_root"));
  EXPECT_EQ(find(long_root.subject()), std::vector<std::string>{long_root.der()});
}

TEST_F(CaLookupTest, EveryRootUnderTheSubjectIsACandidate) {
  use_file(pem("root") + pem("ec_root") + pem("root_again"));
  const Parsed root(pem("root"));
  const Parsed again(pem("root_again"));
  EXPECT_EQ(find(root.subject()), (std::vector<std::string>{root.der(), again.der()}));
}

TEST_F(CaLookupTest, UnreadableOversizedAndUnparsableBlocksAreSkipped) {
  const Parsed root(pem("root"));
  const Parsed ec_root(pem("ec_root"));
  const Parsed long_root(pem("long_root"));
  // The root's DER with a byte of its signature algorithm after the subject broken: the subject
  // matches, Mbed TLS refuses the rest.
  std::string broken = ec_root.der();
  const size_t spki = broken.find(ec_root.subject()) + ec_root.subject().size();
  broken[spki + 4] = '\x05';
  const std::string bundle =
      "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n" + to_pem(broken) +
      pem("long_root") + "junk\n" + pem("root") + pem("ec_root") +
      "-----BEGIN CERTIFICATE-----\nMIIB";
  // A buffer that holds the root and the EC root, not the long root.
  use_file(bundle, 1400);
  EXPECT_EQ(find(root.subject()), std::vector<std::string>{root.der()});
  EXPECT_EQ(file_->oversized(), 1u);
  EXPECT_EQ(lookup_.stats().unreadable, 1u);
  EXPECT_TRUE(find(long_root.subject()).empty());
  EXPECT_EQ(find(ec_root.subject()), std::vector<std::string>{ec_root.der()});
  EXPECT_EQ(lookup_.stats().unparsable, 1u);
  // The oversized block is reported once, naming the file and the limit.
  const std::string text = log_.all_text();
  EXPECT_NE(text.find("1 certificate(s) in /ca.pem are larger than LSEDGE_CA_PEM_BLOCK_LIMIT"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("LSEDGE_CA_PEM_BLOCK_LIMIT"), text.rfind("LSEDGE_CA_PEM_BLOCK_LIMIT"));
}

TEST_F(CaLookupTest, AnIssuerInNoBlockFindsNothing) {
  use_file(read_text(kSystemBundle) + pem("root"));
  const Parsed stranger(pem("stranger"));
  EXPECT_TRUE(find(stranger.issuer()).empty());
  EXPECT_TRUE(find("").empty());
  EXPECT_TRUE(find(std::string("\x30\x00", 2)).empty());
  EXPECT_EQ(lookup_.error().status, Status::Ok);
}

TEST_F(CaLookupTest, EachLookupReadsTheFileAgain) {
  use_file(pem("root"));
  const Parsed root(pem("root"));
  const Parsed ec_root(pem("ec_root"));
  EXPECT_EQ(find(root.subject()).size(), 1u);
  EXPECT_TRUE(find(ec_root.subject()).empty());
  // The bundle is replaced (update-ca-certificates): the next lookup sees the new one.
  storage_.put_file("/ca.pem", pem("ec_root"));
  EXPECT_EQ(find(ec_root.subject()), std::vector<std::string>{ec_root.der()});
  EXPECT_TRUE(find(root.subject()).empty());
}

TEST_F(CaLookupTest, ReadErrorsAreKeptAndFailTheCallback) {
  use_file(pem("ec_root") + pem("root"));
  const Parsed root(pem("root"));
  const Parsed intermediate(pem("intermediate"));
  // A read error in the middle of the file.
  storage_.fail(MemoryStorage::Op::ReadAt, 1, EIO);
  Candidates found;
  const Result<size_t> failed = lookup_.find(as_bytes(root.subject()), &found.chain);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(found.chain, nullptr);
  EXPECT_EQ(failed.status(), Status::ConfigInvalid);
  EXPECT_EQ(lookup_.error().status, Status::ConfigInvalid);
  EXPECT_EQ(lookup_.error().code, EIO);
  const std::string detail(lookup_.error().detail.view());
  EXPECT_NE(detail.find("LABEL_STUDIO_CA_FILE /ca.pem"), std::string::npos) << detail;
  EXPECT_NE(detail.find("read or write error"), std::string::npos) << detail;
  // The file gone: Mbed TLS's callback fails and the error says so.
  lookup_.clear_error();
  ASSERT_TRUE(storage_.remove("/ca.pem").ok());
  mbedtls_x509_crt* candidates = nullptr;
  EXPECT_NE(CaLookup::callback(&lookup_, &intermediate.crt, &candidates), 0);
  EXPECT_EQ(candidates, nullptr);
  EXPECT_NE(std::string(lookup_.error().detail.view()).find("no such file"), std::string::npos);
  // Back again: the lookup works without reconfiguring.
  storage_.put_file("/ca.pem", pem("root"));
  lookup_.clear_error();
  EXPECT_EQ(CaLookup::callback(&lookup_, &intermediate.crt, &candidates), 0);
  Candidates owned{candidates};
  EXPECT_EQ(owned.ders(), std::vector<std::string>{root.der()});
}

TEST_F(CaLookupTest, CheckSourceNeedsOneReadableSubject) {
  use_file("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" + pem("root"));
  EXPECT_TRUE(lookup_.check_source().ok());
  for (const std::string& bad :
       {std::string(), std::string("not a certificate\n"),
        std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}) {
    storage_.put_file("/ca.pem", bad);
    const Outcome checked = lookup_.check_source();
    EXPECT_EQ(checked.status(), Status::ConfigInvalid) << bad;
    EXPECT_NE(std::string(checked.error().detail.view()).find("CA file /ca.pem"), std::string::npos)
        << checked.error().detail.view();
  }
  ASSERT_TRUE(storage_.remove("/ca.pem").ok());
  EXPECT_EQ(lookup_.check_source().status(), Status::ConfigInvalid);
  CaLookup unused{Logger()};
  EXPECT_EQ(unused.check_source().status(), Status::InvalidArgument);
  mbedtls_x509_crt* candidates = nullptr;
  EXPECT_EQ(unused.find(ConstByteSpan(), &candidates).status(), Status::InvalidArgument);
}

TEST_F(CaLookupTest, CheckSourceStopsAtTheFirstReadableBlock) {
  use_file(pem("root") + read_text(kSystemBundle));
  const uint64_t reads = storage_.calls(MemoryStorage::Op::ReadAt);
  ASSERT_TRUE(lookup_.check_source().ok());
  EXPECT_LE(storage_.calls(MemoryStorage::Op::ReadAt) - reads, 2u);
}

// --- a bundle in memory -----------------------------------------------------------------------

TEST_F(CaLookupTest, ABundleInMemoryIsLookedUpTheSameWay) {
  const std::string bundle = "junk\n" + pem("ec_root") + pem("root") + pem("long_root") +
                             "-----BEGIN CERTIFICATE-----\ncut";
  PemBufferSource source(as_bytes(bundle));
  lookup_.use(&source, "memory");
  const Parsed root(pem("root"));
  const Parsed long_root(pem("long_root"));
  EXPECT_TRUE(lookup_.check_source().ok());
  EXPECT_EQ(find(root.subject()), std::vector<std::string>{root.der()});
  EXPECT_EQ(find(long_root.subject()), std::vector<std::string>{long_root.der()});
  EXPECT_EQ(lookup_.stats().blocks, 6u);  // three blocks, twice; the cut one is no block
  PemBufferSource empty;
  lookup_.use(&empty, "empty.pem");
  EXPECT_EQ(lookup_.check_source().status(), Status::ConfigInvalid);
}

#if defined(MBEDTLS_X509_TRUSTED_CERTIFICATE_CALLBACK)
// --- Mbed TLS's verification through the callback ---------------------------------------------

TEST_F(CaLookupTest, MbedTlsVerifiesAChainThroughTheCallback) {
  use_file(read_text(kSystemBundle) + pem("root"));
  mbedtls_x509_crt chain;
  mbedtls_x509_crt_init(&chain);
  const std::string sent = pem("leaf") + pem("intermediate");
  ASSERT_EQ(mbedtls_x509_crt_parse(&chain, reinterpret_cast<const unsigned char*>(sent.c_str()),
                                   sent.size() + 1),
            0);
  uint32_t flags = 0;
  EXPECT_EQ(mbedtls_x509_crt_verify_with_ca_cb(&chain, &CaLookup::callback, &lookup_,
                                               &mbedtls_x509_crt_profile_default, "localhost",
                                               &flags, nullptr, nullptr),
            0);
  EXPECT_EQ(flags, 0u);
  EXPECT_EQ(lookup_.stats().lookups, 2u);  // the leaf's issuer, then the intermediate's

  // Without the root: not trusted.
  storage_.put_file("/ca.pem", read_text(kSystemBundle) + pem("ec_root"));
  flags = 0;
  EXPECT_NE(mbedtls_x509_crt_verify_with_ca_cb(&chain, &CaLookup::callback, &lookup_,
                                               &mbedtls_x509_crt_profile_default, "localhost",
                                               &flags, nullptr, nullptr),
            0);
  EXPECT_NE(flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED, 0u);
  EXPECT_EQ(lookup_.error().status, Status::Ok);

  // The file unreadable: a fatal error, and the lookup's error says why.
  ASSERT_TRUE(storage_.remove("/ca.pem").ok());
  EXPECT_EQ(mbedtls_x509_crt_verify_with_ca_cb(&chain, &CaLookup::callback, &lookup_,
                                               &mbedtls_x509_crt_profile_default, "localhost",
                                               &flags, nullptr, nullptr),
            MBEDTLS_ERR_X509_FATAL_ERROR);
  EXPECT_EQ(lookup_.error().status, Status::ConfigInvalid);
  mbedtls_x509_crt_free(&chain);
}
#endif

}  // namespace
}  // namespace lsedge::net
