// block-scramble: keyed Fisher-Yates permutation of pixel blocks (see block_scramble.h).
#include "shroud/schemes/block_scramble.h"

#include <sodium.h>

#include <opencv2/core.hpp>

#include <cstring>
#include <numeric>

#include "schemes/internal.h"
#include "core/json_number.h"

namespace shroud::schemes {
namespace {

constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "shroudbs";

Status check_params(const cv::Mat& image, const BlockScrambleParams& p) {
  if (image.empty() || image.dims != 2) {
    return make_error(ErrorCode::kInvalidArgument, "block-scramble: empty or non 2-D image");
  }
  if (p.block_size < 1 || p.block_size > kMaxBlockSize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "block-scramble: block size must be 1.." + std::to_string(kMaxBlockSize));
  }
  if (p.frame_index < 0) return make_error(ErrorCode::kInvalidArgument, "block-scramble: negative frame index");
  if (p.region != cv::Rect()) {
    if (!detail::rect_inside(p.region, image.size(), false)) {
      return make_error(ErrorCode::kInvalidArgument, "block-scramble: region outside the image or empty");
    }
    if (p.remainder == Remainder::kPad) {
      return make_error(ErrorCode::kInvalidArgument, "block-scramble: padding applies to the whole frame only");
    }
  }
  return ok_status();
}

// Copies block `from` of `src` to block `to` of `dst`; both grids start at `origin`.
void copy_block(const cv::Mat& src, cv::Mat& dst, cv::Point origin, int bs, int blocks_x, std::uint32_t from,
                std::uint32_t to) {
  const int sx = origin.x + static_cast<int>(from % blocks_x) * bs;
  const int sy = origin.y + static_cast<int>(from / blocks_x) * bs;
  const int dx = origin.x + static_cast<int>(to % blocks_x) * bs;
  const int dy = origin.y + static_cast<int>(to / blocks_x) * bs;
  const std::size_t es = src.elemSize();
  const std::size_t row_bytes = static_cast<std::size_t>(bs) * es;
  for (int r = 0; r < bs; ++r) {
    std::memcpy(dst.ptr(dy + r) + static_cast<std::size_t>(dx) * es, src.ptr(sy + r) + static_cast<std::size_t>(sx) * es,
                row_bytes);
  }
}

}  // namespace

ScrambleKey::~ScrambleKey() { sodium_memzero(bytes.data(), bytes.size()); }

Result<ScrambleKey> generate_scramble_key() {
  ScrambleKey key;
  SHROUD_RETURN_IF_ERROR(detail::random_bytes(key.bytes.data(), key.bytes.size()));
  return key;
}

std::string scramble_key_to_hex(const ScrambleKey& key) { return detail::to_hex(key.bytes.data(), key.bytes.size()); }

Result<ScrambleKey> scramble_key_from_hex(const std::string& hex) {
  auto bytes = detail::from_hex(hex, 32);
  if (!bytes.ok()) return make_error(ErrorCode::kInvalidArgument, "scramble key: " + bytes.error().message);
  ScrambleKey key;
  std::memcpy(key.bytes.data(), bytes->data(), 32);
  sodium_memzero(bytes->data(), bytes->size());
  return key;
}

const char* remainder_name(Remainder remainder) { return remainder == Remainder::kPad ? "pad" : "keep"; }

Result<Remainder> parse_remainder(const std::string& name) {
  if (name == "keep") return Remainder::kKeep;
  if (name == "pad") return Remainder::kPad;
  return make_error(ErrorCode::kInvalidArgument, "remainder must be 'keep' or 'pad', not '" + name + "'");
}

cv::Size BlockScrambleRecord::output_size() const {
  if (remainder == Remainder::kPad) return {blocks_x * block_size, blocks_y * block_size};
  return {width, height};
}

nlohmann::json BlockScrambleRecord::to_json() const {
  return {{"width", width},
          {"height", height},
          {"block_size", block_size},
          {"area", {area.x, area.y, area.width, area.height}},
          {"remainder", remainder_name(remainder)},
          {"frame", frame_index},
          {"blocks", {blocks_x, blocks_y}}};
}

