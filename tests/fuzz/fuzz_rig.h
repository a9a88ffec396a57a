// Shared by every fuzz target: the harness's own check and cutting the input into pieces.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace lsedge::fuzz {

// A harness's own invariant broke: abort, so libFuzzer keeps the input as a crash.
#define LSEDGE_FUZZ_CHECK(condition)                                                           \
  do {                                                                                         \
    if (!(condition)) {                                                                        \
      std::fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", #condition, __FILE__, __LINE__); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)

// `bytes` cut into pieces of 1..max_piece bytes, the sizes drawn from `sizes` (a piece of the
// input of its own, so mutating the content does not move the cuts).
inline std::vector<std::string> split_pieces(std::string_view bytes, FuzzedDataProvider& sizes,
                                             size_t max_piece) {
  std::vector<std::string> pieces;
  size_t at = 0;
  while (at < bytes.size()) {
    const size_t n = sizes.remaining_bytes() > 0
                         ? sizes.ConsumeIntegralInRange<size_t>(1, max_piece)
                         : bytes.size() - at;
    const size_t take = n < bytes.size() - at ? n : bytes.size() - at;
    pieces.emplace_back(bytes.substr(at, take));
    at += take;
  }
  return pieces;
}

// `bytes` cut into pieces of 1..max_piece bytes, the sizes drawn from a small generator seeded
// with `seed` (one integer of the input).
inline std::vector<std::string> split_seeded(std::string_view bytes, uint32_t seed,
                                             size_t max_piece) {
  std::vector<std::string> pieces;
  uint32_t state = seed | 1U;
  for (size_t at = 0; at < bytes.size();) {
    state = state * 1664525U + 1013904223U;
    const size_t n = 1 + (state >> 8) % max_piece;
    const size_t take = n < bytes.size() - at ? n : bytes.size() - at;
    pieces.emplace_back(bytes.substr(at, take));
    at += take;
  }
  return pieces;
}

// `text` with the case of its ASCII letters swapped. A function that echoes its input echoes
// this too, while lsedge's own wording (lower-case prose) that happens to equal the input does
// not: the secret checks use both so that the fuzzer cannot satisfy them with a message's words.
inline std::string swap_case(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    } else if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace lsedge::fuzz
