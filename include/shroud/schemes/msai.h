// MSAI three-party protocol (MSAI paper section 4; SCHEMES.md 1): cloud platform, camera and
// data centre, with the messages they exchange as files so that each role can run on its own
// machine.
//
//   cloud        msai_generate_key(scheme)            -> key file      (to the data centre, 0600)
//                msai_cloud_membrane(key, r, c, ch)   -> membrane file (to the camera, 0600)
//   data centre  msai_generate_tau(block_size)        -> tau file      (to the camera, 0600)
//   camera       msai_camera_protect(image, area, membrane, tau, frame)
//                  masks the area (msai-l or msai-paper), puts a placeholder in its place,
//                  block-scrambles the whole frame -> visible image (PNG) + payload file
//   data centre  msai_datacenter_recover(visible, payload, key, tau)
//                  unscrambles, unmasks -> the original (bit-exact for msai-l)
//
// Message files ("MSAI message"): 8-byte magic "SHRMSAI1", u32 little-endian header length H
// (1..65536), H bytes of UTF-8 JSON header, then a binary body of exactly `count` little-endian
// elements (u64 for msai-l values, f64 for msai-paper membranes, f32 for msai-paper payloads).
// Parsers check the magic, the header, every size (64-bit) and the sample cap BEFORE allocating.
// Key and tau files are JSON text (docs/schemes.md has every field).
//
// Security: OBFUSCATION. The membrane is a one-multiplication mask (see msai_l.h/msai_paper.h)
// and block scrambling leaks block contents; nothing is authenticated except by msai-l's range
// check, which is not a MAC. A membrane must not be reused across frames (equal pixels would give
// equal values): the cloud issues one per frame, identified by a random 16-byte id.
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "shroud/result.h"
#include "shroud/schemes/block_scramble.h"

namespace shroud::schemes {

enum class MsaiScheme { kLossless, kPaper };
const char* msai_scheme_name(MsaiScheme scheme);   // "msai-l", "msai-paper"
Result<MsaiScheme> parse_msai_scheme(const std::string& name);

// Cloud -> data centre. k in [1, 2^61 - 2] (msai-l) or [1, 250] (msai-paper). Wiped on destruction.
struct MsaiKey {
  MsaiScheme scheme = MsaiScheme::kLossless;
  std::uint64_t k = 0;
  MsaiKey() = default;
  MsaiKey(MsaiScheme s, std::uint64_t value) : scheme(s), k(value) {}
  MsaiKey(const MsaiKey&) = default;
  MsaiKey& operator=(const MsaiKey&) = default;
  ~MsaiKey();
};
Result<MsaiKey> msai_generate_key(MsaiScheme scheme);
std::string msai_key_to_json(const MsaiKey& key);
Result<MsaiKey> msai_key_from_json(const std::string& text);   // kCorrupt / kInvalidArgument

// Data centre -> camera: the block permutation key and its block size.
struct MsaiTauKey {
  ScrambleKey key;
  int block_size = kDefaultBlockSize;
};
Result<MsaiTauKey> msai_generate_tau(int block_size = kDefaultBlockSize);
std::string msai_tau_to_json(const MsaiTauKey& tau);
Result<MsaiTauKey> msai_tau_from_json(const std::string& text);

// Camera -> cloud: the size of the sensitive area (paper step 1-2).
struct MsaiAreaRequest {
  int rows = 0, cols = 0, channels = 0;
  nlohmann::json to_json() const;
  static Result<MsaiAreaRequest> from_json(const nlohmann::json& json);
};

// Cloud -> camera. `values` holds rows x cols x channels membrane elements, row-major, channels
// interleaved: lambda mod q (msai-l) or the bit patterns of the double lambdas (msai-paper, use
// paper_lambda()).
struct MsaiMembrane {
  MsaiScheme scheme = MsaiScheme::kLossless;
  int rows = 0, cols = 0, channels = 0;
  std::array<std::uint8_t, 16> id{};
  std::vector<std::uint64_t> values;
  std::vector<double> paper_lambda() const;
};
Result<MsaiMembrane> msai_cloud_membrane(const MsaiKey& key, int rows, int cols, int channels);

// Camera -> data centre, together with the visible image.
struct MsaiPayload {
  MsaiScheme scheme = MsaiScheme::kLossless;
  int width = 0, height = 0;          // original frame
  int type = 0;                       // OpenCV type of the frame (CV_8UC3, CV_16UC1, ...)
  cv::Rect area;                      // masked sensitive area (may be empty)
  std::array<std::uint8_t, 16> membrane_id{};
  BlockScrambleRecord scramble;       // whole-frame scramble record (frame index inside)
  std::vector<std::uint64_t> masked;  // msai-l: c_i; msai-paper: float32 bit patterns of O'
  std::vector<float> paper_masked() const;
};

struct MsaiCameraOutput {
  cv::Mat visible;       // scrambled frame with the area's placeholder; store losslessly (PNG)
  MsaiPayload payload;
};

// The camera's work for one frame. `area` must lie inside the image (empty: nothing masked);
// the membrane must cover it and have the image's channel count. msai-paper needs 8-bit.
Result<MsaiCameraOutput> msai_camera_protect(const cv::Mat& image, const cv::Rect& area, const MsaiMembrane& membrane,
                                             const MsaiTauKey& tau, std::int64_t frame_index);

// The data centre's work: original frame. msai-l: bit-exact, kAuthentication on a wrong key or
// modified masked values. msai-paper: the paper's lossy recovery, no detection.
Result<cv::Mat> msai_datacenter_recover(const cv::Mat& visible, const MsaiPayload& payload, const MsaiKey& key,
                                        const MsaiTauKey& tau);

struct MsaiLimits {
  std::int64_t max_samples = std::int64_t{1} << 26;   // membrane/payload elements (512 MiB as u64)
  int max_dimension = 1 << 16;                         // width, height, rows, cols
};

std::vector<std::uint8_t> serialize_membrane(const MsaiMembrane& membrane);
Result<MsaiMembrane> parse_membrane(const std::vector<std::uint8_t>& bytes, const MsaiLimits& limits = {});
std::vector<std::uint8_t> serialize_payload(const MsaiPayload& payload);
Result<MsaiPayload> parse_payload(const std::vector<std::uint8_t>& bytes, const MsaiLimits& limits = {});

// Secret files (key, tau, membrane): written atomically with mode 0600 (refusing symlinks and,
// unless `overwrite`, existing files); read only when neither group nor others can access them
// (kPermission otherwise).
Status write_secret_file(const std::string& path, const std::string& contents, bool overwrite);
Status write_secret_file(const std::string& path, const std::vector<std::uint8_t>& contents, bool overwrite);
Result<std::vector<std::uint8_t>> read_secret_file(const std::string& path, std::int64_t max_bytes);

}  // namespace shroud::schemes