Result<BlockScrambleRecord> BlockScrambleRecord::from_json(const nlohmann::json& j) {
  BlockScrambleRecord r;
  try {
    if (!j.is_object()) throw std::runtime_error("not an object");
    r.width = shroud::detail::json_int(j.at("width"));
    r.height = shroud::detail::json_int(j.at("height"));
    r.block_size = shroud::detail::json_int(j.at("block_size"));
    const auto& a = j.at("area");
    if (!a.is_array() || a.size() != 4) throw std::runtime_error("area must be [x, y, w, h]");
    r.area = cv::Rect(shroud::detail::json_int(a[0]), shroud::detail::json_int(a[1]), shroud::detail::json_int(a[2]), shroud::detail::json_int(a[3]));
    auto rem = parse_remainder(j.at("remainder").get<std::string>());
    if (!rem.ok()) throw std::runtime_error(rem.error().message);
    r.remainder = *rem;
    if (!j.at("frame").is_number_integer()) throw std::runtime_error("frame must be an integer");
    r.frame_index = shroud::detail::json_int64(j.at("frame"));
    const auto& b = j.at("blocks");
    if (!b.is_array() || b.size() != 2) throw std::runtime_error("blocks must be [x, y]");
    r.blocks_x = shroud::detail::json_int(b[0]);
    r.blocks_y = shroud::detail::json_int(b[1]);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kCorrupt, std::string("block-scramble record: ") + e.what());
  }
  auto bad = [](const std::string& why) { return make_error(ErrorCode::kCorrupt, "block-scramble record: " + why); };
  if (r.width < 1 || r.height < 1) return bad("bad image size");
  if (r.block_size < 1 || r.block_size > kMaxBlockSize) return bad("bad block size");
  if (r.frame_index < 0) return bad("negative frame index");
  if (!detail::rect_inside(r.area, {r.width, r.height}, false)) return bad("area outside the image");
  const std::int64_t bs = r.block_size;
  std::int64_t bx = r.area.width / bs, by = r.area.height / bs;
  if (r.remainder == Remainder::kPad) {
    if (r.area != cv::Rect(0, 0, r.width, r.height)) return bad("padding needs the whole frame");
    bx = (r.width + bs - 1) / bs;
    by = (r.height + bs - 1) / bs;
    if (bx * bs > (1 << 30) || by * bs > (1 << 30)) return bad("padded size too large");
  }
  if (r.blocks_x != bx || r.blocks_y != by) return bad("block grid does not match the area");
  if (bx * by > 0xFFFFFFFFLL) return bad("too many blocks");
  return r;
}

Result<std::vector<std::uint32_t>> block_permutation(const ScrambleKey& key, std::int64_t frame_index,
                                                     std::uint32_t count) {
  if (count == 0) return make_error(ErrorCode::kInvalidArgument, "block permutation of zero blocks");
  if (frame_index < 0) return make_error(ErrorCode::kInvalidArgument, "negative frame index");
  SHROUD_RETURN_IF_ERROR(detail::ensure_sodium());
  std::array<std::uint8_t, 32> subkey{};
  if (crypto_kdf_derive_from_key(subkey.data(), subkey.size(), static_cast<std::uint64_t>(frame_index), kKdfContext,
                                 key.bytes.data()) != 0) {
    return make_error(ErrorCode::kInternal, "crypto_kdf_derive_from_key failed");
  }
  std::array<std::uint8_t, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(count) >> (8 * i));
  detail::KeyStream stream(subkey, nonce);
  sodium_memzero(subkey.data(), subkey.size());
  std::vector<std::uint32_t> tau(count);
  std::iota(tau.begin(), tau.end(), 0u);
  for (std::uint32_t i = count - 1; i > 0; --i) {
    const std::uint32_t j = stream.uniform_u32(i + 1);
    std::swap(tau[i], tau[j]);
  }
  return tau;
}

