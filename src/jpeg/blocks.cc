// Pixels <-> quantised DCT blocks for the iMCUs covering a box (jpeg_internal.h).
//
// The DCT is OpenCV's orthonormal 8x8 DCT-II, which is exactly JPEG's FDCT/IDCT definition
// (ITU T.81 A.3.3). Colour conversion is JFIF's (T.871). Chroma is upsampled bilinearly and
// downsampled by averaging, like libjpeg's fancy upsampling and h2v2 downsampling.
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "jpeg/jpeg_internal.h"

namespace shroud::jpeg {

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
    cv::Mat blk(8, 8, CV_32F), pix;
    for (int by = 0; by < br.height; ++by) {
      for (int bx = 0; bx < br.width; ++bx) {
        const std::int16_t* b = comp.block(br.x + bx, br.y + by);
        for (int k = 0; k < 64; ++k) blk.at<float>(k / 8, k % 8) = static_cast<float>(b[k]) * comp.quant[static_cast<std::size_t>(k)];
        cv::dct(blk, pix, cv::DCT_INVERSE);
        pix += 128.0f;
        pix.copyTo(plane(cv::Rect(bx * 8, by * 8, 8, 8)));
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
  cv::Mat blk, coef;
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
        blk = plane(cv::Rect(bx * 8, by * 8, 8, 8)) - 128.0f;
        cv::dct(blk, coef);
        std::int16_t* b = comp.block(br.x + bx, br.y + by);
        for (int k = 0; k < 64; ++k) {
          const float q = static_cast<float>(comp.quant[static_cast<std::size_t>(k)]);
          const long v = std::lround(coef.at<float>(k / 8, k % 8) / q);
          b[k] = static_cast<std::int16_t>(std::clamp(v, -1023L, 1023L));
        }
      }
    }
  }
}

}  // namespace shroud::jpeg
