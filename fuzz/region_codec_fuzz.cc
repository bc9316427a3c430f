// libFuzzer target: the recovery track's region codec (src/codec/region_codec.h).
// The first 8 bytes choose the geometry (channels, depth, colour mode, up to 3 rectangles inside a 48x40
// frame, key-frame or inter against a reference filled from the input); then
//  A) the rest is decoded as a compressed record body: must fail cleanly or decode;
//  B) the rest, cycled, is the regions' pixels: encode -> decode must give them back exactly
//     (traps otherwise), and with a fresh reference updated the same way on both sides.
#include <cstdint>
#include <cstring>
#include <vector>

#include "codec/region_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace shroud;
  if (size < 8) return 0;
  constexpr int kW = 48, kH = 40;
  const int channels_opt[3] = {1, 3, 4};
  codec::Geometry g{channels_opt[data[0] % 3], (data[0] & 0x10) ? 2 : 1,
                    (data[0] & 0x40) ? codec::ColourMode::kRelativeResiduals : codec::ColourMode::kGreenPlanes};
  const int type = CV_MAKETYPE(g.depth_bytes == 2 ? CV_16U : CV_8U, g.channels);
  const bool key = (data[0] & 0x20) != 0;
  std::vector<cv::Rect> rects;
  const int n = 1 + data[1] % 3;
  for (int i = 0; i < n; ++i) {
    const int x = data[2 + 2 * i] % kW, y = data[3 + 2 * i] % kH;
    const int w = 1 + (data[2 + 2 * i] >> 2) % (kW - x), h = 1 + (data[3 + 2 * i] >> 2) % (kH - y);
    rects.emplace_back(x, y, w, h);
  }
  const std::uint8_t* rest = data + 8;
  const std::size_t rest_size = size - 8;

  // A reference frame filled from the input (or zeros), valid where an input-chosen rectangle is.
  codec::Reference ref;
  ref.reset(kW, kH, type);
  {
    cv::Rect r(data[7] % kW / 2, data[6] % kH / 2, kW / 2, kH / 2);
    std::vector<std::uint8_t> px(static_cast<std::size_t>(r.area()) * g.channels * g.depth_bytes);
    for (std::size_t i = 0; i < px.size(); ++i) px[i] = rest_size ? rest[i % rest_size] : 0;
    ref.update({r}, {px.data()});
  }

  std::vector<std::vector<std::uint8_t>> out;
  std::vector<std::uint8_t*> optr;
  for (const cv::Rect& r : rects) {
    out.emplace_back(static_cast<std::size_t>(r.area()) * g.channels * g.depth_bytes);
    optr.push_back(out.back().data());
  }
  // A) decode arbitrary bytes.
  (void)codec::decode_regions({rest, rest_size}, rects, g, key ? nullptr : &ref, optr).ok();

  // B) round trip.
  std::vector<std::vector<std::uint8_t>> in;
  std::vector<const std::uint8_t*> iptr;
  for (const cv::Rect& r : rects) {
    in.emplace_back(static_cast<std::size_t>(r.area()) * g.channels * g.depth_bytes);
    for (std::size_t i = 0; i < in.back().size(); ++i) in.back()[i] = rest_size ? rest[(i * 7 + in.size()) % rest_size] : 0;
    iptr.push_back(in.back().data());
  }
  std::vector<std::uint8_t> z;
  codec::CodecOptions o;
  o.search = data[5] % 5;
  if (!codec::encode_regions(rects, iptr, g, key ? nullptr : &ref, o, &z).ok()) __builtin_trap();
  if (!codec::decode_regions(z, rects, g, key ? nullptr : &ref, optr).ok()) __builtin_trap();
  for (std::size_t i = 0; i < rects.size(); ++i) {
    if (out[i] != in[i]) __builtin_trap();
  }
  return 0;
}
