// libFuzzer target: the recovery track parser (scan_track: header, records, sizes, sequence,
// final record) and the keyed reader under a fixed keyset (key lookup, commitment, header MAC,
// per-frame AEAD; v1 raw and v2 compressed records), restoring into frames of the size the
// header declares. Seeds: scripts/fuzz seals a small video with the same keyset
// (fuzz/fixed_keyset.json).
#include <sstream>
#include "fixed_keyset.h"
#include "shroud/recovery_track.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const shroud::Keyset* keyset = &shroud::fuzz::fixed_keyset();
  shroud::TrackLimits limits;
  limits.max_pixels = 1 << 20;
  limits.max_frame_bytes = 4u << 20;
  limits.max_frames = 1 << 16;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  {
    std::istringstream in(bytes);
    auto scan = shroud::scan_track(in, limits);
    (void)scan.ok();
  }
  auto reader = shroud::RecoveryTrackReader::open(std::make_unique<std::istringstream>(bytes), *keyset, limits);
  if (!reader.ok()) return 0;
  const auto& info = (*reader)->info();
  cv::Mat frame(static_cast<int>(info.height), static_cast<int>(info.width),
                CV_MAKETYPE(info.depth_bits == 16 ? CV_16U : CV_8U, info.channels), cv::Scalar::all(0));
  for (int i = 0; i < 1 << 16; ++i) {
    if (!(*reader)->restore_next(frame).ok()) break;
  }
  (void)(*reader)->finish().ok();
  return 0;
}
