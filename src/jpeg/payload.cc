// Sealed coefficient payloads (payload.h).
#include "jpeg/payload.h"

#include <zlib.h>

#include <cstring>

namespace shroud::jpeg {
namespace {

constexpr std::size_t kMaxRaw = 256u << 20;

void put32(std::vector<std::uint8_t>& o, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) o.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

class In {
 public:
  explicit In(std::span<const std::uint8_t> b) : b_(b) {}
  bool need(std::size_t n) const { return pos_ + n <= b_.size(); }
  std::uint8_t u8() { return b_[pos_++]; }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | b_[pos_++];
    return v;
  }
  const std::uint8_t* take(std::size_t n) {
    const std::uint8_t* p = b_.data() + pos_;
    pos_ += n;
    return p;
  }
  bool done() const { return pos_ == b_.size(); }

 private:
  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
};

Error bad(const std::string& what) { return make_error(ErrorCode::kCorrupt, "JPEG coefficient payload: " + what); }

}  // namespace

std::vector<std::uint8_t> encode_payload(const Coefficients& c, const cv::Rect& box, const FileRecord* record) {
  std::vector<std::uint8_t> raw = {'S', 'J', 'C', 'B', 1, static_cast<std::uint8_t>(c.components.size())};
  std::vector<cv::Rect> ranges;
  for (std::size_t ci = 0; ci < c.components.size(); ++ci) {
    const cv::Rect r = block_range(c, ci, box);
    ranges.push_back(r);
    put32(raw, static_cast<std::uint32_t>(r.x));
    put32(raw, static_cast<std::uint32_t>(r.y));
    put32(raw, static_cast<std::uint32_t>(r.width));
    put32(raw, static_cast<std::uint32_t>(r.height));
  }
  for (std::size_t ci = 0; ci < c.components.size(); ++ci) {
    const cv::Rect& r = ranges[ci];
    for (int by = r.y; by < r.y + r.height; ++by) {
      for (int bx = r.x; bx < r.x + r.width; ++bx) {
        const std::int16_t* b = c.components[ci].block(bx, by);
        for (int k = 0; k < 64; ++k) {
          const auto v = static_cast<std::uint16_t>(b[k]);
          raw.push_back(static_cast<std::uint8_t>(v));
          raw.push_back(static_cast<std::uint8_t>(v >> 8));
        }
      }
    }
  }
  raw.push_back(record != nullptr ? 1 : 0);
  if (record != nullptr) {
    raw.push_back(record->mode);
    raw.push_back(record->byte_identical ? 1 : 0);
    raw.push_back(static_cast<std::uint8_t>(record->markers.size() >> 8));
    raw.push_back(static_cast<std::uint8_t>(record->markers.size()));
    for (const Marker& m : record->markers) {
      raw.push_back(m.code);
      put32(raw, static_cast<std::uint32_t>(m.data.size()));
      raw.insert(raw.end(), m.data.begin(), m.data.end());
    }
    for (const auto* set : {&record->dc_huff, &record->ac_huff}) {
      for (const auto& h : *set) {
        raw.push_back(h.present ? 1 : 0);
        if (!h.present) continue;
        raw.insert(raw.end(), h.bits.begin(), h.bits.end());
        raw.insert(raw.end(), h.huffval.begin(), h.huffval.end());
      }
    }
    for (const auto* part : {&record->head, &record->tail}) {
      put32(raw, static_cast<std::uint32_t>(part->size()));
      raw.insert(raw.end(), part->begin(), part->end());
    }
  }
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<std::uint8_t> out(size + 4);
  // Raw length first (u32 BE) so the reader can bound its buffer before inflating.
  out[0] = static_cast<std::uint8_t>(raw.size() >> 24);
  out[1] = static_cast<std::uint8_t>(raw.size() >> 16);
  out[2] = static_cast<std::uint8_t>(raw.size() >> 8);
  out[3] = static_cast<std::uint8_t>(raw.size());
  compress2(out.data() + 4, &size, raw.data(), static_cast<uLong>(raw.size()), Z_DEFAULT_COMPRESSION);
  out.resize(size + 4);
  std::fill(raw.begin(), raw.end(), 0);
  return out;
}

