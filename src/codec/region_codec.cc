// Lossless region coding: MED / inter prediction, zigzag residual planes, zstd.
#include "codec/region_codec.h"

#include <zstd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>

namespace shroud::codec {
namespace {

Error corrupt(const std::string& what) { return make_error(ErrorCode::kCorrupt, "compressed regions: " + what); }

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

ZSTD_CCtx* cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> c(ZSTD_createCCtx());
  return c.get();
}
ZSTD_DCtx* dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> c(ZSTD_createDCtx());
  return c.get();
}

inline int med(int a, int b, int c) {
  const int mx = std::max(a, b), mn = std::min(a, b);
  if (c >= mx) return mn;
  if (c <= mn) return mx;
  return a + b - c;
}

template <typename T>
constexpr int kBits = 8 * static_cast<int>(sizeof(T));

// Signed residual modulo 2^bits, in [-2^(bits-1), 2^(bits-1)).
template <typename T>
inline int wrap(int d) {
  constexpr int B = kBits<T>;
  constexpr int mask = (1 << B) - 1, half = 1 << (B - 1);
  d &= mask;
  return d >= half ? d - (1 << B) : d;
}
inline unsigned zigzag(int s) { return s >= 0 ? static_cast<unsigned>(2 * s) : static_cast<unsigned>(-2 * s - 1); }
inline int unzigzag(unsigned zz) { return (zz & 1u) ? -static_cast<int>(zz >> 1) - 1 : static_cast<int>(zz >> 1); }

constexpr int kOrder[4] = {1, 0, 2, 3};

// The coded value of channel ch at pixel p (channels interleaved): the sample, or with `diff`
// (planes mode, channels 0 and 2 of 3- or 4-channel data) the sample minus channel 1's, wrapped
// to a signed value modulo 2^bits.
template <typename T>
inline int value(const T* p, int ch, bool diff) {
  return diff ? wrap<T>(static_cast<int>(p[ch]) - static_cast<int>(p[1])) : static_cast<int>(p[ch]);
}

// Intra predictor of value (x, y, ch) from already coded samples of the region.
template <typename T>
inline int intra(const T* d, int w, int C, int x, int y, int ch, bool diff = false) {
  const std::size_t row = static_cast<std::size_t>(w) * C;
  const T* p = d + static_cast<std::size_t>(y) * row + static_cast<std::size_t>(x) * C;
  const auto up = static_cast<std::ptrdiff_t>(row);
  if (y == 0) return x == 0 ? 0 : value(p - C, ch, diff);
  if (x == 0) return value(p - up, ch, diff);
  return med(value(p - C, ch, diff), value(p - up, ch, diff), value(p - up - C, ch, diff));
}

struct Inter {
  const cv::Mat* pixels = nullptr;  // null: intra
  const cv::Mat* valid = nullptr;
  int ox = 0, oy = 0;  // frame position of the region's (0, 0) in the reference (rect origin + offset)
};

