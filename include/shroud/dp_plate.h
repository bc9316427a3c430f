// Differentially private licence plates (GAN+DP paper, section 4a of docs/schemes.md).
//
// A plate's text is mapped symbol by symbol into per-position alphabets, each symbol is
// privatized (dp.h), and the synthetic text is rendered in the plate's style and swapped into
// the image. Styles are data (alphabets per position class), not code paths:
//   cn: position 0 province (31, ordered by distance from Beijing: the paper's Table A1),
//       position 1 letter (24: A-Z without I and O), others digits + letters (34, codes 00-33);
//   eu, us: each digit stays a digit (10), each letter a letter (26); other symbols are kept.
// Plate text comes from the regions file (`text`), or from any Detector that fills Region::text
// (an OCR plugs in there).
#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <vector>

#include "shroud/dp.h"
#include "shroud/result.h"

namespace shroud::dp {

struct PlateStyle {
  std::string name;   // cn, eu, us
  // Per position class, the symbols (UTF-8) in code order.
  std::vector<std::string> province, letter, alnum, digit;
};

const PlateStyle& plate_style(const std::string& name);  // unknown names give eu
// "auto": cn when the first symbol is a CJK character, else eu.
Result<std::string> resolve_plate_style(const std::string& requested, const std::string& text);

// UTF-8 text -> code points as strings (malformed UTF-8 is kInvalidArgument).
Result<std::vector<std::string>> split_symbols(const std::string& text);

struct PlateAccounting {
  double nominal = 0.0;  // sum of the per-symbol nominal epsilons
  double actual = 0.0;   // sum of the per-symbol true epsilons (paper mechanism: much larger)
  int symbols = 0;       // symbols privatized (separators are not)
};

// Alphabet of each position of `text` under `style` (empty for separators kept as they are).
Result<std::vector<const std::vector<std::string>*>> plate_alphabets(const std::vector<std::string>& symbols,
                                                                    const PlateStyle& style);

// Epsilon spent on a plate (composition over its symbols).
Result<PlateAccounting> plate_epsilon(const std::string& text, const std::string& style, double epsilon,
                                      Mechanism mechanism);

// Draws a synthetic plate text.
Result<std::string> privatize_plate(const std::string& text, const std::string& style, double epsilon,
                                    Mechanism mechanism, SecureRandom& rng);

// Levenshtein distance between two texts, counted in symbols (code points).
int edit_distance(const std::string& a, const std::string& b);

// Renders `text` as a plate of `size` in the style (BGR 8-bit). Fonts: Noto Sans CJK (Debian
// fonts-noto-cjk) for cn, DejaVu Sans Bold otherwise; $SHROUD_FONT overrides.
Result<cv::Mat> render_plate(const std::string& text, const std::string& style, cv::Size size);

}  // namespace shroud::dp
