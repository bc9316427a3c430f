// Detector evaluation: recall and precision of a detector against labelled boxes.
//
// Contract: a labelled box counts as found when a detection of the data set's kind overlaps it
// with IoU >= min_iou, matching greedily one-to-one in order of decreasing IoU (each detection
// matches at most one label and vice versa). Detections of other kinds are ignored (a face set
// does not count plates as false positives). recall = matched / labelled boxes, precision =
// matched / detections of the kind. The detector never sees the labels.
//
// Data sets (see ../shared/data/SOURCES.md):
//  - dlib "imglab" XML (<image file='..'><box top= left= width= height= [ignore='1']/></image>),
//    e.g. faces/dlib_examples_faces/{training,testing}.xml;
//  - openalpr benchmark text files, one per image, TAB-separated "file x y w h text" lines, e.g.
//    plates/openalpr_benchmarks/endtoend/{eu,us,br}/*.txt.
#pragma once

#include <opencv2/core.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "shroud/detector.h"
#include "shroud/region.h"
#include "shroud/result.h"

namespace shroud {

struct LabeledImage {
  std::filesystem::path path;          // image file
  std::vector<cv::Rect> boxes;         // labelled boxes
  std::vector<std::string> texts;      // per box, plate text when known (else empty)
  cv::Mat image;                       // generated sets: the pixels (then `path` is only a name)
};

struct Dataset {
  std::string name;                    // e.g. "faces-dlib", "plates-eu"
  Kind kind = Kind::kFace;             // detections of this kind are scored
  std::vector<LabeledImage> images;
};

// Parses a dlib imglab XML document; image paths are resolved against `base_dir`. Boxes marked
// ignore='1' are left out. Malformed documents (missing attribute, bad number, negative size,
// unterminated tag) are kInvalidArgument errors naming the problem.
Result<std::vector<LabeledImage>> parse_dlib_xml(const std::string& text, const std::filesystem::path& base_dir);

// Parses one openalpr annotation file (one or more "file\tx\ty\tw\th\ttext" lines).
Result<LabeledImage> parse_openalpr_txt(const std::string& text, const std::filesystem::path& base_dir);

// dlib faces: every *.xml in `dir` merged (a file listed twice keeps its boxes once per file).
Result<Dataset> load_dlib_dataset(const std::filesystem::path& dir, const std::string& name);
// openalpr plates: every *.txt in `dir`, sorted by name.
Result<Dataset> load_openalpr_dataset(const std::filesystem::path& dir, const std::string& name);

// faces-small: composites of the dlib faces (from `dlib_dir`) resized to 16-128 pixels and pasted
// into face-free sample photos (OpenCV / scikit-image) at 720p, 1080p and 4K; generated
// deterministically in memory (composite.cc describes the recipe). kNotFound without the faces
// or the background photos.
Result<Dataset> make_small_faces_dataset(const std::filesystem::path& dlib_dir, const std::string& name);

// text-rendered: lines of sign-like text drawn with OpenCV's Hershey fonts at cap heights of
// 10-48 px into face-free sample photos at 720p and 1080p, labelled with their ink boxes;
// generated deterministically in memory (text_composite.cc). kNotFound without the photos.
Result<Dataset> make_rendered_text_dataset(const std::string& name);

// The standard sets under a data folder laid out like ../shared/data: faces-dlib
// (faces/dlib_examples_faces), faces-small (generated from it, see above), plates-eu, plates-us, plates-br
// (plates/openalpr_benchmarks/endtoend/{eu,us,br}). Missing sets are skipped; none found is
// kNotFound. `only` selects sets by name (empty: all of these). text-rendered (above) is loaded
// only when `only` names it.
Result<std::vector<Dataset>> load_standard_datasets(const std::filesystem::path& data_dir,
                                                    const std::vector<std::string>& only = {});

// The data folder used when none is given: $SHROUD_DATA, ../shared/data (from the working
// directory) or <source>/../shared/data, the first that exists (empty path when none).
std::filesystem::path default_data_dir();

struct MatchCounts {
  int labelled = 0;
  int detected = 0;
  int matched = 0;
  double recall() const { return labelled > 0 ? static_cast<double>(matched) / labelled : 1.0; }
  double precision() const { return detected > 0 ? static_cast<double>(matched) / detected : 1.0; }
  MatchCounts& operator+=(const MatchCounts& o) {
    labelled += o.labelled;
    detected += o.detected;
    matched += o.matched;
    return *this;
  }
};

// Greedy one-to-one matching by IoU (highest first; ties by label then detection order).
// match_labels returns, per labelled box, whether it was matched.
std::vector<bool> match_labels(const std::vector<cv::Rect>& labelled, const std::vector<cv::Rect>& detected,
                               double min_iou);
MatchCounts match_boxes(const std::vector<cv::Rect>& labelled, const std::vector<cv::Rect>& detected,
                        double min_iou);

// Recall of the labelled boxes whose width lies in [min_width, max_width) (max_width 0: no bound).
struct SizeBand {
  int min_width = 0;
  int max_width = 0;
  int labelled = 0;
  int matched = 0;
  double recall() const { return labelled > 0 ? static_cast<double>(matched) / labelled : 1.0; }
};

// The bands reported for face sets: <16, 16-24, 24-32, 32-48, 48-96, >=96 pixels wide.
std::vector<SizeBand> face_size_bands();

struct EvalResult {
  std::string dataset;
  Kind kind = Kind::kFace;
  int images = 0;
  MatchCounts counts;
  double seconds = 0.0;                // total detection time (wall clock)
  std::vector<std::string> missed;     // images with at least one unmatched label
  std::vector<SizeBand> bands;         // recall by labelled box width (face sets)
  MatchCounts at_least_24;             // labels >= 24 px wide (the small-face target)
};

// Runs `detector` over every image of `dataset` and scores it.
Result<EvalResult> evaluate(Detector& detector, const Dataset& dataset, double min_iou);

}  // namespace shroud
