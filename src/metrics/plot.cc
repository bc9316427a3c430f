// Histogram and adjacent-pixel scatter plots drawn with OpenCV (axes, ticks, titles, legend).
#include "shroud/plot.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <random>

namespace shroud {
namespace {

const cv::Scalar kWhite(255, 255, 255), kBlack(0, 0, 0), kGrid(228, 228, 228), kText(40, 40, 40);
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr double kTickScale = 0.42, kLabelScale = 0.5, kTitleScale = 0.6;

struct Series {
  std::string name;
  cv::Scalar color;
};

std::vector<Series> channel_series(int channels) {
  if (channels == 1) return {{"grey", cv::Scalar(70, 70, 70)}};
  std::vector<Series> s = {{"blue", cv::Scalar(205, 95, 20)},
                           {"green", cv::Scalar(40, 150, 40)},
                           {"red", cv::Scalar(40, 40, 215)},
                           {"alpha", cv::Scalar(150, 60, 150)}};
  if (channels == 2) return {{"channel 0", s[0].color}, {"channel 1", s[2].color}};
  s.resize(channels);
  return s;
}

// Text anchored at `at`: halign 0 left, 1 centre, 2 right; valign 0 top, 1 middle, 2 baseline.
void text(cv::Mat& img, const std::string& s, cv::Point at, double scale, int halign, int valign,
          const cv::Scalar& color = kText, int thickness = 1) {
  int base = 0;
  const cv::Size sz = cv::getTextSize(s, kFont, scale, thickness, &base);
  cv::Point org = at;
  if (halign == 1) org.x -= sz.width / 2;
  if (halign == 2) org.x -= sz.width;
  if (valign == 0) org.y += sz.height;
  if (valign == 1) org.y += sz.height / 2;
  cv::putText(img, s, org, kFont, scale, color, thickness, cv::LINE_AA);
}

// Text rotated 90 degrees counter-clockwise, centred on `centre` (y-axis titles).
void vertical_text(cv::Mat& img, const std::string& s, cv::Point centre, double scale) {
  int base = 0;
  const cv::Size sz = cv::getTextSize(s, kFont, scale, 1, &base);
  cv::Mat tmp(sz.height + base + 4, sz.width + 4, CV_8UC3, kWhite);
  cv::putText(tmp, s, cv::Point(2, sz.height + 2), kFont, scale, kText, 1, cv::LINE_AA);
  cv::Mat rot;
  cv::rotate(tmp, rot, cv::ROTATE_90_COUNTERCLOCKWISE);
  cv::Rect dst(centre.x - rot.cols / 2, centre.y - rot.rows / 2, rot.cols, rot.rows);
  dst &= cv::Rect(0, 0, img.cols, img.rows);
  if (dst.empty()) return;
  rot(cv::Rect(dst.x - (centre.x - rot.cols / 2), dst.y - (centre.y - rot.rows / 2), dst.width, dst.height))
      .copyTo(img(dst));
}

// Round tick step giving about `target` intervals over [0, max].
double nice_step(double max, int target) {
  if (max <= 0) return 1.0;
  const double raw = max / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * mag >= raw) return m * mag;
  }
  return 10.0 * mag;
}

std::string tick_label(double v) {
  if (std::abs(v) >= 10000) {
    const double k = v / 1000.0;
    return (std::abs(k - std::round(k)) < 1e-9 ? std::to_string(static_cast<long long>(std::llround(k)))
                                               : cv::format("%.1f", k)) + "k";
  }
  if (std::abs(v - std::round(v)) < 1e-9) return std::to_string(static_cast<long long>(std::llround(v)));
  return cv::format("%.2f", v);
}

// A panel with a plotting area mapped to [x0, x1] x [y0, y1].
struct Axes {
  cv::Rect area;
  double x0, x1, y0, y1;
  cv::Point2d map(double x, double y) const {
    return {area.x + (x - x0) / (x1 - x0) * (area.width - 1),
            area.y + area.height - 1 - (y - y0) / (y1 - y0) * (area.height - 1)};
  }
  cv::Point px(double x, double y) const {
    const cv::Point2d p = map(x, y);
    return {static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y))};
  }
};

