// SSIM with scikit-image's definition (gaussian_weights=True, sigma=1.5,
// use_sample_covariance=False); docs/metrics.md explains why this is our own code rather than
// OpenCV's quality module.
//
// One pass per channel over the rows: each input row is converted once, the five Gaussian
// moments (x, y, x^2, y^2, xy) are filtered vertically from a ring of the last 11 rows and then
// horizontally, only where the whole window lies inside the image (the pixels skimage averages),
// and the SSIM of the row is summed. Everything stays in cache and the inner loops use OpenCV's
// universal intrinsics (SSE2/NEON baseline, no build flags needed).
//
// Precision: samples are mapped to [-0.5, 0.5] (x / peak - 0.5) and filtered in float32.
// Centring keeps E[x^2] - E[x]^2 from cancelling catastrophically, and SSIM is invariant to the
// scaling once C1, C2 are scaled with it; row sums are added in double. Measured against
// scikit-image (float64): |difference| < 1e-5 (tests/metrics_reference_test.cc).
#include <opencv2/core/hal/intrin.hpp>
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#endif
#include <opencv2/imgproc.hpp>

#include <array>
#include <cmath>

#include "shroud/metrics.h"

namespace shroud {
namespace {

constexpr double kSigma = 1.5;
constexpr double kK1 = 0.01, kK2 = 0.03;
constexpr int kWin = kSsimWindow, kPad = (kSsimWindow - 1) / 2;

// out[i] = sum_k w[k] * r[k][i + off] for a symmetric 11-tap kernel, accumulated in registers.
void filter11(float* out, const float* const* r, int off, const std::array<float, kSsimWindow>& w, int n) {
  int i = 0;
#if CV_SIMD
  const cv::v_float32 w0 = cv::vx_setall_f32(w[0]), w1 = cv::vx_setall_f32(w[1]), w2 = cv::vx_setall_f32(w[2]),
                      w3 = cv::vx_setall_f32(w[3]), w4 = cv::vx_setall_f32(w[4]), w5 = cv::vx_setall_f32(w[5]);
  for (; i <= n - cv::v_float32::nlanes; i += cv::v_float32::nlanes) {
    const int j = i + off;
    cv::v_float32 acc = cv::vx_load(r[5] + j) * w5;
    acc += (cv::vx_load(r[0] + j) + cv::vx_load(r[10] + j)) * w0;
    acc += (cv::vx_load(r[1] + j) + cv::vx_load(r[9] + j)) * w1;
    acc += (cv::vx_load(r[2] + j) + cv::vx_load(r[8] + j)) * w2;
    acc += (cv::vx_load(r[3] + j) + cv::vx_load(r[7] + j)) * w3;
    acc += (cv::vx_load(r[4] + j) + cv::vx_load(r[6] + j)) * w4;
    cv::v_store(out + i, acc);
  }
#endif
  for (; i < n; ++i) {
    const int j = i + off;
    float acc = r[5][j] * w[5];
    for (int k = 0; k < 5; ++k) acc += (r[k][j] + r[10 - k][j]) * w[k];
    out[i] = acc;
  }
}

// out = a * b
void product(float* out, const float* a, const float* b, int n) {
  int i = 0;
#if CV_SIMD
  for (; i <= n - cv::v_float32::nlanes; i += cv::v_float32::nlanes) {
    cv::v_store(out + i, cv::vx_load(a + i) * cv::vx_load(b + i));
  }
#endif
  for (; i < n; ++i) out[i] = a[i] * b[i];
}

// Sum over the row of the SSIM map from the filtered moments (centred means mx, my).
double ssim_row_sum(const float* mx, const float* my, const float* sxx, const float* syy, const float* sxy,
                    int n, float c1, float c2) {
  int i = 0;
  double total = 0.0;
#if CV_SIMD
  const cv::v_float32 half = cv::vx_setall_f32(0.5f), two = cv::vx_setall_f32(2.0f);
  const cv::v_float32 vc1 = cv::vx_setall_f32(c1), vc2 = cv::vx_setall_f32(c2);
  cv::v_float32 acc = cv::vx_setzero_f32();
  for (; i <= n - cv::v_float32::nlanes; i += cv::v_float32::nlanes) {
    const cv::v_float32 cx = cv::vx_load(mx + i), cy = cv::vx_load(my + i);
    const cv::v_float32 ux = cx + half, uy = cy + half;
    const cv::v_float32 vx = cv::vx_load(sxx + i) - cx * cx;
    const cv::v_float32 vy = cv::vx_load(syy + i) - cy * cy;
    const cv::v_float32 vxy = cv::vx_load(sxy + i) - cx * cy;
    const cv::v_float32 num = (two * ux * uy + vc1) * (two * vxy + vc2);
    const cv::v_float32 den = (ux * ux + uy * uy + vc1) * (vx + vy + vc2);
    acc += num / den;
  }
  total = static_cast<double>(cv::v_reduce_sum(acc));
#endif
  for (; i < n; ++i) {
    const float cx = mx[i], cy = my[i];
    const float ux = cx + 0.5f, uy = cy + 0.5f;
    const float vx = sxx[i] - cx * cx, vy = syy[i] - cy * cy, vxy = sxy[i] - cx * cy;
    total += ((2.0f * ux * uy + c1) * (2.0f * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
  }
  return total;
}

// AVX2+FMA versions of the three kernels, chosen at run time when the CPU has them (the build's
// baseline is SSE2). Same arithmetic, eight lanes (the filter uses fused multiply-add).
#if defined(__GNUC__) && defined(__x86_64__)
#define SHROUD_SSIM_AVX2 1
__attribute__((target("avx2,fma"))) void filter11_avx2(float* out, const float* const* r, int off,
                                                   const std::array<float, kSsimWindow>& w, int n) {
  int i = 0;
  const __m256 w0 = _mm256_set1_ps(w[0]), w1 = _mm256_set1_ps(w[1]), w2 = _mm256_set1_ps(w[2]),
               w3 = _mm256_set1_ps(w[3]), w4 = _mm256_set1_ps(w[4]), w5 = _mm256_set1_ps(w[5]);
  for (; i <= n - 8; i += 8) {
    const int j = i + off;
    __m256 acc = _mm256_mul_ps(_mm256_loadu_ps(r[5] + j), w5);
    acc = _mm256_fmadd_ps(_mm256_add_ps(_mm256_loadu_ps(r[0] + j), _mm256_loadu_ps(r[10] + j)), w0, acc);
    acc = _mm256_fmadd_ps(_mm256_add_ps(_mm256_loadu_ps(r[1] + j), _mm256_loadu_ps(r[9] + j)), w1, acc);
    acc = _mm256_fmadd_ps(_mm256_add_ps(_mm256_loadu_ps(r[2] + j), _mm256_loadu_ps(r[8] + j)), w2, acc);
    acc = _mm256_fmadd_ps(_mm256_add_ps(_mm256_loadu_ps(r[3] + j), _mm256_loadu_ps(r[7] + j)), w3, acc);
    acc = _mm256_fmadd_ps(_mm256_add_ps(_mm256_loadu_ps(r[4] + j), _mm256_loadu_ps(r[6] + j)), w4, acc);
    _mm256_storeu_ps(out + i, acc);
  }
  for (; i < n; ++i) {
    const int j = i + off;
    float acc = r[5][j] * w[5];
    for (int k = 0; k < 5; ++k) acc += (r[k][j] + r[10 - k][j]) * w[k];
    out[i] = acc;
  }
}

__attribute__((target("avx2,fma"))) void product_avx2(float* out, const float* a, const float* b, int n) {
  int i = 0;
  for (; i <= n - 8; i += 8) _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
  for (; i < n; ++i) out[i] = a[i] * b[i];
}

__attribute__((target("avx2,fma"))) double ssim_row_sum_avx2(const float* mx, const float* my, const float* sxx,
                                                         const float* syy, const float* sxy, int n, float c1,
                                                         float c2) {
  int i = 0;
  const __m256 half = _mm256_set1_ps(0.5f), two = _mm256_set1_ps(2.0f);
  const __m256 vc1 = _mm256_set1_ps(c1), vc2 = _mm256_set1_ps(c2);
  __m256 acc = _mm256_setzero_ps();
  for (; i <= n - 8; i += 8) {
    const __m256 cx = _mm256_loadu_ps(mx + i), cy = _mm256_loadu_ps(my + i);
    const __m256 ux = _mm256_add_ps(cx, half), uy = _mm256_add_ps(cy, half);
    const __m256 vx = _mm256_sub_ps(_mm256_loadu_ps(sxx + i), _mm256_mul_ps(cx, cx));
    const __m256 vy = _mm256_sub_ps(_mm256_loadu_ps(syy + i), _mm256_mul_ps(cy, cy));
    const __m256 vxy = _mm256_sub_ps(_mm256_loadu_ps(sxy + i), _mm256_mul_ps(cx, cy));
    const __m256 num = _mm256_mul_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(two, ux), uy), vc1),
                                     _mm256_add_ps(_mm256_mul_ps(two, vxy), vc2));
    const __m256 den = _mm256_mul_ps(_mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(ux, ux), _mm256_mul_ps(uy, uy)), vc1),
                                     _mm256_add_ps(_mm256_add_ps(vx, vy), vc2));
    acc = _mm256_add_ps(acc, _mm256_div_ps(num, den));
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  double total = 0.0;
  for (float l : lanes) total += l;
  for (; i < n; ++i) {
    const float cx = mx[i], cy = my[i];
    const float ux = cx + 0.5f, uy = cy + 0.5f;
    const float vx = sxx[i] - cx * cx, vy = syy[i] - cy * cy, vxy = sxy[i] - cx * cy;
    total += ((2.0f * ux * uy + c1) * (2.0f * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
  }
  return total;
}
#endif

struct Kernels {
  void (*filter)(float*, const float* const*, int, const std::array<float, kSsimWindow>&, int) = filter11;
  void (*product)(float*, const float*, const float*, int) = shroud::product;
  double (*row_sum)(const float*, const float*, const float*, const float*, const float*, int, float, float) =
      ssim_row_sum;
};

const Kernels& kernels() {
  static const Kernels k = [] {
    Kernels out;
#ifdef SHROUD_SSIM_AVX2
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
      out.filter = filter11_avx2;
      out.product = product_avx2;
      out.row_sum = ssim_row_sum_avx2;
    }
#endif
    return out;
  }();
  return k;
}

class SsimChannel {
 public:
  SsimChannel(int width, const std::array<float, kWin>& w)
      : width_(width), valid_(width - 2 * kPad), w_(w), ring_(5 * kWin * width), vert_(5 * width),
        horiz_(5 * valid_) {}