// Codes one region. kEncode: data -> planes; else planes -> data. Planes: per channel, per byte
// plane (high first), w * h bytes. Colour (3 or 4 channels): channel 1 (green) first; then
//   kRelativeResiduals (v2): the residuals of channels 0 and 2 are coded minus channel 1's;
//   kGreenPlanes (v3): channels 0 and 2 are coded as the planes (B - G) and (R - G) (signed,
//     modulo 2^bits), each predicted from its own neighbours (or the reference's B - G, R - G),
//     so the luma detail common to all three channels cancels before prediction.
template <typename T, bool kEncode>
void code_region(T* data, int w, int h, int C, const Inter& inter, ColourMode colour, std::uint8_t* planes) {
  constexpr int P = static_cast<int>(sizeof(T));
  const std::size_t n = static_cast<std::size_t>(w) * h;
  const bool green_planes = C >= 3 && colour == ColourMode::kGreenPlanes;
  const bool relative = C >= 3 && colour == ColourMode::kRelativeResiduals;
  for (int y = 0; y < h; ++y) {
    const T* ref_row = nullptr;
    const std::uint8_t* valid_row = nullptr;
    if (inter.pixels != nullptr) {
      const int ry = inter.oy + y;
      if (ry >= 0 && ry < inter.pixels->rows) {
        ref_row = inter.pixels->ptr<T>(ry);
        valid_row = inter.valid->ptr<std::uint8_t>(ry);
      }
    }
    for (int x = 0; x < w; ++x) {
      const std::size_t at = static_cast<std::size_t>(y) * w + x;
      const int rx = inter.ox + x;
      const bool use_ref = ref_row != nullptr && rx >= 0 && rx < inter.pixels->cols && valid_row[rx] != 0;
      int s1 = 0;
      for (int k = 0; k < C; ++k) {
        const int c = C >= 3 ? kOrder[k] : k;
        const bool diff = green_planes && (c == 0 || c == 2);
        const bool rel = relative && (c == 0 || c == 2);
        const int pred = use_ref ? value(ref_row + static_cast<std::size_t>(rx) * C, c, diff) : intra(data, w, C, x, y, c, diff);
        T* px = data + at * C;
        std::uint8_t* plane = planes + static_cast<std::size_t>(c) * P * n + at;
        if constexpr (kEncode) {
          const int sc = wrap<T>(value(px, c, diff) - pred);
          if (c == 1) s1 = sc;
          const unsigned zz = zigzag(rel ? wrap<T>(sc - s1) : sc);
          if constexpr (P == 2) {
            plane[0] = static_cast<std::uint8_t>(zz >> 8);
            plane[n] = static_cast<std::uint8_t>(zz);
          } else {
            plane[0] = static_cast<std::uint8_t>(zz);
          }
        } else {
          unsigned zz = plane[0];
          if constexpr (P == 2) zz = (zz << 8) | plane[n];
          int sc = unzigzag(zz);
          if (rel) sc = wrap<T>(sc + s1);
          if (c == 1) s1 = sc;
          // Channel 1 is decoded before 0 and 2, so px[1] is final when a difference is undone.
          const int v = pred + sc + (diff ? static_cast<int>(px[1]) : 0);
          px[c] = static_cast<T>(v & ((1 << kBits<T>) - 1));
        }
      }
    }
  }
}

// Encoder's choice: intra, or inter at the offset with the lowest estimated residual (sum of
// |residual| on a subsampled grid; unsealed reference pixels cost their intra residual).
template <typename T>
Inter choose(const T* data, int w, int h, int C, const cv::Rect& r, const Reference* ref, int search, int* dx, int* dy) {
  *dx = *dy = 0;
  Inter none;
  if (ref == nullptr || ref->empty()) return none;
  int step = 2;
  while (static_cast<std::int64_t>(w / step + 1) * (h / step + 1) > 8192) step *= 2;
  struct Sample {
    int x, y;
  };
  std::vector<Sample> grid;
  std::vector<int> intra_cost;
  std::int64_t best = 0;
  for (int y = 0; y < h; y += step) {
    for (int x = 0; x < w; x += step) {
      grid.push_back({x, y});
      int cost = 0;
      for (int c = 0; c < C; ++c) {
        const int cur = data[(static_cast<std::size_t>(y) * w + x) * C + c];
        cost += std::abs(cur - intra(data, w, C, x, y, c));
      }
      intra_cost.push_back(cost);
      best += cost;
    }
  }
  const cv::Mat& px = ref->pixels();
  const cv::Mat& valid = ref->valid();
  bool inter = false;
  for (int oy = -search; oy <= search; ++oy) {
    for (int ox = -search; ox <= search; ++ox) {
      std::int64_t cost = 0;
      for (std::size_t i = 0; i < grid.size() && cost < best; ++i) {
        const int fx = r.x + grid[i].x + ox, fy = r.y + grid[i].y + oy;
        if (fx < 0 || fy < 0 || fx >= px.cols || fy >= px.rows || valid.at<std::uint8_t>(fy, fx) == 0) {
          cost += intra_cost[i];
          continue;
        }
        const T* rp = px.ptr<T>(fy) + static_cast<std::size_t>(fx) * C;
        const T* cp = data + (static_cast<std::size_t>(grid[i].y) * w + grid[i].x) * C;
        for (int c = 0; c < C; ++c) cost += std::abs(static_cast<int>(cp[c]) - static_cast<int>(rp[c]));
      }
      if (cost < best) {
        best = cost;
        inter = true;
        *dx = ox;
        *dy = oy;
      }
    }
  }
  if (!inter) return none;
  Inter in;
  in.pixels = &px;
  in.valid = &valid;
  in.ox = r.x + *dx;
  in.oy = r.y + *dy;
  return in;
}