// Draws grid, frame, ticks with labels and the three titles; returns the axes.
// `square`: the plotting area is square (left-aligned), leaving room on the right for the legend.
// The last tick is `xmax`/`ymax` itself when it is not a multiple of the step (255, 65535).
Axes draw_frame(cv::Mat& panel, const std::string& title, const std::string& xlabel, const std::string& ylabel,
                double xmax, double xstep, double ymax, double ystep, bool square = false,
                bool x_ticks = true) {
  const int left = 78, right = 18, top = 40, bottom = 58;
  int w = panel.cols - left - right;
  const int h = panel.rows - top - bottom;
  if (square) w = std::min(w, h);
  Axes ax{cv::Rect(left, top, w, h), 0.0, xmax, 0.0, ymax};
  auto ticks = [](double max, double step) {
    std::vector<double> t;
    for (double v = 0; v <= max + 1e-9; v += step) t.push_back(v);
    if (max - t.back() > step * 0.3) t.push_back(max);
    return t;
  };
  text(panel, title, cv::Point(panel.cols / 2, 12), kTitleScale, 1, 0, kBlack, 1);
  for (double x : x_ticks ? ticks(xmax, xstep) : std::vector<double>{}) {
    const cv::Point p = ax.px(x, 0);
    cv::line(panel, cv::Point(p.x, ax.area.y), cv::Point(p.x, ax.area.y + ax.area.height - 1), kGrid, 1);
    cv::line(panel, p, p + cv::Point(0, 5), kBlack, 1);
    text(panel, tick_label(x), p + cv::Point(0, 9), kTickScale, 1, 0);
  }
  for (double y : ticks(ymax, ystep)) {
    const cv::Point p = ax.px(0, y);
    cv::line(panel, cv::Point(ax.area.x, p.y), cv::Point(ax.area.x + ax.area.width - 1, p.y), kGrid, 1);
    cv::line(panel, p, p - cv::Point(5, 0), kBlack, 1);
    text(panel, tick_label(y), p - cv::Point(8, 0), kTickScale, 2, 1);
  }
  cv::rectangle(panel, ax.area, kBlack, 1);
  text(panel, xlabel, cv::Point(ax.area.x + ax.area.width / 2, panel.rows - 8), kLabelScale, 1, 2);
  vertical_text(panel, ylabel, cv::Point(16, ax.area.y + ax.area.height / 2), kLabelScale);
  return ax;
}

// Legend in the top-right corner of the plotting area (or just right of it): a swatch (line or
// dot) and a label per series.
void draw_legend(cv::Mat& panel, const Axes& ax, const std::vector<Series>& series,
                 const std::vector<std::string>& labels, bool dots, bool outside = false) {
  int width = 0, base = 0;
  for (const auto& l : labels) width = std::max(width, cv::getTextSize(l, kFont, kTickScale, 1, &base).width);
  const int row = 18, pad = 8, swatch = 22;
  const int box_w = width + swatch + 3 * pad;
  const cv::Rect box(outside ? ax.area.x + ax.area.width + 10 : ax.area.x + ax.area.width - box_w - 8,
                     outside ? ax.area.y : ax.area.y + 8, box_w, static_cast<int>(labels.size()) * row + pad);
  cv::rectangle(panel, box, kWhite, cv::FILLED);
  cv::rectangle(panel, box, cv::Scalar(150, 150, 150), 1);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const int y = box.y + pad / 2 + static_cast<int>(i) * row + row / 2;
    const cv::Point a(box.x + pad, y), b(box.x + pad + swatch, y);
    if (dots) cv::circle(panel, (a + b) / 2, 3, series[i].color, cv::FILLED, cv::LINE_AA);
    else cv::line(panel, a, b, series[i].color, 2, cv::LINE_AA);
    text(panel, labels[i], cv::Point(b.x + pad, y), kTickScale, 0, 1);
  }
}

cv::Mat compose(const std::vector<cv::Mat>& panels, const PlotOptions& o) {
  const int cols = std::max(1, std::min(o.columns, static_cast<int>(panels.size())));
  const int rows = (static_cast<int>(panels.size()) + cols - 1) / cols;
  const int head = o.title.empty() ? 0 : 36;
  cv::Mat fig(head + rows * o.panel_height, cols * o.panel_width, CV_8UC3, kWhite);
  if (head > 0) text(fig, o.title, cv::Point(fig.cols / 2, 10), 0.7, 1, 0, kBlack, 2);
  for (std::size_t i = 0; i < panels.size(); ++i) {
    const int r = static_cast<int>(i) / cols, c = static_cast<int>(i) % cols;
    panels[i].copyTo(fig(cv::Rect(c * o.panel_width, head + r * o.panel_height, o.panel_width, o.panel_height)));
  }
  return fig;
}

