// Pixels <-> quantised DCT blocks for the iMCUs covering a box (jpeg_internal.h).
//
// The DCT is the orthonormal 8x8 DCT-II (separable, as a matrix product), which is exactly
// JPEG's FDCT/IDCT definition (ITU T.81 A.3.3). Colour conversion is JFIF's (T.871). Chroma is upsampled bilinearly and
// downsampled by averaging, like libjpeg's fancy upsampling and h2v2 downsampling.
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "jpeg/jpeg_internal.h"

namespace shroud::jpeg {
namespace {

// Orthonormal 8-point DCT-II matrix: C[u][x] = a(u) cos((2x + 1) u pi / 16), and its transpose.
struct DctMatrix {
  float c[8][8], t[8][8];
  DctMatrix() {
    for (int u = 0; u < 8; ++u) {
      const double a = u == 0 ? std::sqrt(1.0 / 8) : std::sqrt(2.0 / 8);
      for (int x = 0; x < 8; ++x) {
        c[u][x] = static_cast<float>(a * std::cos((2 * x + 1) * u * 3.14159265358979323846 / 16));
        t[x][u] = c[u][x];
      }
    }
  }
};
const DctMatrix& dct_matrix() {
  static const DctMatrix m;
  return m;
}

// out = A in B for 8x8 row-major matrices (innermost loop over columns, which vectorises).
void mul8(const float (&a)[8][8], const float* in, float* out) {
  for (int i = 0; i < 8; ++i) {
    float acc[8] = {};
    for (int k = 0; k < 8; ++k) {
      const float f = a[i][k];
      for (int j = 0; j < 8; ++j) acc[j] += f * in[k * 8 + j];
    }
    for (int j = 0; j < 8; ++j) out[i * 8 + j] = acc[j];
  }
}
void mul8_right(const float* in, const float (&b)[8][8], float* out) {
  for (int i = 0; i < 8; ++i) {
    float acc[8] = {};
    for (int k = 0; k < 8; ++k) {
      const float f = in[i * 8 + k];
      for (int j = 0; j < 8; ++j) acc[j] += f * b[k][j];
    }
    for (int j = 0; j < 8; ++j) out[i * 8 + j] = acc[j];
  }
}

// Forward: C X C^T. Inverse: C^T F C.
void dct8x8(const float* in, float* out, bool inverse) {
  const DctMatrix& m = dct_matrix();
  float tmp[64];
  if (inverse) {
    mul8(m.t, in, tmp);
    mul8_right(tmp, m.c, out);
  } else {
    mul8(m.c, in, tmp);
    mul8_right(tmp, m.t, out);
  }
}

}  // namespace

cv::Rect block_range(const Coefficients& c, std::size_t ci, const cv::Rect& box) {
  const Component& comp = c.components[ci];
  // Component sample coordinates: image coordinate * samp / max_samp.
  const int x0 = box.x * comp.h_samp / c.max_h / 8;
  const int y0 = box.y * comp.v_samp / c.max_v / 8;
  const int x1 = std::min(comp.blocks_wide, ((box.x + box.width) * comp.h_samp / c.max_h + 7) / 8);
  const int y1 = std::min(comp.blocks_high, ((box.y + box.height) * comp.v_samp / c.max_v + 7) / 8);
  return {x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

cv::Mat blocks_to_pixels(const Coefficients& c, const cv::Rect& box) {
  std::vector<cv::Mat> planes;
  for (std::size_t ci = 0; ci < c.components.size(); ++ci) {
    const Component& comp = c.components[ci];
    const cv::Rect br = block_range(c, ci, box);
    cv::Mat plane(br.height * 8, br.width * 8, CV_32F);
    float blk[64], pix[64];
    for (int by = 0; by < br.height; ++by) {
      for (int bx = 0; bx < br.width; ++bx) {
        const std::int16_t* b = comp.block(br.x + bx, br.y + by);
        for (int k = 0; k < 64; ++k) blk[k] = static_cast<float>(b[k]) * comp.quant[static_cast<std::size_t>(k)];
        dct8x8(blk, pix, true);
        for (int y = 0; y < 8; ++y) {
          float* row = plane.ptr<float>(by * 8 + y) + bx * 8;
          for (int x = 0; x < 8; ++x) row[x] = pix[y * 8 + x] + 128.0f;
        }
      }
    }
    const int fx = c.max_h / comp.h_samp, fy = c.max_v / comp.v_samp;
    if (fx != 1 || fy != 1) cv::resize(plane, plane, cv::Size(plane.cols * fx, plane.rows * fy), 0, 0, cv::INTER_LINEAR);
    cv::Mat full(box.height, box.width, CV_32F);
    const cv::Rect avail(0, 0, std::min(box.width, plane.cols), std::min(box.height, plane.rows));
    full.setTo(128.0f);
    plane(avail).copyTo(full(avail));
    planes.push_back(full);
  }
  if (planes.size() == 1) {
    cv::Mat out;
    planes[0].convertTo(out, CV_8U);
    return out;
  }
  cv::Mat out(box.height, box.width, CV_8UC3);
  for (int y = 0; y < box.height; ++y) {
    const float* Y = planes[0].ptr<float>(y);
    const float* Cb = planes[1].ptr<float>(y);
    const float* Cr = planes[2].ptr<float>(y);
    cv::Vec3b* o = out.ptr<cv::Vec3b>(y);
    for (int x = 0; x < box.width; ++x) {
      const float cb = Cb[x] - 128.0f, cr = Cr[x] - 128.0f;
      o[x][2] = cv::saturate_cast<std::uint8_t>(Y[x] + 1.402f * cr);
      o[x][1] = cv::saturate_cast<std::uint8_t>(Y[x] - 0.344136f * cb - 0.714136f * cr);
      o[x][0] = cv::saturate_cast<std::uint8_t>(Y[x] + 1.772f * cb);
    }
  }
  return out;
}

void pixels_to_blocks(Coefficients& c, const cv::Rect& box, const cv::Mat& image) {
  std::vector<cv::Mat> planes(c.components.size());
  if (c.components.size() == 1) {
    image.convertTo(planes[0], CV_32F);
  } else {
    for (auto& p : planes) p.create(box.height, box.width, CV_32F);
    for (int y = 0; y < box.height; ++y) {
      const cv::Vec3b* in = image.ptr<cv::Vec3b>(y);
      float* Y = planes[0].ptr<float>(y);
      float* Cb = planes[1].ptr<float>(y);
      float* Cr = planes[2].ptr<float>(y);
      for (int x = 0; x < box.width; ++x) {
        const float b = in[x][0], g = in[x][1], r = in[x][2];
        Y[x] = 0.299f * r + 0.587f * g + 0.114f * b;
        Cb[x] = -0.168736f * r - 0.331264f * g + 0.5f * b + 128.0f;
        Cr[x] = 0.5f * r - 0.418688f * g - 0.081312f * b + 128.0f;
      }
    }
  }
  float blk[64], coef[64];
  for (std::size_t ci = 0; ci < c.components.size(); ++ci) {
    Component& comp = c.components[ci];
    const cv::Rect br = block_range(c, ci, box);
    if (br.width == 0 || br.height == 0) continue;
    const int fx = c.max_h / comp.h_samp, fy = c.max_v / comp.v_samp;
    // Pad the box (edge replication) to whole blocks of this component, then subsample.
    const int need_w = br.width * 8 * fx, need_h = br.height * 8 * fy;
    cv::Mat padded;
    cv::copyMakeBorder(planes[ci], padded, 0, std::max(0, need_h - box.height), 0, std::max(0, need_w - box.width),
                       cv::BORDER_REPLICATE);
    padded = padded(cv::Rect(0, 0, need_w, need_h));
    cv::Mat plane;
    if (fx != 1 || fy != 1) {
      cv::resize(padded, plane, cv::Size(br.width * 8, br.height * 8), 0, 0, cv::INTER_AREA);
    } else {
      plane = padded;
    }
    for (int by = 0; by < br.height; ++by) {
      for (int bx = 0; bx < br.width; ++bx) {
        for (int y = 0; y < 8; ++y) {
          const float* row = plane.ptr<float>(by * 8 + y) + bx * 8;
          for (int x = 0; x < 8; ++x) blk[y * 8 + x] = row[x] - 128.0f;
        }
        dct8x8(blk, coef, false);
        std::int16_t* b = comp.block(br.x + bx, br.y + by);
        for (int k = 0; k < 64; ++k) {
          const float q = static_cast<float>(comp.quant[static_cast<std::size_t>(k)]);
          const long v = std::lround(coef[k] / q);
          b[k] = static_cast<std::int16_t>(std::clamp(v, -1023L, 1023L));
        }
      }
    }
  }
}

}  // namespace shroud::jpeg
