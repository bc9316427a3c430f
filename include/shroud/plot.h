// Plots for reports: per-channel histograms and adjacent-pixel scatter plots, drawn with OpenCV
// into a BGR 8-bit image (write it with encode_image(..., "png") + write_file_atomic).
//
// Each image gets one panel (title = its label) with axes, tick labels, axis titles and a legend
// naming the channels (blue, green, red, alpha; grey for one channel). Panels are laid out in a
// grid, at most `columns` per row. 16-bit images are plotted on a 0..65535 axis.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "shroud/metrics.h"
#include "shroud/result.h"

namespace shroud {

struct PlotOptions {
  std::string title;           // figure title above the panels (none when empty)
  int panel_width = 560;       // pixels per panel
  int panel_height = 400;
  int columns = 3;             // panels per row
};

// Histogram of every channel (256 bins) of each image, one panel per image.
Result<cv::Mat> plot_histograms(const std::vector<std::pair<std::string, cv::Mat>>& images,
                                const PlotOptions& options = {});

struct ScatterOptions {
  PlotOptions plot;
  int samples = 3000;           // random pixel pairs per channel (the papers use 2000-5000)
  std::uint64_t seed = 1;       // sampling is deterministic for a given seed
};

// Scatter of pixel value against its neighbour in `direction` for randomly sampled pixels, one
// panel per image; the legend gives each channel's correlation over all pairs
// (adjacent_correlation).
Result<cv::Mat> plot_adjacent_scatter(const std::vector<std::pair<std::string, cv::Mat>>& images,
                                      Adjacency direction, const ScatterOptions& options = {});

// One named series of a bar chart: one value per category.
struct BarSeries {
  std::string name;
  std::vector<double> values;
};

// Grouped bar chart: categories along x (e.g. image sizes), one bar per series in each group, a
// legend naming the series and the value printed above each bar (`value_format`, printf style).
// Values must be finite and >= 0; every series needs one value per category.
Result<cv::Mat> plot_grouped_bars(const std::string& title, const std::string& xlabel, const std::string& ylabel,
                                  const std::vector<std::string>& categories, const std::vector<BarSeries>& series,
                                  const std::string& value_format = "%.2f", const PlotOptions& options = {});

}  // namespace shroud