Status check_plot_input(const std::vector<std::pair<std::string, cv::Mat>>& images, const PlotOptions& o) {
  if (images.empty()) return make_error(ErrorCode::kInvalidArgument, "nothing to plot");
  if (o.panel_width < 240 || o.panel_height < 200 || o.panel_width > 4000 || o.panel_height > 4000 ||
      o.columns < 1) {
    return make_error(ErrorCode::kInvalidArgument, "plot panels must be 240x200 to 4000x4000, columns >= 1");
  }
  for (const auto& [name, img] : images) {
    auto st = check_metric_image(img);
    if (!st.ok()) return make_error(st.error().code, "'" + name + "': " + st.error().message);
  }
  return ok_status();
}

}  // namespace

Result<cv::Mat> plot_histograms(const std::vector<std::pair<std::string, cv::Mat>>& images,
                                const PlotOptions& options) {
  SHROUD_RETURN_IF_ERROR(check_plot_input(images, options));
  try {
    std::vector<cv::Mat> panels;
    for (const auto& [name, img] : images) {
      SHROUD_ASSIGN_OR_RETURN(auto hist, histograms(img, 256));
      std::int64_t top = 1;
      for (const auto& h : hist) top = std::max(top, *std::max_element(h.begin(), h.end()));
      // Headroom above the highest bin keeps the legend off the curves.
      const double ystep = nice_step(static_cast<double>(top) * 1.3, 5);
      const double ymax = std::ceil(static_cast<double>(top) * 1.3 / ystep) * ystep;
      const bool deep = img.depth() == CV_16U;
      const double xmax = deep ? 65536.0 : 256.0, bin = xmax / 256.0;
      cv::Mat panel(options.panel_height, options.panel_width, CV_8UC3, kWhite);
      const Axes ax = draw_frame(panel, name, deep ? "pixel value (16-bit, 256 bins)" : "pixel value",
                                 deep ? "pixels per bin" : "pixels per value", xmax, deep ? 16384.0 : 32.0, ymax, ystep);
      const auto series = channel_series(img.channels());
      for (std::size_t c = 0; c < hist.size(); ++c) {
        // Step outline: each bin is a flat segment of its count.
        std::vector<cv::Point> pts;
        for (int i = 0; i < 256; ++i) {
          const double v = static_cast<double>(hist[c][i]);
          pts.push_back(ax.px(i * bin, v));
          pts.push_back(ax.px((i + 1) * bin, v));
        }
        cv::polylines(panel, pts, false, series[c].color, 1, cv::LINE_AA);
      }
      std::vector<std::string> labels;
      for (const auto& s : series) labels.push_back(s.name + " channel");
      draw_legend(panel, ax, series, labels, false);
      panels.push_back(panel);
    }
    return compose(panels, options);
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kInternal, std::string("histogram plot: ") + e.what());
  }
}

Result<cv::Mat> plot_adjacent_scatter(const std::vector<std::pair<std::string, cv::Mat>>& images,
                                      Adjacency direction, const ScatterOptions& options) {
  SHROUD_RETURN_IF_ERROR(check_plot_input(images, options.plot));
  if (options.samples < 1 || options.samples > 1'000'000) {
    return make_error(ErrorCode::kInvalidArgument, "scatter samples must be 1 to 1000000");
  }
  const int dx = direction == Adjacency::kVertical ? 0 : 1;
  const int dy = direction == Adjacency::kHorizontal ? 0 : 1;
  const char* neighbour = dx == 1 && dy == 0 ? "(x+1, y)" : dx == 0 ? "(x, y+1)" : "(x+1, y+1)";
  try {
    std::vector<cv::Mat> panels;
    for (const auto& [name, img] : images) {
      if (img.cols <= dx || img.rows <= dy) {
        return make_error(ErrorCode::kInvalidArgument, "'" + name + "' is too small for a scatter plot");
      }
      SHROUD_ASSIGN_OR_RETURN(auto corr, adjacent_correlation(img, direction));
      const bool deep = img.depth() == CV_16U;
      const double vmax = deep ? 65535.0 : 255.0;
      cv::Mat f;
      img.convertTo(f, CV_64F);
      cv::Mat panel(options.plot.panel_height, options.plot.panel_width, CV_8UC3, kWhite);
      const Axes ax = draw_frame(panel, std::string(name) + " (" + adjacency_name(direction) + ")",
                                 "pixel value at (x, y)", std::string("value at ") + neighbour, vmax,
                                 deep ? 16384.0 : 32.0, vmax, deep ? 16384.0 : 32.0, true);
      const auto series = channel_series(img.channels());
      std::mt19937_64 rng(options.seed);
      std::uniform_int_distribution<int> rx(0, img.cols - 1 - dx), ry(0, img.rows - 1 - dy);
      const int ch = img.channels();
      for (int c = 0; c < ch; ++c) {
        for (int i = 0; i < options.samples; ++i) {
          const int x = rx(rng), y = ry(rng);
          const double u = f.ptr<double>(y)[x * ch + c], v = f.ptr<double>(y + dy)[(x + dx) * ch + c];
          cv::circle(panel, ax.px(u, v), 1, series[c].color, cv::FILLED, cv::LINE_AA);
        }
      }
      std::vector<std::string> labels;
      for (int c = 0; c < ch; ++c) {
        labels.push_back(series[c].name + std::string(": r = ") +
                         (std::isnan(corr[c]) ? std::string("n/a") : cv::format("%.4f", corr[c])));
      }
      // Beside the square plot: noise-like images leave no empty corner inside it.
      draw_legend(panel, ax, series, labels, true, true);
      panels.push_back(panel);
    }
    return compose(panels, options.plot);
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kInternal, std::string("scatter plot: ") + e.what());
  }
}