Status apply_payload(std::span<const std::uint8_t> payload, Coefficients& c, const cv::Rect& box,
                     std::optional<FileRecord>* record) {
  if (payload.size() < 5) return bad("truncated");
  const std::size_t raw_size = (std::size_t{payload[0]} << 24) | (std::size_t{payload[1]} << 16) |
                               (std::size_t{payload[2]} << 8) | payload[3];
  if (raw_size > kMaxRaw) return bad("over the size limit");
  std::vector<std::uint8_t> raw(raw_size);
  uLongf got = static_cast<uLongf>(raw_size);
  if (uncompress(raw.data(), &got, payload.data() + 4, static_cast<uLong>(payload.size() - 4)) != Z_OK || got != raw_size) {
    return bad("zlib data is damaged");
  }
  In in(raw);
  if (!in.need(6) || std::memcmp(in.take(4), "SJCB", 4) != 0 || in.u8() != 1) return bad("bad magic or version");
  if (in.u8() != c.components.size()) return bad("component count differs from the image");
  std::vector<cv::Rect> ranges;
  for (std::size_t ci = 0; ci < c.components.size(); ++ci) {
    if (!in.need(16)) return bad("truncated");
    cv::Rect r;
    r.x = static_cast<int>(in.u32());
    r.y = static_cast<int>(in.u32());
    r.width = static_cast<int>(in.u32());
    r.height = static_cast<int>(in.u32());
    if (r != block_range(c, ci, box)) return bad("block range does not match the region and the image");
    ranges.push_back(r);
  }
  for (std::size_t ci = 0; ci < c.components.size(); ++ci) {
    const cv::Rect& r = ranges[ci];
    const std::size_t n = static_cast<std::size_t>(r.width) * r.height * 128;
    if (!in.need(n)) return bad("truncated coefficients");
    const std::uint8_t* p = in.take(n);
    for (int by = r.y; by < r.y + r.height; ++by) {
      for (int bx = r.x; bx < r.x + r.width; ++bx) {
        std::int16_t* b = c.components[ci].block(bx, by);
        for (int k = 0; k < 64; ++k, p += 2) b[k] = static_cast<std::int16_t>(p[0] | (p[1] << 8));
      }
    }
  }
  if (!in.need(1)) return bad("truncated");
  const std::uint8_t has_record = in.u8();
  if (has_record > 1) return bad("bad file record flag");
  if (has_record == 1) {
    FileRecord fr;
    if (!in.need(4)) return bad("truncated file record");
    fr.mode = in.u8();
    const std::uint8_t bi = in.u8();
    if (fr.mode > 3 || bi > 1) return bad("bad file record mode");
    fr.byte_identical = bi == 1;
    const std::size_t count = (std::size_t{in.u8()} << 8) | in.u8();
    for (std::size_t i = 0; i < count; ++i) {
      if (!in.need(5)) return bad("truncated marker");
      Marker m;
      m.code = in.u8();
      const std::uint32_t len = in.u32();
      if ((m.code != JPEG_COM && (m.code < JPEG_APP0 || m.code > JPEG_APP0 + 15)) || len > 65533 || !in.need(len)) {
        return bad("bad marker");
      }
      const std::uint8_t* p = in.take(len);
      m.data.assign(p, p + len);
      fr.markers.push_back(std::move(m));
    }
    for (auto* set : {&fr.dc_huff, &fr.ac_huff}) {
      for (auto& h : *set) {
        if (!in.need(1)) return bad("truncated tables");
        const std::uint8_t present = in.u8();
        if (present > 1) return bad("bad table flag");
        h.present = present == 1;
        if (!h.present) continue;
        if (!in.need(17 + 256)) return bad("truncated tables");
        std::memcpy(h.bits.data(), in.take(17), 17);
        std::memcpy(h.huffval.data(), in.take(256), 256);
      }
    }
    for (auto* part : {&fr.head, &fr.tail}) {
      if (!in.need(4)) return bad("truncated file record");
      const std::uint32_t len = in.u32();
      if (len > (4u << 20) || !in.need(len)) return bad("bad head/tail length");
      const std::uint8_t* p = in.take(len);
      part->assign(p, p + len);
    }
    if (fr.mode == 3 && fr.head.empty()) return bad("spliced record without a head");
    if (record != nullptr) *record = std::move(fr);
  }
  if (!in.done()) return bad("trailing bytes");
  std::fill(raw.begin(), raw.end(), 0);
  return ok_status();
}

}  // namespace shroud::jpeg
