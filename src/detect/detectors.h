// Internal: factories of the built-in detectors, listed in registry.cc.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "shroud/detector.h"
#include "shroud/result.h"

namespace shroud {

Result<std::unique_ptr<Detector>> make_cascade_detector(const DetectorOptions& options);
Result<std::unique_ptr<Detector>> make_manual_detector(const DetectorOptions& options);
Result<std::unique_ptr<Detector>> make_zones_detector(const DetectorOptions& options);
Result<std::unique_ptr<Detector>> make_frames_detector(const DetectorOptions& options);

Result<std::unique_ptr<Detector>> make_yunet_detector(const DetectorOptions& options);
// Frames a YuNet detector has detected only where they changed since its reference frame (the
// video change gate, yunet.cc); 0 for any other detector. For tests.
std::int64_t yunet_gated_frames(const Detector& detector);
Result<std::unique_ptr<Detector>> make_yolox_detector(const DetectorOptions& options);
Result<std::unique_ptr<Detector>> make_ultraface_detector(const DetectorOptions& options);
Result<std::unique_ptr<Detector>> make_lpd_yunet_detector(const DetectorOptions& options);
Result<std::unique_ptr<Detector>> make_text_detector(const DetectorOptions& options);

// Model file names looked up through DetectorOptions::models.
inline constexpr const char* kYunetModel = "face_detection_yunet_2022mar.onnx";
inline constexpr const char* kYoloxModel = "yolox_nano.onnx";
inline constexpr const char* kUltrafaceModel = "ultraface_version-RFB-320_simplified.onnx";
inline constexpr const char* kLpdYunetModel = "license_plate_detection_lpd_yunet_2023mar.onnx";
inline constexpr const char* kPpocrDetModel = "ch_PP-OCRv3_det_infer.onnx";

// Any supported frame layout (8/16-bit, 1/3/4 channels) as 8-bit BGR (prep.cc).
cv::Mat to_bgr8(const cv::Mat& image);
// Factor that brings the longest side of `size` to `detect_size`, at most `max_upscale`.
double detection_scale(cv::Size size, int detect_size, double max_upscale);
// A box found in the detection input (the frame scaled by `scale`) in frame pixels: the corners
// divided by `scale` and rounded outwards, clipped to `frame` (prep.cc).
cv::Rect unscale_box(const cv::Rect2d& box, double scale, const cv::Rect& frame);
// A model by file name through `models`, or by path when `file` contains '/'; kNotFound names
// the file and scripts/fetch-models.
Result<std::filesystem::path> find_model(const ModelLocator& models, const std::string& file);
// "a+b+c" -> {"a", "b", "c"}: the option words after "name:" of the DNN detectors.
std::vector<std::string> split_args(const std::string& arg);

Result<std::filesystem::path> find_cascade(const std::string& file);

}  // namespace shroud