  // Mean SSIM of two single-channel planes (same size and depth, at least 11x11).
  double run(const cv::Mat& a, const cv::Mat& b, float inv_peak, float c1, float c2) {
    double total = 0.0;
    for (int y = 0; y < a.rows; ++y) {
      const int slot = y % kWin;
      float* x = ring(0, slot);
      float* yv = ring(1, slot);
      // x / peak - 0.5 with OpenCV's vectorised conversion.
      a.row(y).convertTo(cv::Mat(1, width_, CV_32F, x), CV_32F, inv_peak, -0.5);
      b.row(y).convertTo(cv::Mat(1, width_, CV_32F, yv), CV_32F, inv_peak, -0.5);
      kern_.product(ring(2, slot), x, x, width_);
      kern_.product(ring(3, slot), yv, yv, width_);
      kern_.product(ring(4, slot), x, yv, width_);
      if (y < kWin - 1) continue;
      // Rows y-10 .. y are in the ring; this produces output row y-5.
      for (int q = 0; q < 5; ++q) {
        const float* r[kWin];
        for (int k = 0; k < kWin; ++k) r[k] = ring(q, (y - (kWin - 1) + k) % kWin);
        float* v = &vert_[q * width_];
        kern_.filter(v, r, 0, w_, width_);
        // Horizontal: the same kernel over shifted views of the vertical result.
        const float* shifted[kWin];
        for (int k = 0; k < kWin; ++k) shifted[k] = v + k;
        kern_.filter(&horiz_[q * valid_], shifted, 0, w_, valid_);
      }
      total += kern_.row_sum(&horiz_[0], &horiz_[valid_], &horiz_[2 * valid_], &horiz_[3 * valid_],
                            &horiz_[4 * valid_], valid_, c1, c2);
    }
    return total / (static_cast<double>(valid_) * (a.rows - 2 * kPad));
  }

