// Scheme records (scheme_file.h): protect a whole image with a paper scheme, serialise what
// recovery needs, parse it back strictly, verify and invert.
#include <sodium.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>

#include "schemes/internal.h"
#include "shroud/schemes/msai_l.h"
#include "shroud/schemes/msai_paper.h"
#include "shroud/schemes/scheme_file.h"
#include "shroud/seal.h"
#include "core/json_number.h"

namespace shroud::schemes {
namespace {

constexpr int kMaxSide = 1 << 16;
constexpr std::uint64_t kMaxCoverage = 16;

bool is_msai(SchemeMethod m) { return m == SchemeMethod::kMsaiL || m == SchemeMethod::kMsaiPaper; }
int element_bytes(SchemeMethod m) { return m == SchemeMethod::kMsaiL ? 8 : 4; }

nlohmann::json rect_json(const cv::Rect& r) { return {r.x, r.y, r.width, r.height}; }

cv::Rect get_rect(const nlohmann::json& a, cv::Size image) {
  if (!a.is_array() || a.size() != 4) throw std::runtime_error("a rectangle must be [x, y, w, h]");
  const cv::Rect r(shroud::detail::json_int(a[0]), shroud::detail::json_int(a[1]), shroud::detail::json_int(a[2]), shroud::detail::json_int(a[3]));
  if (!detail::rect_inside(r, image, false)) throw std::runtime_error("rectangle outside the image or empty");
  return r;
}

const nlohmann::json& get_array(const nlohmann::json& j, const char* field, std::size_t max) {
  const auto& a = j.at(field);
  if (!a.is_array()) throw std::runtime_error(std::string(field) + " must be an array");
  if (a.size() > max) throw std::runtime_error(std::string(field) + ": too many entries");
  return a;
}

void put_be(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
std::uint64_t get_be(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

Result<std::array<std::uint8_t, kSchemeTagBytes>> compute_tag(const SchemeKey& key, std::span<const std::uint8_t> covered,
                                                              const cv::Mat& carrier) {
  SHROUD_ASSIGN_OR_RETURN(const auto digest, carrier_digest(carrier));
  crypto_generichash_state st;
  crypto_generichash_init(&st, key.record_key.data(), key.record_key.size(), kSchemeTagBytes);
  crypto_generichash_update(&st, covered.data(), covered.size());
  crypto_generichash_update(&st, digest.data(), digest.size());
  std::array<std::uint8_t, kSchemeTagBytes> tag{};
  crypto_generichash_final(&st, tag.data(), tag.size());
  sodium_memzero(&st, sizeof st);
  return tag;
}

std::vector<std::uint8_t> frame_record(const nlohmann::json& header, const std::vector<std::uint64_t>& values,
                                       int value_bytes) {
  const std::string h = header.dump();
  std::vector<std::uint8_t> out(kSchemeRecordMagic, kSchemeRecordMagic + kSchemeRecordMagicBytes);
  put_be(out, h.size(), 4);
  out.insert(out.end(), h.begin(), h.end());
  put_be(out, static_cast<std::uint64_t>(values.size()) * value_bytes, 8);
  for (auto v : values) {
    for (int i = 0; i < value_bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));   // little-endian
  }
  return out;
}

Result<std::int64_t> random_frame_index() {
  SHROUD_ASSIGN_OR_RETURN(std::uint64_t v, detail::random_uniform(std::uint64_t{1} << 52));
  return static_cast<std::int64_t>(v);
}

void blur_rect(cv::Mat& image, const cv::Rect& r) {
  // Like the blur protector's default (sigma = half of the half shorter side), capped for speed.
  const double sigma = std::clamp(0.25 * std::min(r.width, r.height), 0.8, 32.0);
  cv::Mat roi = image(r);
  cv::GaussianBlur(roi.clone(), roi, cv::Size(0, 0), sigma, sigma, cv::BORDER_REPLICATE);
}

}  // namespace

bool is_scheme_record(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= kSchemeRecordMagicBytes &&
         std::memcmp(bytes.data(), kSchemeRecordMagic, kSchemeRecordMagicBytes) == 0;
}

Result<SchemeProtected> scheme_protect(const cv::Mat& input, const SchemeKey& key, const SchemeProtectOptions& options) {
  const SchemeMethod m = key.method;
  const std::string name = scheme_method_name(m);
  if (input.dims != 2 || input.empty()) return make_error(ErrorCode::kInvalidArgument, name + ": empty image");
  SHROUD_RETURN_IF_ERROR(scheme_check_type(m, input.type()));
  if (input.cols > kMaxSide || input.rows > kMaxSide) {
    return make_error(ErrorCode::kResourceLimit, name + ": image sides are limited to 65536 pixels");
  }
  if (options.whole_frame && !scheme_allows_whole_frame(m)) {
    return make_error(ErrorCode::kInvalidArgument, "--whole-frame applies to block-scramble, pbe and perceptual only");
  }
  const cv::Rect frame(0, 0, input.cols, input.rows);
  std::vector<cv::Rect> rects;
  if (options.whole_frame) {
    rects.push_back(frame);
  } else if (m != SchemeMethod::kSisaPaper) {
    for (const auto& r : options.regions) {
      const cv::Rect c = r.box & frame;
      if (c.area() > 0) rects.push_back(c);
    }
    if (rects.empty() && !is_msai(m)) {   // MSAI still scrambles a frame without a sensitive area
      return make_error(ErrorCode::kInvalidArgument, name + ": no region to protect" +
                                                         (scheme_allows_whole_frame(m) ? " (use --whole-frame for the whole image)" : ""));
    }
  }
  std::uint64_t covered = 0;
  for (const auto& r : rects) covered += std::uint64_t(r.area());
  if (rects.size() > SchemeRecordLimits{}.max_areas || covered > kMaxCoverage * std::uint64_t(frame.area())) {
    return make_error(ErrorCode::kResourceLimit, name + ": more than 4096 regions, or regions covering the image more than 16 times");
  }

  SchemeProtected out;
  cv::Mat image = input.clone();
  nlohmann::json h = {{"scheme", name},
                      {"version", 1},
                      {"width", input.cols},
                      {"height", input.rows},
                      {"channels", input.channels()},
                      {"depth_bits", input.depth() == CV_8U ? 8 : 16}};
  const auto id = key.key_id();
  h["key_id"] = detail::to_hex(id.data(), id.size());
  std::vector<std::uint64_t> values;
  switch (m) {
    case SchemeMethod::kBlockScramble: {
      SHROUD_ASSIGN_OR_RETURN(std::int64_t frame_index, random_frame_index());
      nlohmann::json recs = nlohmann::json::array();
      for (const auto& r : rects) {
        BlockScrambleParams p;
        p.block_size = key.block_size;
        p.frame_index = frame_index++;
        if (options.whole_frame) {
          p.remainder = Remainder::kPad;   // every pixel moves; the output is padded to whole blocks
        } else {
          p.region = r;
        }
        SHROUD_ASSIGN_OR_RETURN(ScrambledImage s, block_scramble(image, key.scramble, p));
        image = s.image;
        recs.push_back(s.record.to_json());
      }
      h["scrambles"] = recs;
      out.operation = "scramble";
      break;
    }
    case SchemeMethod::kPbe:
    case SchemeMethod::kPerceptual: {
      nlohmann::json rj = nlohmann::json::array();
      for (const auto& r : rects) {
        cv::Mat roi = image(r).clone();
        auto enc = m == SchemeMethod::kPbe ? pbe_encrypt(roi, key.pbe) : perceptual_encrypt(roi, key.perceptual);
        if (!enc.ok()) return enc.error();
        enc->copyTo(image(r));
        rj.push_back(rect_json(r));
      }
      h["rects"] = rj;
      out.operation = "encrypt";
      break;
    }
    case SchemeMethod::kMsaiL:
    case SchemeMethod::kMsaiPaper: {
      nlohmann::json rj = nlohmann::json::array();
      const std::int64_t cap = MsaiLimits{}.max_samples;
      std::int64_t total = 0;
      for (const auto& r : rects) {
        total += std::int64_t{r.width} * r.height * image.channels();
        if (total > cap) return make_error(ErrorCode::kResourceLimit, name + ": regions too large for the MSAI limits");
        SHROUD_ASSIGN_OR_RETURN(MsaiMembrane mem, msai_cloud_membrane(key.msai, r.height, r.width, image.channels()));
        cv::Mat placeholder;
        if (m == SchemeMethod::kMsaiL) {
          SHROUD_ASSIGN_OR_RETURN(auto masked, msai_l_mask(image(r), mem.values, mem.rows, mem.cols));
          placeholder = msai_l_placeholder(masked, r.size(), image.type());
          values.insert(values.end(), masked.begin(), masked.end());
        } else {
          SHROUD_ASSIGN_OR_RETURN(auto masked, msai_paper_mask(image(r), mem.paper_lambda(), mem.rows, mem.cols));
          placeholder = msai_paper_placeholder(masked, r.size(), image.type());
          for (float f : masked) {
            std::uint32_t u = 0;
            std::memcpy(&u, &f, 4);
            values.push_back(u);
          }
        }
        placeholder.copyTo(image(r));
        rj.push_back(rect_json(r));
      }
      h["rects"] = rj;
      BlockScrambleParams p;
      p.block_size = key.block_size;
      SHROUD_ASSIGN_OR_RETURN(p.frame_index, random_frame_index());
      SHROUD_ASSIGN_OR_RETURN(ScrambledImage s, block_scramble(image, key.scramble, p));
      image = s.image;
      h["scramble"] = s.record.to_json();
      out.operation = "mask+scramble";
      break;
    }
    case SchemeMethod::kSisaPaper: {
      SHROUD_ASSIGN_OR_RETURN(SisaSelection sel, sisa_select(options.regions, input.size(), options.sisa));
      rects = sel.rects;
      h["level"] = options.sisa.level;
      h["levels"] = options.sisa.levels;
      h["operation"] = sisa_operation_name(sel.operation);
      nlohmann::json enc = nlohmann::json::array(), blurred = nlohmann::json::array();
      for (const auto& r : rects) {
        if (sel.operation == SisaOperation::kBlur) {
          blur_rect(image, r);
          blurred.push_back(rect_json(r));
        } else {
          SHROUD_ASSIGN_OR_RETURN(SisaPaperRecord rec, sisa_paper_encrypt(image, r, key.aes));
          enc.push_back(rec.to_json());
        }
      }
      h["encrypted"] = enc;
      h["blurred"] = blurred;
      out.operation = sisa_operation_name(sel.operation);
      break;
    }
  }
  h["carrier"] = {image.cols, image.rows};
  out.record = frame_record(h, values, is_msai(m) ? element_bytes(m) : 0);
  std::array<std::uint8_t, kSchemeTagBytes> tag{};
  if (m != SchemeMethod::kSisaPaper) {
    SHROUD_ASSIGN_OR_RETURN(tag, compute_tag(key, out.record, image));
  }
  out.record.insert(out.record.end(), tag.begin(), tag.end());
  out.image = image;
  out.rects = rects;
  return out;
}

Result<SchemeRecord> parse_scheme_record(std::span<const std::uint8_t> bytes, const SchemeRecordLimits& limits) {
  auto bad = [](const std::string& why) { return make_error(ErrorCode::kCorrupt, "scheme record: " + why); };
  const std::size_t fixed = kSchemeRecordMagicBytes + 4 + 8 + kSchemeTagBytes;
  if (!is_scheme_record(bytes)) return bad("bad magic");
  if (bytes.size() < fixed) return bad("truncated");
  const std::uint64_t hlen = get_be(bytes.data() + kSchemeRecordMagicBytes, 4);
  if (hlen < 2 || hlen > limits.max_header) return make_error(ErrorCode::kResourceLimit, "scheme record: header length out of range");
  if (hlen > bytes.size() - fixed) return bad("truncated header");
  const std::uint8_t* hp = bytes.data() + kSchemeRecordMagicBytes + 4;
  const std::uint64_t blen = get_be(hp + hlen, 8);
  if (blen > limits.max_body) return make_error(ErrorCode::kResourceLimit, "scheme record: body over the limit");
  if (blen != bytes.size() - fixed - hlen) return bad("body length does not match the record size (truncated or trailing bytes)");
  const std::uint8_t* body = hp + hlen + 8;

  SchemeRecord rec;
  rec.authenticated_bytes = bytes.size() - kSchemeTagBytes;
  std::memcpy(rec.tag.data(), bytes.data() + rec.authenticated_bytes, kSchemeTagBytes);
  try {
    const auto h = nlohmann::json::parse(hp, hp + hlen);
    if (!h.is_object()) throw std::runtime_error("header is not a JSON object");
    if (h.at("version") != 1) throw std::runtime_error("unsupported version");
    auto method = parse_scheme_method(h.at("scheme").get<std::string>());
    if (!method.ok()) throw std::runtime_error(method.error().message);
    rec.method = *method;
    const SchemeMethod m = rec.method;
    std::set<std::string> allowed = {"scheme", "version", "width", "height", "channels", "depth_bits", "key_id", "carrier"};
    switch (m) {
      case SchemeMethod::kBlockScramble: allowed.insert("scrambles"); break;
      case SchemeMethod::kPbe:
      case SchemeMethod::kPerceptual: allowed.insert("rects"); break;
      case SchemeMethod::kMsaiL:
      case SchemeMethod::kMsaiPaper: allowed.insert({"rects", "scramble"}); break;
      case SchemeMethod::kSisaPaper: allowed.insert({"level", "levels", "operation", "encrypted", "blurred"}); break;
    }
    for (auto it = h.begin(); it != h.end(); ++it) {
      if (!allowed.count(it.key())) throw std::runtime_error("unexpected field '" + it.key() + "'");
    }
    rec.width = shroud::detail::json_int(h.at("width"));
    rec.height = shroud::detail::json_int(h.at("height"));
    if (rec.width < 1 || rec.height < 1 || rec.width > kMaxSide || rec.height > kMaxSide ||
        std::int64_t{rec.width} * rec.height > limits.max_pixels) {
      throw std::runtime_error("image size out of range");
    }
    const int ch = shroud::detail::json_int(h.at("channels")), bits = shroud::detail::json_int(h.at("depth_bits"));
    if ((ch != 1 && ch != 3 && ch != 4) || (bits != 8 && bits != 16)) throw std::runtime_error("bad channels or depth");
    rec.type = CV_MAKETYPE(bits == 8 ? CV_8U : CV_16U, ch);
    if (!scheme_check_type(m, rec.type).ok()) throw std::runtime_error("pixel type not supported by the scheme");
    auto id = detail::from_hex(h.at("key_id").get<std::string>(), 16);
    if (!id.ok()) throw std::runtime_error("key_id: " + id.error().message);
    std::memcpy(rec.key_id.data(), id->data(), 16);
    const auto& c = h.at("carrier");
    if (!c.is_array() || c.size() != 2) throw std::runtime_error("carrier must be [w, h]");
    rec.carrier = cv::Size(shroud::detail::json_int(c[0]), shroud::detail::json_int(c[1]));
    const cv::Size image(rec.width, rec.height);
    cv::Size expected_carrier = image;
    auto check_scramble = [&](const nlohmann::json& j, bool whole_frame) {
      auto s = BlockScrambleRecord::from_json(j);
      if (!s.ok()) throw std::runtime_error(s.error().message);
      if (s->width != rec.width || s->height != rec.height) throw std::runtime_error("scramble record size mismatch");
      if (whole_frame && (s->area != cv::Rect(0, 0, rec.width, rec.height) || s->remainder != Remainder::kKeep)) {
        throw std::runtime_error("MSAI scramble must cover the frame");
      }
      return *s;
    };
    std::size_t body_elements = 0;
    if (m == SchemeMethod::kBlockScramble) {
      const auto& a = get_array(h, "scrambles", limits.max_areas);
      if (a.empty()) throw std::runtime_error("no scramble record");
      for (const auto& j : a) rec.scrambles.push_back(check_scramble(j, false));
      for (std::size_t i = 0; i < rec.scrambles.size(); ++i) {
        if (rec.scrambles[i].remainder == Remainder::kPad) {
          if (rec.scrambles.size() != 1) throw std::runtime_error("a padded scramble must be the only one");
          expected_carrier = rec.scrambles[i].output_size();
        }
      }
    }
    if (m == SchemeMethod::kPbe || m == SchemeMethod::kPerceptual || is_msai(m)) {
      const auto& a = get_array(h, "rects", limits.max_areas);
      if (a.empty() && !is_msai(m)) throw std::runtime_error("no rectangle");
      std::uint64_t samples = 0;
      for (const auto& j : a) {
        rec.rects.push_back(get_rect(j, image));
        samples += std::uint64_t(rec.rects.back().area()) * ch;
      }
      if (is_msai(m)) {
        rec.scrambles.push_back(check_scramble(h.at("scramble"), true));
        if (samples > std::uint64_t(MsaiLimits{}.max_samples)) throw std::runtime_error("masked areas over the limit");
        if (samples * element_bytes(m) != blen) throw std::runtime_error("body size does not match the masked areas");
        body_elements = static_cast<std::size_t>(samples);
      }
    }
    if (m == SchemeMethod::kSisaPaper) {
      rec.levels = shroud::detail::json_int(h.at("levels"));
      rec.level = shroud::detail::json_int(h.at("level"));
      if (rec.levels < 1 || rec.levels > 100 || rec.level < 1 || rec.level > rec.levels) {
        throw std::runtime_error("level out of range");
      }
      const std::string op = h.at("operation").get<std::string>();
      if (op == "blur") rec.operation = SisaOperation::kBlur;
      else if (op == "encrypt") rec.operation = SisaOperation::kEncrypt;
      else throw std::runtime_error("operation must be blur or encrypt");
      for (const auto& j : get_array(h, "encrypted", limits.max_areas)) {
        auto r = SisaPaperRecord::from_json(j);
        if (!r.ok()) throw std::runtime_error(r.error().message);
        if (!detail::rect_inside(r->rect, image, false)) throw std::runtime_error("encrypted rectangle outside the image");
        rec.encrypted.push_back(*r);
      }
      for (const auto& j : get_array(h, "blurred", limits.max_areas)) rec.blurred.push_back(get_rect(j, image));
      if ((rec.operation == SisaOperation::kBlur && !rec.encrypted.empty()) ||
          (rec.operation == SisaOperation::kEncrypt && !rec.blurred.empty())) {
        throw std::runtime_error("rectangles do not match the operation");
      }
    }
    if (rec.carrier != expected_carrier) throw std::runtime_error("carrier size does not match the record");
    // Work bound (sisa-paper records are unauthenticated): the rectangles together may cover the
    // image at most kMaxCoverage times.
    std::uint64_t covered = 0;
    for (const auto& r : rec.rects) covered += std::uint64_t(r.area());
    for (const auto& r : rec.encrypted) covered += std::uint64_t(r.rect.area());
    for (const auto& r : rec.blurred) covered += std::uint64_t(r.area());
    for (const auto& r : rec.scrambles) covered += std::uint64_t(r.area.area());
    if (covered > kMaxCoverage * std::uint64_t(rec.width) * std::uint64_t(rec.height)) {
      return make_error(ErrorCode::kResourceLimit, "scheme record: rectangles cover the image more than 16 times");
    }
    if (!is_msai(m) && blen != 0) throw std::runtime_error("unexpected body");
    rec.masked.resize(body_elements);
    const int eb = is_msai(m) ? element_bytes(m) : 0;
    for (std::size_t i = 0; i < body_elements; ++i) {
      std::uint64_t v = 0;
      for (int b = 0; b < eb; ++b) v |= std::uint64_t(body[i * eb + b]) << (8 * b);
      if (m == SchemeMethod::kMsaiL && v >= kMsaiLModulus) throw std::runtime_error("masked value out of range");
      rec.masked[i] = v;
    }
  } catch (const std::exception& e) {
    return bad(e.what());
  }
  return rec;
}

Result<SchemeRecovered> scheme_recover(const cv::Mat& carrier, std::span<const std::uint8_t> bytes, const SchemeKey& key) {
  SHROUD_ASSIGN_OR_RETURN(SchemeRecord rec, parse_scheme_record(bytes));
  const std::string name = scheme_method_name(rec.method);
  if (rec.method != key.method) {
    return make_error(ErrorCode::kInvalidArgument, "the image was protected with " + name + ", the key file is for " +
                                                       scheme_method_name(key.method));
  }
  if (rec.key_id != key.key_id()) {
    return make_error(ErrorCode::kAuthentication, "the image was protected with a different " + name + " key file");
  }
  if (carrier.type() != rec.type || carrier.size() != rec.carrier) {
    return make_error(ErrorCode::kInvalidArgument, "the image does not match its " + name +
                                                       " record (size or pixel type differ: was it converted or re-encoded?)");
  }
  if (rec.method != SchemeMethod::kSisaPaper) {
    SHROUD_ASSIGN_OR_RETURN(const auto tag, compute_tag(key, bytes.first(rec.authenticated_bytes), carrier));
    if (sodium_memcmp(tag.data(), rec.tag.data(), tag.size()) != 0) {
      return make_error(ErrorCode::kAuthentication,
                        name + " record or image pixels were modified (integrity tag mismatch); nothing recovered");
    }
  }
  SchemeRecovered out;
  cv::Mat image = carrier.clone();
  switch (rec.method) {
    case SchemeMethod::kBlockScramble:
      for (auto it = rec.scrambles.rbegin(); it != rec.scrambles.rend(); ++it) {
        SHROUD_ASSIGN_OR_RETURN(image, block_unscramble(image, key.scramble, *it));
      }
      break;
    case SchemeMethod::kPbe:
    case SchemeMethod::kPerceptual:
      for (auto it = rec.rects.rbegin(); it != rec.rects.rend(); ++it) {
        cv::Mat roi = image(*it).clone();
        auto dec = rec.method == SchemeMethod::kPbe ? pbe_decrypt(roi, key.pbe) : perceptual_decrypt(roi, key.perceptual);
        if (!dec.ok()) return dec.error();
        dec->copyTo(image(*it));
      }
      break;
    case SchemeMethod::kMsaiL:
    case SchemeMethod::kMsaiPaper: {
      if (key.block_size != rec.scrambles[0].block_size) {
        return make_error(ErrorCode::kInvalidArgument, "the key file's block size differs from the record's");
      }
      SHROUD_ASSIGN_OR_RETURN(image, block_unscramble(image, key.scramble, rec.scrambles[0]));
      std::vector<std::size_t> offsets;
      std::size_t off = 0;
      for (const auto& r : rec.rects) {
        offsets.push_back(off);
        off += static_cast<std::size_t>(r.area()) * image.channels();
      }
      for (std::size_t i = rec.rects.size(); i-- > 0;) {
        const cv::Rect& r = rec.rects[i];
        const std::size_t n = static_cast<std::size_t>(r.area()) * image.channels();
        const auto first = rec.masked.begin() + static_cast<std::ptrdiff_t>(offsets[i]);
        cv::Mat area;
        if (rec.method == SchemeMethod::kMsaiL) {
          std::vector<std::uint64_t> slice(first, first + static_cast<std::ptrdiff_t>(n));
          SHROUD_ASSIGN_OR_RETURN(area, msai_l_unmask(slice, r.size(), rec.type, MsaiLKey(key.msai.k)));
        } else {
          std::vector<float> slice(n);
          for (std::size_t j = 0; j < n; ++j) {
            const auto u = static_cast<std::uint32_t>(first[static_cast<std::ptrdiff_t>(j)]);
            std::memcpy(&slice[j], &u, 4);
          }
          SHROUD_ASSIGN_OR_RETURN(area, msai_paper_unmask(slice, r.size(), image.channels(),
                                                          MsaiPaperKey{static_cast<int>(key.msai.k)}));
        }
        area.copyTo(image(r));
      }
      break;
    }
    case SchemeMethod::kSisaPaper:
      for (auto it = rec.encrypted.rbegin(); it != rec.encrypted.rend(); ++it) {
        SHROUD_RETURN_IF_ERROR(sisa_paper_decrypt(image, *it, key.aes));
      }
      out.unrecoverable = rec.blurred.size();
      break;
  }
  out.image = image;
  return out;
}

}  // namespace shroud::schemes