void put_i16(std::uint8_t* p, int v) {
  const auto u = static_cast<std::uint16_t>(static_cast<std::int16_t>(v));
  p[0] = static_cast<std::uint8_t>(u >> 8);
  p[1] = static_cast<std::uint8_t>(u);
}
int get_i16(const std::uint8_t* p) {
  return static_cast<std::int16_t>(static_cast<std::uint16_t>((p[0] << 8) | p[1]));
}

template <typename T>
void encode_all(const std::vector<cv::Rect>& rects, const std::vector<const std::uint8_t*>& data, int C, ColourMode colour,
                const Reference* ref, int search, std::uint8_t* stream) {
  std::vector<T> work;
  std::size_t off = 0;
  for (std::size_t i = 0; i < rects.size(); ++i) {
    const cv::Rect& r = rects[i];
    const std::size_t n = static_cast<std::size_t>(r.area()) * C;
    const T* src = reinterpret_cast<const T*>(data[i]);
    int dx = 0, dy = 0;
    const Inter in = choose<T>(src, r.width, r.height, C, r, ref, search, &dx, &dy);
    stream[off] = in.pixels != nullptr ? 1 : 0;
    put_i16(stream + off + 1, dx);
    put_i16(stream + off + 3, dy);
    off += kRegionHeaderBytes;
    // The encoder reads but never writes `data`; code_region takes T* for both directions.
    code_region<T, true>(const_cast<T*>(src), r.width, r.height, C, in, colour, stream + off);
    off += n * sizeof(T);
  }
}

template <typename T>
Status decode_all(const std::vector<cv::Rect>& rects, const std::vector<std::uint8_t*>& data, int C, ColourMode colour,
                  const Reference* ref, const std::uint8_t* stream) {
  std::size_t off = 0;
  for (std::size_t i = 0; i < rects.size(); ++i) {
    const cv::Rect& r = rects[i];
    const std::uint8_t mode = stream[off];
    const int dx = get_i16(stream + off + 1), dy = get_i16(stream + off + 3);
    off += kRegionHeaderBytes;
    Inter in;
    if (mode == 1) {
      if (ref == nullptr) return corrupt("region " + std::to_string(i) + " of a key-frame refers to the previous frame");
      if (std::abs(dx) > kMaxOffset || std::abs(dy) > kMaxOffset) return corrupt("motion offset out of range");
      in.pixels = &ref->pixels();
      in.valid = &ref->valid();
      in.ox = r.x + dx;
      in.oy = r.y + dy;
    } else if (mode != 0 || dx != 0 || dy != 0) {
      return corrupt("unknown region mode");
    }
    code_region<T, false>(reinterpret_cast<T*>(data[i]), r.width, r.height, C, in, colour, const_cast<std::uint8_t*>(stream + off));
    off += static_cast<std::size_t>(r.area()) * C * sizeof(T);
  }
  return ok_status();
}

}  // namespace

Reference::~Reference() {
  if (!pixels_.empty()) crypto::memzero(pixels_.data, pixels_.total() * pixels_.elemSize());
}

void Reference::reset(int width, int height, int type) {
  pixels_.create(height, width, type);
  valid_ = cv::Mat::zeros(height, width, CV_8U);
  rects_.clear();
}