Result<cv::Mat> plot_grouped_bars(const std::string& title, const std::string& xlabel, const std::string& ylabel,
                                  const std::vector<std::string>& categories, const std::vector<BarSeries>& series,
                                  const std::string& value_format, const PlotOptions& options) {
  if (categories.empty() || series.empty()) return make_error(ErrorCode::kInvalidArgument, "bar chart: nothing to plot");
  if (series.size() > 8) return make_error(ErrorCode::kInvalidArgument, "bar chart: at most 8 series");
  if (options.panel_width < 240 || options.panel_height < 200 || options.panel_width > 4000 ||
      options.panel_height > 4000) {
    return make_error(ErrorCode::kInvalidArgument, "plot panels must be 240x200 to 4000x4000");
  }
  double top = 0.0;
  for (const auto& s : series) {
    if (s.values.size() != categories.size()) {
      return make_error(ErrorCode::kInvalidArgument, "bar chart: series '" + s.name + "' needs one value per category");
    }
    for (double v : s.values) {
      if (!std::isfinite(v) || v < 0) return make_error(ErrorCode::kInvalidArgument, "bar chart: values must be finite and >= 0");
      top = std::max(top, v);
    }
  }
  static const cv::Scalar kPalette[] = {{205, 95, 20}, {40, 130, 230}, {40, 150, 40},  {40, 40, 215},
                                        {150, 60, 150}, {120, 120, 120}, {30, 170, 190}, {180, 120, 60}};
  try {
    if (top <= 0) top = 1.0;
    const double ystep = nice_step(top * 1.3, 5);
    const double ymax = std::ceil(top * 1.3 / ystep) * ystep;
    const int groups = static_cast<int>(categories.size());
    cv::Mat panel(options.panel_height, options.panel_width, CV_8UC3, kWhite);
    // x runs over [0, groups]; group g occupies [g, g + 1], labelled with its category name.
    const Axes ax = draw_frame(panel, title, xlabel, ylabel, groups, 1.0, ymax, ystep, false, false);
    cv::line(panel, ax.px(0, 0), ax.px(groups, 0), kBlack, 1);
    const double gap = 0.2, width = (1.0 - gap) / static_cast<double>(series.size());
    std::vector<Series> legend;
    std::vector<std::string> labels;
    for (std::size_t s = 0; s < series.size(); ++s) {
      legend.push_back({series[s].name, kPalette[s]});
      labels.push_back(series[s].name);
      for (int g = 0; g < groups; ++g) {
        const double x0 = g + gap / 2 + width * static_cast<double>(s), v = series[s].values[g];
        const cv::Point a = ax.px(x0, v), b = ax.px(x0 + width, 0);
        cv::rectangle(panel, cv::Rect(a, b), kPalette[s], cv::FILLED);
        text(panel, cv::format(value_format.c_str(), v), cv::Point((a.x + b.x) / 2, a.y - 4), 0.32, 1, 2);
      }
    }
    for (int g = 0; g < groups; ++g) {
      text(panel, categories[g], ax.px(g + 0.5, 0) + cv::Point(0, 9), kTickScale, 1, 0);
    }
    draw_legend(panel, ax, legend, labels, false);
    PlotOptions one = options;
    one.title.clear();
    return compose({panel}, one);
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kInternal, std::string("bar chart: ") + e.what());
  }
}

}  // namespace shroud
