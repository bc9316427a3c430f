// Shared core of pbe and perceptual: conditional XOR per colour sample and per-pixel channel
// shuffle (see pbe.h for the numbering).
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <vector>

#include "shroud/result.h"
#include "shroud/schemes/pbe.h"

namespace shroud::schemes::detail {

// Number of colour channels C (3 for 3/4-channel images, 1 for grey); kUnsupported for other
// types.
Result<int> pe_colour_channels(const cv::Mat& image);

// `sequence`: XOR value per sample (perceptual) or nullptr for all-ones (pbe).
Result<cv::Mat> pe_transform(const cv::Mat& image, const PeSeed& seed, bool shuffle,
                             const std::vector<std::uint32_t>* sequence, bool decrypt);

}  // namespace shroud::schemes::detail
