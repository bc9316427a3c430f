// Helpers shared by the tests: paths to sample data and temporary folders.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>

#include <opencv2/core.hpp>

namespace shroud::testing {

// The source and build trees (tests/test_paths.cc, the only file compiled with their paths, so
// every other test object is the same in every checkout and ccache shares it).
std::filesystem::path source_dir();
std::filesystem::path binary_dir();
inline std::filesystem::path shared_dir() { return source_dir() / ".." / "shared"; }
inline std::filesystem::path opencv_samples() { return "/usr/share/doc/opencv-doc/examples/data"; }

// Skips the test (with a message) when `path` is missing.
#define SHROUD_REQUIRE_FILE(path)                                              \
  do {                                                                         \
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "missing " << (path); \
  } while (0)

// A fresh temporary folder removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("shroud-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Deterministic random image of the given type.
inline cv::Mat random_image(int rows, int cols, int type, std::uint64_t seed = 1) {
  cv::Mat m(rows, cols, type);
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, 0, CV_MAT_DEPTH(type) == CV_16U ? 65536 : 256);
  return m;
}

// True when two images have the same size, type and every pixel value.
inline bool mats_equal(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return false;
  cv::Mat d;
  cv::compare(a.reshape(1), b.reshape(1), d, cv::CMP_NE);
  return cv::countNonZero(d) == 0;
}

}  // namespace shroud::testing
