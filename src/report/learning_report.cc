// Learning on cipher images: reads scripts/learning_experiment.py's JSON and presents it
// (learning_report.h).
#include "shroud/learning_report.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>

#include "shroud/image_io.h"
#include "shroud/plot.h"

namespace shroud {
namespace {

constexpr std::int64_t kMaxJsonBytes = 1 << 20;
constexpr std::size_t kMaxRows = 64;
constexpr std::size_t kMaxString = 4096;

Error corrupt(const std::string& file, const std::string& what) {
  return make_error(ErrorCode::kCorrupt, file + ": " + what + " (expected the learning.json of "
                                                               "scripts/learning_experiment.py)");
}

// The paper (Ahmad and Shin), section III and Table II, as its text states the results.
struct PaperFinding {
  const char* cipher;
  const char* finding;
  const char* ours;   // our row(s) for the same cipher
};
const PaperFinding kPaperTable2[] = {
    {"plain", "baseline", "plain"},
    {"LE (Tanaka)", "comparable to plain", "- (not implemented)"},
    {"ELE (Madono et al., block-wise scrambling)", "the worst of the four",
     "closest: block-scramble (but a permutation per image, see below)"},
    {"PBE (Sirichotedumrong et al.)", "comparable to plain", "pbe, one key"},
    {"proposed (Ahmad-Shin)", "2 points below plain on CIFAR-10, 5 points on CIFAR-100", "perceptual, one key"},
};

}  // namespace

Result<LearningResults> read_learning_results(const std::string& path) {
  std::filesystem::path p(path);
  std::error_code ec;
  if (std::filesystem::is_directory(p, ec)) p /= "learning.json";
  const std::string file = p.string();
  if (!std::filesystem::exists(p, ec)) {
    return make_error(ErrorCode::kNotFound, file + " does not exist (run scripts/learning_experiment.py -o DIR first; "
                                                   "docs/learning.md)");
  }
  SHROUD_ASSIGN_OR_RETURN(auto bytes, read_file(file, kMaxJsonBytes));
  const auto j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return corrupt(file, "not a JSON object");
  if (!j.contains("setting") || !j["setting"].is_object()) return corrupt(file, "no \"setting\" object");
  if (!j.contains("results") || !j["results"].is_array()) return corrupt(file, "no \"results\" array");
  const auto& s = j["setting"];
  LearningResults out;
  out.source = file;

  auto str = [&](const nlohmann::json& o, const char* key, std::string* dst, bool required) -> Status {
    if (!o.contains(key)) {
      return required ? Status(corrupt(file, fmt::format("missing \"{}\"", key))) : ok_status();
    }
    if (!o[key].is_string() || o[key].get_ref<const std::string&>().size() > kMaxString) {
      return corrupt(file, fmt::format("\"{}\" must be a string of at most {} bytes", key, kMaxString));
    }
    *dst = o[key].get<std::string>();
    return ok_status();
  };
  auto count = [&](const char* key, int* dst, int min) -> Status {
    if (!s.contains(key) || !s[key].is_number_integer()) return corrupt(file, fmt::format("\"{}\" must be an integer", key));
    const auto v = s[key].get<std::int64_t>();
    if (v < min || v > 100000000) return corrupt(file, fmt::format("\"{}\" = {} is out of range", key, v));
    *dst = static_cast<int>(v);
    return ok_status();
  };
  SHROUD_RETURN_IF_ERROR(str(s, "data", &out.data, true));
  SHROUD_RETURN_IF_ERROR(str(s, "image_size", &out.image_size, true));
  SHROUD_RETURN_IF_ERROR(str(s, "model", &out.model, true));
  SHROUD_RETURN_IF_ERROR(str(s, "torch", &out.torch_version, false));
  SHROUD_RETURN_IF_ERROR(str(s, "shroud", &out.shroud_version, false));
  SHROUD_RETURN_IF_ERROR(str(s, "command", &out.command, false));
  SHROUD_RETURN_IF_ERROR(count("images", &out.images, 1));
  SHROUD_RETURN_IF_ERROR(count("train", &out.train, 1));
  SHROUD_RETURN_IF_ERROR(count("test", &out.test, 1));
  SHROUD_RETURN_IF_ERROR(count("epochs", &out.epochs, 1));
  SHROUD_RETURN_IF_ERROR(count("seed", &out.seed, 0));
  SHROUD_RETURN_IF_ERROR(count("threads", &out.threads, 1));
  if (s.contains("seconds")) {
    if (!s["seconds"].is_number() || !(s["seconds"].get<double>() >= 0)) return corrupt(file, "bad \"seconds\"");
    out.seconds = s["seconds"].get<double>();
  }
  const auto& rs = j["results"];
  if (rs.empty() || rs.size() > kMaxRows) return corrupt(file, fmt::format("\"results\" must hold 1..{} rows", kMaxRows));
  for (const auto& r : rs) {
    if (!r.is_object()) return corrupt(file, "a result row is not an object");
    LearningRow row;
    SHROUD_RETURN_IF_ERROR(str(r, "method", &row.method, true));
    SHROUD_RETURN_IF_ERROR(str(r, "label", &row.label, true));
    SHROUD_RETURN_IF_ERROR(str(r, "description", &row.description, false));
    for (auto [key, dst] : {std::pair{"test_accuracy", &row.test_accuracy}, {"train_accuracy", &row.train_accuracy}}) {
      if (!r.contains(key) || !r[key].is_number()) return corrupt(file, fmt::format("row \"{}\": no \"{}\"", row.method, key));
      const double v = r[key].get<double>();
      if (!(v >= 0.0 && v <= 1.0)) return corrupt(file, fmt::format("row \"{}\": \"{}\" = {} is not in [0, 1]", row.method, key, v));
      *dst = v;
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

std::string learning_markdown(const LearningResults& r, const std::string& plot_file) {
  std::string md = "## Perceptual encryption, Table II: learning on cipher images\n\n";
  md += "The same small CNN trained and tested on plain images and on images encrypted by Shroud (one key for "
        "the training and the test set, as in the paper, unless the row says otherwise). Measured by "
        "`scripts/learning_experiment.py` and read from `" + r.source + "`; docs/learning.md explains the "
        "setting and what the numbers mean for security.\n\n";
  const LearningRow* plain = nullptr;
  for (const auto& row : r.rows) {
    if (row.method == "plain") plain = &row;
  }
  md += "| images the CNN is trained and tested on | test accuracy | vs plain (points) | train accuracy |\n"
        "|---|---:|---:|---:|\n";
  for (const auto& row : r.rows) {
    const std::string diff = plain == nullptr || &row == plain
                                 ? ""
                                 : fmt::format("{:+.1f}", 100.0 * (row.test_accuracy - plain->test_accuracy));
    md += fmt::format("| {} | {:.1f}% | {} | {:.1f}% |\n", row.label, 100.0 * row.test_accuracy, diff,
                      100.0 * row.train_accuracy);
  }
  md += fmt::format("\nChance is 10%. Data: `{}`, {} images, {} train / {} test; {}. Model: {}; {} epochs, seed {}, "
                    "{} CPU thread(s){}{}{}.\n\n",
                    r.data, r.images, r.train, r.test, r.image_size, r.model, r.epochs, r.seed, r.threads,
                    r.torch_version.empty() ? "" : ", torch " + r.torch_version,
                    r.shroud_version.empty() ? "" : ", Shroud " + r.shroud_version,
                    r.seconds > 0 ? fmt::format(", {:.0f} s in all", r.seconds) : "");
  if (!r.command.empty()) md += "Command: `" + r.command + "`.\n\n";
  for (const auto& row : r.rows) {
    if (!row.description.empty()) md += "- **" + row.label + "**: " + row.description + "\n";
  }
  md += "\nThe paper (Ahmad and Shin; PyramidNet with ShakeDrop on CIFAR-10/100, 32x32 colour, 45k/5k/10k "
        "train/validation/test, one key for training and test). The text we have states Table II's findings, "
        "not its cells, so this column quotes the findings:\n\n";
  md += "| cipher | the paper's finding | Shroud's row |\n|---|---|---|\n";
  for (const auto& f : kPaperTable2) md += fmt::format("| {} | {} | {} |\n", f.cipher, f.finding, f.ours);
  md += "\nDifferences from the paper's setting: 10 classes of 20x20 grey handwritten digits (padded to 24x24 so "
        "that 4x4 and 8x8 blocks tile them, grey replicated to 3 channels, so the per-pixel channel shuffle of "
        "pbe/perceptual permutes equal values and has no effect) instead of CIFAR's colour photographs; a "
        "two-layer CNN for a few CPU minutes instead of PyramidNet; Shroud's block-scramble draws a fresh "
        "permutation per image (a random frame index), unlike the block-wise schemes' one key for the set.\n";
  if (!plot_file.empty()) md += "\n![test accuracy per cipher](" + plot_file + ")\n";
  return md + "\n";
}

Result<cv::Mat> learning_plot(const LearningResults& r) {
  std::vector<std::string> cats;
  std::vector<BarSeries> series{{"test accuracy (%)", {}}, {"train accuracy (%)", {}}};
  for (const auto& row : r.rows) {
    cats.push_back(row.label);
    series[0].values.push_back(100.0 * row.test_accuracy);
    series[1].values.push_back(100.0 * row.train_accuracy);
  }
  PlotOptions o;
  o.panel_width = std::max(900, 260 * static_cast<int>(cats.size()));
  o.panel_height = 480;
  return plot_grouped_bars(fmt::format("Perceptual encryption Table II on digits.png: the same CNN on cipher images "
                                       "(chance 10%)"),
                           "images the CNN is trained and tested on", "accuracy (%)", cats, series, "%.1f", o);
}

}  // namespace shroud