void Reference::clear() {
  for (const cv::Rect& r : rects_) valid_(r).setTo(0);
  rects_.clear();
}

void Reference::update(const std::vector<cv::Rect>& rects, const std::vector<const std::uint8_t*>& data) {
  clear();
  const std::size_t es = pixels_.elemSize();
  for (std::size_t i = rects.size(); i-- > 0;) {
    const cv::Rect& r = rects[i];
    const std::size_t row = static_cast<std::size_t>(r.width) * es;
    for (int y = 0; y < r.height; ++y) {
      std::memcpy(pixels_.ptr(r.y + y) + static_cast<std::size_t>(r.x) * es, data[i] + static_cast<std::size_t>(y) * row, row);
    }
    valid_(r).setTo(1);
  }
  rects_ = rects;
}

std::uint64_t stream_bytes(const std::vector<cv::Rect>& rects, const Geometry& g) {
  std::uint64_t n = 0;
  for (const cv::Rect& r : rects) {
    n += kRegionHeaderBytes + std::uint64_t(static_cast<std::uint32_t>(r.width)) * static_cast<std::uint32_t>(r.height) *
                                  static_cast<std::uint32_t>(g.channels) * static_cast<std::uint32_t>(g.depth_bytes);
  }
  return n;
}

Status encode_regions(const std::vector<cv::Rect>& rects, const std::vector<const std::uint8_t*>& data, const Geometry& g,
                      const Reference* ref, const CodecOptions& options, std::vector<std::uint8_t>* out) {
  if (data.size() != rects.size() || (g.depth_bytes != 1 && g.depth_bytes != 2)) {
    return make_error(ErrorCode::kInternal, "encode_regions: bad arguments");
  }
  const std::size_t n = static_cast<std::size_t>(stream_bytes(rects, g));
  crypto::SecretBytes stream(n);
  const int search = std::clamp(options.search, 0, kMaxOffset);
  if (g.depth_bytes == 1) encode_all<std::uint8_t>(rects, data, g.channels, g.colour, ref, search, stream.data());
  else encode_all<std::uint16_t>(rects, data, g.channels, g.colour, ref, search, stream.data());
  out->resize(ZSTD_compressBound(n));
  const std::size_t z = ZSTD_compressCCtx(cctx(), out->data(), out->size(), stream.data(), n, options.level);
  if (ZSTD_isError(z)) return make_error(ErrorCode::kInternal, std::string("zstd: ") + ZSTD_getErrorName(z));
  out->resize(z);
  return ok_status();
}

Status decode_regions(crypto::ByteView in, const std::vector<cv::Rect>& rects, const Geometry& g, const Reference* ref,
                      const std::vector<std::uint8_t*>& data) {
  if (data.size() != rects.size() || (g.depth_bytes != 1 && g.depth_bytes != 2)) {
    return make_error(ErrorCode::kInternal, "decode_regions: bad arguments");
  }
  const std::uint64_t n = stream_bytes(rects, g);
  const unsigned long long content = ZSTD_getFrameContentSize(in.data(), in.size());
  if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN || content != n) {
    return corrupt("not a zstd frame of the expected size");
  }
  const std::size_t frame = ZSTD_findFrameCompressedSize(in.data(), in.size());
  if (ZSTD_isError(frame) || frame != in.size()) return corrupt("bytes after the zstd frame");
  crypto::SecretBytes stream(static_cast<std::size_t>(n));
  const std::size_t got = ZSTD_decompressDCtx(dctx(), stream.data(), stream.size(), in.data(), in.size());
  if (ZSTD_isError(got) || got != n) return corrupt("zstd frame does not decode");
  if (g.depth_bytes == 1) return decode_all<std::uint8_t>(rects, data, g.channels, g.colour, ref, stream.data());
  return decode_all<std::uint16_t>(rects, data, g.channels, g.colour, ref, stream.data());
}

}  // namespace shroud::codec
