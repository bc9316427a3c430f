// Shroud from C++: read an image, detect and blur faces (redact_frame), seal the faces and recover
// them bit-exactly (seal_image_file / recover_image_file), and the same round trip through the C
// API on encoded bytes. Built against an installed Shroud with find_package(Shroud):
//
//   ./protect_cpp photo.jpg keys.json      (keys.json from `shroud keygen keys.json`)
//
// Exits 0 when every check passes.
#include <shroud/image_io.h>
#include <shroud/keys.h>
#include <shroud/pipeline.h>
#include <shroud/registry.h>
#include <shroud/seal.h>
#include <shroud/shroud.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "FAIL: %s\n", what.c_str());
    ++failures;
  }
}

bool same_pixels(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s photo.jpg keys.json\n", argv[0]);
    return 2;
  }
  const std::string photo = argv[1], keys = argv[2];
  auto loaded = shroud::read_image(photo);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
    return 2;
  }
  const cv::Mat original = loaded->pixels.clone();

  // 1. Detect + blur with the C++ pipeline.
  shroud::DetectorOptions dopts;
  std::string warning;
  const std::string spec = shroud::default_detector_spec(dopts.models, &warning);
  auto detector = shroud::create_detector(spec, dopts);
  if (!detector.ok()) {
    std::fprintf(stderr, "%s\n", detector.error().message.c_str());
    return 1;
  }
  shroud::Policy policy;
  policy.kinds = {shroud::Kind::kFace};
  shroud::Frame frame{original.clone(), 0, 0.0, photo};
  auto redacted = shroud::redact_frame(frame, **detector, policy);
  check(redacted.ok(), "redact_frame: " + (redacted.ok() ? std::string() : redacted.error().message));
  if (redacted.ok()) {
    std::printf("detector %s: %zu region(s), %zu protected\n", spec.c_str(), redacted->regions.size(),
                redacted->actions.size());
    check(!redacted->actions.empty(), "no face protected");
    cv::Mat outside = cv::Mat::ones(original.size(), CV_8U);
    for (const auto& a : redacted->actions) {
      check(!same_pixels(frame.image(a.rect), original(a.rect)), "a protected region is unchanged");
      outside(a.rect).setTo(0);
    }
    cv::Mat diff;
    cv::absdiff(frame.image, original, diff);
    std::size_t changed_outside = 0;
    const int ch = diff.channels();
    for (int y = 0; y < diff.rows; ++y) {
      const std::uint8_t* d = diff.ptr<std::uint8_t>(y);
      for (int x = 0; x < diff.cols; ++x) {
        if (outside.at<std::uint8_t>(y, x) == 0) continue;
        for (int c = 0; c < ch; ++c) changed_outside += d[x * ch + c] != 0;
      }
    }
    check(changed_outside == 0, "pixels changed outside the protected regions");
  }

  // 2. Seal to a PNG in memory and recover bit-exactly.
  auto keyset = shroud::load_keyset(keys);
  if (!keyset.ok()) {
    std::fprintf(stderr, "%s\n", keyset.error().message.c_str());
    return 1;
  }
  policy.method = "seal";
  std::vector<shroud::Action> actions =
      shroud::plan_actions(redacted.ok() ? redacted->regions : std::vector<shroud::Region>{}, original.size(), policy);
  cv::Mat to_seal = original.clone();
  shroud::KeySource source;
  source.keyset = &*keyset;
  auto sealed = shroud::seal_image_file(to_seal, actions, shroud::SealFileOptions{}, source);
  check(sealed.ok(), "seal_image_file: " + (sealed.ok() ? std::string() : sealed.error().message));
  if (sealed.ok()) {
    auto recovered = shroud::recover_image_file(sealed->image, std::nullopt, *keyset);
    check(recovered.ok(), "recover_image_file: " + (recovered.ok() ? std::string() : recovered.error().message));
    if (recovered.ok()) check(same_pixels(recovered->image, original), "C++ seal round trip is not exact");
    std::printf("C++ seal: %zu region(s), %zu bytes, recovered exactly\n", sealed->regions.size(), sealed->image.size());
  }

  // 3. The same through the C API, on encoded bytes (PNG output keeps everything exact).
  auto bytes = shroud::read_file(photo);
  if (!bytes.ok()) return 2;
  const std::string json = "{\"method\": \"seal\", \"kinds\": [\"face\"], \"format\": \"png\", \"keyset\": \"" + keys + "\"}";
  shroud_engine* engine = nullptr;
  char* err = nullptr;
  if (shroud_engine_create(json.c_str(), &engine, &err) != SHROUD_OK) {
    std::fprintf(stderr, "shroud_engine_create: %s\n", err != nullptr ? err : "");
    shroud_free(err);
    return 1;
  }
  std::uint8_t* out = nullptr;
  std::size_t out_n = 0;
  shroud_status s = shroud_protect_encoded(engine, bytes->data(), bytes->size(), &out, &out_n, nullptr, nullptr);
  check(s == SHROUD_OK, std::string("shroud_protect_encoded: ") + shroud_engine_last_error(engine));
  std::uint8_t* rec = nullptr;
  std::size_t rec_n = 0;
  if (s == SHROUD_OK) {
    s = shroud_recover_encoded(engine, out, out_n, nullptr, 0, &rec, &rec_n);
    check(s == SHROUD_OK, std::string("shroud_recover_encoded: ") + shroud_engine_last_error(engine));
  }
  if (s == SHROUD_OK) {
    auto decoded = shroud::decode_image(std::vector<std::uint8_t>(rec, rec + rec_n));
    check(decoded.ok() && same_pixels(decoded->pixels, original), "C API encoded round trip is not exact");
    auto sealed_pixels = shroud::decode_image(std::vector<std::uint8_t>(out, out + out_n));
    check(sealed_pixels.ok() && !same_pixels(sealed_pixels->pixels, original), "C API seal changed nothing");
    std::printf("C API seal: %zu bytes sealed PNG, recovered exactly\n", out_n);
  }
  shroud_free(out);
  shroud_free(rec);
  shroud_engine_destroy(engine);
  if (failures != 0) {
    std::fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  std::printf("all C++ checks passed\n");
  return 0;
}
