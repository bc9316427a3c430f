#include <algorithm>
#include <cctype>
#include <cmath>

#include "shroud/dp_plate.h"

namespace shroud::dp {
namespace {

std::vector<std::string> chars(const char* s) {
  std::vector<std::string> out;
  for (const char* p = s; *p; ++p) out.emplace_back(1, *p);
  return out;
}

PlateStyle make_cn() {
  PlateStyle s;
  s.name = "cn";
  // Table A1 of the GAN+DP paper: provinces sorted by distance to Beijing, codes 00..30. The
  // table names Shanxi twice: code 04 is Shanxi (晋), code 12 is Shaanxi (陕).
  s.province = {"京", "津", "冀", "鲁", "晋", "蒙", "豫", "辽", "苏", "吉", "宁", "皖", "陕", "鄂", "沪", "黑",
                "浙", "甘", "赣", "湘", "青", "渝", "川", "闽", "贵", "粤", "桂", "云", "琼", "新", "藏"};
  s.letter = chars("ABCDEFGHJKLMNPQRSTUVWXYZ");                // codes 10..33 (I and O excluded)
  s.alnum = chars("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ");       // codes 00..33
  s.digit = chars("0123456789");
  return s;
}

PlateStyle make_latin(const std::string& name) {
  PlateStyle s;
  s.name = name;
  s.letter = chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  s.digit = chars("0123456789");
  return s;
}

int index_of(const std::vector<std::string>& alphabet, const std::string& symbol) {
  auto it = std::find(alphabet.begin(), alphabet.end(), symbol);
  return it == alphabet.end() ? -1 : static_cast<int>(it - alphabet.begin());
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

const PlateStyle& plate_style(const std::string& name) {
  static const PlateStyle cn = make_cn(), eu = make_latin("eu"), us = make_latin("us");
  if (name == "cn") return cn;
  if (name == "us") return us;
  return eu;
}

Result<std::vector<std::string>> split_symbols(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > text.size()) return make_error(ErrorCode::kInvalidArgument, "plate text is not valid UTF-8");
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) {
        return make_error(ErrorCode::kInvalidArgument, "plate text is not valid UTF-8");
      }
    }
    out.push_back(text.substr(i, len));
    i += len;
  }
  return out;
}

Result<std::string> resolve_plate_style(const std::string& requested, const std::string& text) {
  if (requested == "cn" || requested == "eu" || requested == "us") return requested;
  if (requested != "auto") {
    return make_error(ErrorCode::kInvalidArgument, "unknown plate style '" + requested + "' (auto, cn, eu, us)");
  }
  return std::string(!text.empty() && static_cast<unsigned char>(text[0]) >= 0xE0 ? "cn" : "eu");
}

Result<std::vector<const std::vector<std::string>*>> plate_alphabets(const std::vector<std::string>& symbols,
                                                                    const PlateStyle& style) {
  std::vector<const std::vector<std::string>*> out;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const std::string s = upper(symbols[i]);
    if (style.name == "cn") {
      const auto* a = i == 0 ? &style.province : i == 1 ? &style.letter : &style.alnum;
      if (index_of(*a, s) < 0) {
        return make_error(ErrorCode::kInvalidArgument,
                          "symbol " + std::to_string(i + 1) + " of the plate is not valid for a Chinese plate "
                          "(province, letter, then letters/digits without I and O); use --plate-style eu or us");
      }
      out.push_back(a);
    } else if (index_of(style.digit, s) >= 0) {
      out.push_back(&style.digit);
    } else if (index_of(style.letter, s) >= 0) {
      out.push_back(&style.letter);
    } else {
      out.push_back(nullptr);  // separator: kept
    }
  }
  return out;
}

Result<PlateAccounting> plate_epsilon(const std::string& text, const std::string& style_name, double epsilon,
                                      Mechanism mechanism) {
  SHROUD_RETURN_IF_ERROR(check_epsilon(epsilon));
  SHROUD_ASSIGN_OR_RETURN(auto symbols, split_symbols(text));
  SHROUD_ASSIGN_OR_RETURN(std::string resolved, resolve_plate_style(style_name, text));
  SHROUD_ASSIGN_OR_RETURN(auto alphabets, plate_alphabets(symbols, plate_style(resolved)));
  PlateAccounting acc;
  for (const auto* a : alphabets) {
    if (a == nullptr) continue;
    ++acc.symbols;
    acc.nominal += epsilon;
    acc.actual += mechanism == Mechanism::kPaper ? paper_true_epsilon(epsilon, static_cast<int>(a->size())) : epsilon;
  }
  return acc;
}

Result<std::string> privatize_plate(const std::string& text, const std::string& style_name, double epsilon,
                                    Mechanism mechanism, SecureRandom& rng) {
  SHROUD_RETURN_IF_ERROR(check_epsilon(epsilon));
  if (text.empty()) return make_error(ErrorCode::kInvalidArgument, "plate text is empty");
  SHROUD_ASSIGN_OR_RETURN(auto symbols, split_symbols(text));
  SHROUD_ASSIGN_OR_RETURN(std::string resolved, resolve_plate_style(style_name, text));
  SHROUD_ASSIGN_OR_RETURN(auto alphabets, plate_alphabets(symbols, plate_style(resolved)));
  std::string out;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const auto* a = alphabets[i];
    if (a == nullptr) {
      out += symbols[i];
      continue;
    }
    const int value = index_of(*a, upper(symbols[i]));
    SHROUD_ASSIGN_OR_RETURN(int drawn, privatize_symbol(value, static_cast<int>(a->size()), epsilon, mechanism, rng));
    out += (*a)[static_cast<std::size_t>(drawn)];
  }
  return out;
}

int edit_distance(const std::string& a, const std::string& b) {
  auto sa = split_symbols(a), sb = split_symbols(b);
  const std::vector<std::string> x = sa.ok() ? *sa : std::vector<std::string>{}, y = sb.ok() ? *sb : std::vector<std::string>{};
  std::vector<int> prev(y.size() + 1), cur(y.size() + 1);
  for (std::size_t j = 0; j <= y.size(); ++j) prev[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= x.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= y.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[y.size()];
}

}  // namespace shroud::dp
