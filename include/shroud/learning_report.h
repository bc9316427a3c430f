// Learning on cipher images (the perceptual-encryption paper's Table II, docs/learning.md): the
// results of scripts/learning_experiment.py, read back so that `shroud report --learning DIR`
// puts them beside the paper's findings. The experiment itself is Python (PyTorch on CPU; the
// images are encrypted by the `shroud` module); the library only validates and presents the
// JSON it wrote, so a report never needs Python or torch.
#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <vector>

#include "shroud/result.h"

namespace shroud {

struct LearningRow {
  std::string method;        // "plain", "pbe", "perceptual", "block-scramble-4", "seal-fill", ...
  std::string label;         // table label, e.g. "perceptual, one key"
  std::string description;   // one sentence: key setting and what the network sees
  double test_accuracy = 0;  // fraction, 0..1
  double train_accuracy = 0;
};

struct LearningResults {
  std::string source;        // the JSON file read
  std::string data;          // e.g. "/usr/share/doc/opencv-doc/examples/data/digits.png"
  std::string image_size, model, torch_version, shroud_version, command;
  int images = 0, train = 0, test = 0, epochs = 0, seed = 0, threads = 0;
  double seconds = 0;        // wall time of the whole run (0 when not recorded)
  std::vector<LearningRow> rows;   // at least one; in the experiment's order
};

// Reads DIR/learning.json (or the file itself when `path` names a file). Every field is checked
// (types, accuracies in [0, 1], counts >= 1, a non-empty row list of at most 64 rows, strings
// of at most 4096 bytes); kNotFound when missing, kCorrupt when malformed. File size cap 1 MiB.
Result<LearningResults> read_learning_results(const std::string& path);

// The report section: our table beside the paper's Table II findings, the setting, the
// differences from the paper's setting, and a link to `plot_file` when it is not empty.
std::string learning_markdown(const LearningResults& results, const std::string& plot_file = "");

// Bar chart of the test accuracy per row, with chance (10%) in the title.
Result<cv::Mat> learning_plot(const LearningResults& results);

}  // namespace shroud