namespace {

Result<BlockScrambleRecord> make_record(const cv::Mat& image, const BlockScrambleParams& p) {
  SHROUD_RETURN_IF_ERROR(check_params(image, p));
  BlockScrambleRecord r;
  r.width = image.cols;
  r.height = image.rows;
  r.block_size = p.block_size;
  r.remainder = p.remainder;
  r.frame_index = p.frame_index;
  const bool whole = p.region == cv::Rect();
  r.area = whole ? cv::Rect(0, 0, image.cols, image.rows) : p.region;
  const std::int64_t bs = p.block_size;
  std::int64_t bx = r.area.width / bs, by = r.area.height / bs;
  if (p.remainder == Remainder::kPad) {
    bx = (r.area.width + bs - 1) / bs;
    by = (r.area.height + bs - 1) / bs;
  }
  if (bx * by > 0xFFFFFFFFLL || bx * bs > (1 << 30) || by * bs > (1 << 30)) {
    return make_error(ErrorCode::kResourceLimit, "block-scramble: too many blocks");
  }
  r.blocks_x = static_cast<int>(bx);
  r.blocks_y = static_cast<int>(by);
  return r;
}

}  // namespace

Result<ScrambledImage> block_scramble(const cv::Mat& image, const ScrambleKey& key, const BlockScrambleParams& params) {
  SHROUD_ASSIGN_OR_RETURN(BlockScrambleRecord record, make_record(image, params));
  try {
    cv::Mat src;
    if (record.remainder == Remainder::kPad) {
      const cv::Size out = record.output_size();
      cv::copyMakeBorder(image, src, 0, out.height - image.rows, 0, out.width - image.cols, cv::BORDER_REPLICATE);
    } else {
      src = image;
    }
    cv::Mat dst = src.clone();
    const std::uint64_t count = static_cast<std::uint64_t>(record.blocks_x) * record.blocks_y;
    if (count > 0) {
      SHROUD_ASSIGN_OR_RETURN(auto tau, block_permutation(key, record.frame_index, static_cast<std::uint32_t>(count)));
      const cv::Point origin = record.remainder == Remainder::kPad ? cv::Point(0, 0) : record.area.tl();
      for (std::uint32_t i = 0; i < count; ++i) {
        copy_block(src, dst, origin, record.block_size, record.blocks_x, tau[i], i);
      }
    }
    return ScrambledImage{dst, record};
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kInternal, std::string("block-scramble: ") + e.what());
  }
}

Result<cv::Mat> block_unscramble(const cv::Mat& scrambled, const ScrambleKey& key, const BlockScrambleRecord& record) {
  // Re-validate the record (it may come from a file).
  SHROUD_ASSIGN_OR_RETURN(const BlockScrambleRecord r, BlockScrambleRecord::from_json(record.to_json()));
  if (scrambled.empty() || scrambled.dims != 2 || scrambled.size() != r.output_size()) {
    return make_error(ErrorCode::kInvalidArgument, "block-unscramble: image size does not match the record");
  }
  try {
    cv::Mat dst = scrambled.clone();
    const std::uint64_t count = static_cast<std::uint64_t>(r.blocks_x) * r.blocks_y;
    if (count > 0) {
      SHROUD_ASSIGN_OR_RETURN(auto tau, block_permutation(key, r.frame_index, static_cast<std::uint32_t>(count)));
      const cv::Point origin = r.remainder == Remainder::kPad ? cv::Point(0, 0) : r.area.tl();
      for (std::uint32_t i = 0; i < count; ++i) copy_block(scrambled, dst, origin, r.block_size, r.blocks_x, i, tau[i]);
    }
    if (r.remainder == Remainder::kPad) return cv::Mat(dst(cv::Rect(0, 0, r.width, r.height))).clone();
    return dst;
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kInternal, std::string("block-unscramble: ") + e.what());
  }
}

}  // namespace shroud::schemes
