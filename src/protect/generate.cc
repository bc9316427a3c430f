// generate: the GAN+DP face hook. An encoder maps the region to a latent vector z; z is clipped
// to the L1 ball of radius C (so any two faces' latents differ by at most 2C in L1), Laplace
// noise of scale 2C / epsilon is added to every coordinate (epsilon-DP for the latent), and a
// generator turns the noisy latent into the image that replaces the region.
//
// Model interface (docs/dp.md): encoder input 1x3xNxN RGB in [0, 1], output 1xD; generator input
// 1xD, output 1x3xHxW RGB in [0, 1]. Both are ONNX files run by OpenCV's DNN module.
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <filesystem>
#include <map>

#include "shroud/dp.h"
#include "shroud/protector.h"

namespace shroud {
namespace {

Result<cv::dnn::Net> load_net(const std::string& path, const char* what) {
  thread_local std::map<std::string, cv::dnn::Net> cache;  // nets are not thread-safe
  auto it = cache.find(path);
  if (it != cache.end()) return it->second;
  std::error_code ec;
  if (path.empty() || !std::filesystem::is_regular_file(path, ec)) {
    return make_error(ErrorCode::kNotFound, std::string("generate needs a ") + what + " model (ONNX): '" + path +
                                               "' not found (--encoder FILE --generator FILE)");
  }
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
    if (net.empty()) return make_error(ErrorCode::kCorrupt, "cannot load " + path);
    cache[path] = net;
    return net;
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kCorrupt, "cannot load " + std::string(what) + " '" + path + "': " + e.what());
  }
}

class GenerateProtector final : public Protector {
 public:
  std::string name() const override { return "generate"; }

 protected:
  Result<cv::Mat> render(const cv::Mat& roi, const Action& action) const override {
    const MethodParams& p = action.params;
    SHROUD_RETURN_IF_ERROR(dp::check_epsilon(p.epsilon));
    if (!(p.latent_clip > 0.0 && std::isfinite(p.latent_clip))) {
      return make_error(ErrorCode::kInvalidArgument, "latent clip must be > 0");
    }
    if (roi.depth() != CV_8U) return make_error(ErrorCode::kUnsupported, "generate needs an 8-bit image");
    SHROUD_ASSIGN_OR_RETURN(cv::dnn::Net encoder, load_net(p.generator_encoder, "encoder"));
    SHROUD_ASSIGN_OR_RETURN(cv::dnn::Net generator, load_net(p.generator_model, "generator"));
    cv::Mat bgr;
    if (roi.channels() == 1) cv::cvtColor(roi, bgr, cv::COLOR_GRAY2BGR);
    else bgr = roi;
    cv::Mat z;
    cv::Mat image;
    try {
      encoder.setInput(cv::dnn::blobFromImage(bgr, 1.0 / 255.0, cv::Size(p.generator_size, p.generator_size),
                                              cv::Scalar(), true, false, CV_32F));
      z = encoder.forward().clone();
      z = z.reshape(1, 1);  // 1 x D
      const double l1 = cv::norm(z, cv::NORM_L1);
      if (l1 > p.latent_clip) z *= p.latent_clip / l1;
      dp::SecureRandom rng;
      const double scale = 2.0 * p.latent_clip / p.epsilon;
      for (int i = 0; i < z.cols; ++i) {
        SHROUD_ASSIGN_OR_RETURN(double noise, rng.laplace(scale));
        z.at<float>(0, i) += static_cast<float>(noise);
      }
      generator.setInput(z);
      cv::Mat out = generator.forward();
      if (out.dims != 4 || out.size[0] != 1 || out.size[1] != 3) {
        return make_error(ErrorCode::kUnsupported, "generator output must be 1x3xHxW");
      }
      std::vector<cv::Mat> planes;
      cv::dnn::imagesFromBlob(out, planes);
      planes[0].convertTo(image, CV_8U, 255.0);  // RGB, saturating
      cv::cvtColor(image, image, cv::COLOR_RGB2BGR);
    } catch (const cv::Exception& e) {
      return make_error(ErrorCode::kInternal, std::string("generator failed: ") + e.what());
    }
    cv::resize(image, image, roi.size(), 0, 0, cv::INTER_LINEAR);
    if (roi.channels() == 1) cv::cvtColor(image, image, cv::COLOR_BGR2GRAY);
    return image;
  }
};

}  // namespace

std::unique_ptr<Protector> make_generate_protector() { return std::make_unique<GenerateProtector>(); }

}  // namespace shroud
