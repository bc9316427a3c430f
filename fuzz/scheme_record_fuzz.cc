// libFuzzer target: the scheme record parser (shroud-scheme-v1), then recovery against a carrier
// of the recorded size with a fixed key of the recorded scheme (the tag rejects almost every
// mutation; sisa-paper records are unauthenticated and reach the decryption).
#include <opencv2/core.hpp>

#include <cstring>
#include <span>

#include "shroud/schemes/scheme_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  shroud::schemes::SchemeRecordLimits limits;
  limits.max_pixels = 1 << 16;
  limits.max_body = 16u << 20;
  auto rec = shroud::schemes::parse_scheme_record(bytes, limits);
  if (!rec.ok()) return 0;
  if (std::int64_t{rec->carrier.width} * rec->carrier.height > (1 << 17)) return 0;
  shroud::schemes::SchemeKey key;
  key.method = rec->method;
  key.record_key.fill(0x42);
  key.scramble.bytes.fill(0x11);
  key.block_size = rec->scrambles.empty() ? 8 : rec->scrambles[0].block_size;
  key.msai = shroud::schemes::MsaiKey(rec->method == shroud::schemes::SchemeMethod::kMsaiL
                                          ? shroud::schemes::MsaiScheme::kLossless
                                          : shroud::schemes::MsaiScheme::kPaper,
                                      7);
  key.aes.bytes.fill(0x24);
  const cv::Mat carrier(rec->carrier, rec->type, cv::Scalar::all(3));
  (void)shroud::schemes::scheme_recover(carrier, bytes, key);
  return 0;
}