 private:
  float* ring(int q, int slot) { return &ring_[(static_cast<std::size_t>(q) * kWin + slot) * width_]; }

  const Kernels& kern_ = kernels();
  int width_, valid_;
  std::array<float, kWin> w_;
  std::vector<float> ring_, vert_, horiz_;
};

}  // namespace

Result<std::vector<double>> ssim_per_channel(const cv::Mat& a, const cv::Mat& b) {
  SHROUD_RETURN_IF_ERROR(check_comparable(a, b));
  if (a.rows < kWin || a.cols < kWin) {
    return make_error(ErrorCode::kInvalidArgument, "SSIM needs images of at least 11x11 pixels");
  }
  // scipy's gaussian_filter weights: exp(-k^2 / (2 sigma^2)), k = -5..5, normalised.
  const cv::Mat k64 = cv::getGaussianKernel(kWin, kSigma, CV_64F);
  std::array<float, kWin> w{};
  for (int i = 0; i < kWin; ++i) w[i] = static_cast<float>(k64.at<double>(i));
  const float inv_peak = static_cast<float>(1.0 / peak_value(a));
  const float c1 = static_cast<float>(kK1 * kK1), c2 = static_cast<float>(kK2 * kK2);
  try {
    std::vector<cv::Mat> pa, pb;
    cv::split(a, pa);
    cv::split(b, pb);
    SsimChannel worker(a.cols, w);
    std::vector<double> out;
    for (int c = 0; c < a.channels(); ++c) out.push_back(worker.run(pa[c], pb[c], inv_peak, c1, c2));
    return out;
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kInternal, std::string("SSIM: ") + e.what());
  }
}

Result<double> ssim(const cv::Mat& a, const cv::Mat& b) {
  SHROUD_ASSIGN_OR_RETURN(auto per_channel, ssim_per_channel(a, b));
  double total = 0.0;
  for (double v : per_channel) total += v;
  return total / static_cast<double>(per_channel.size());
}

}  // namespace shroud
