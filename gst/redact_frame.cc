// shroudredact's frame logic (redact_frame.h).
#include "redact_frame.h"

#include <string>

namespace shroud::gst {

Result<std::unique_ptr<Redactor>> Redactor::create(const RedactSettings& s) {
  EngineOptions o;
  o.detector = s.detector;
  o.method = s.method;
  o.threshold = static_cast<float>(s.threshold);
  o.detect_every = s.detect_interval;
  o.hold = s.hold;
  if (s.mask_scale > 0.0) o.mask_scale = s.mask_scale;
  o.policy_file = s.policy_file;
  o.key = s.key_file;
  o.models_dir = s.models;
  o.jobs = 1;
  auto engine = Engine::create(std::move(o));
  if (!engine.ok()) {
    if (!s.key_file.empty() && engine.error().message.find("--key") != std::string::npos) {
      return make_error(ErrorCode::kInvalidArgument,
                        "key-file only applies to method seal, which this element does not offer (use shroud protect "
                        "--method seal for reversible video)");
    }
    return engine.error();
  }
  auto stream = engine->open_stream();
  if (!stream.ok()) return stream.error();
  return std::unique_ptr<Redactor>(new Redactor(std::move(*engine), std::move(*stream)));
}

Result<StreamFrameReport> Redactor::process(GstVideoFrame* frame) {
  const GstVideoFormat format = GST_VIDEO_FRAME_FORMAT(frame);
  int type = CV_8UC3;
  ChannelOrder order = ChannelOrder::kBgr;
  switch (format) {
    case GST_VIDEO_FORMAT_BGR: break;
    case GST_VIDEO_FORMAT_RGB: order = ChannelOrder::kRgb; break;
    case GST_VIDEO_FORMAT_BGRx:
    case GST_VIDEO_FORMAT_BGRA: type = CV_8UC4; break;
    case GST_VIDEO_FORMAT_RGBx:
    case GST_VIDEO_FORMAT_RGBA: type = CV_8UC4; order = ChannelOrder::kRgb; break;
    default:
      return make_error(ErrorCode::kUnsupported,
                        std::string("video format ") + gst_video_format_to_string(format) + " is not supported");
  }
  // The frame's own memory (rows may be padded: the stride is passed), never copied.
  cv::Mat image(GST_VIDEO_FRAME_HEIGHT(frame), GST_VIDEO_FRAME_WIDTH(frame), type,
                GST_VIDEO_FRAME_PLANE_DATA(frame, 0), static_cast<std::size_t>(GST_VIDEO_FRAME_PLANE_STRIDE(frame, 0)));
  auto report = stream_.protect_next(image, order);
  if (!report.ok()) return report.error();
  for (const Action& a : report->actions) {
    const std::string kind(kind_name(a.region.kind));
    GstVideoRegionOfInterestMeta* meta = gst_buffer_add_video_region_of_interest_meta(
        frame->buffer, kind.c_str(), static_cast<guint>(a.rect.x), static_cast<guint>(a.rect.y),
        static_cast<guint>(a.rect.width), static_cast<guint>(a.rect.height));
    if (meta == nullptr) continue;
    meta->id = a.region.track_id;
    gst_video_region_of_interest_meta_add_param(
        meta, gst_structure_new("shroud", "method", G_TYPE_STRING, a.method.c_str(), "score", G_TYPE_DOUBLE,
                                static_cast<double>(a.region.score), "track-id", G_TYPE_INT, a.region.track_id,
                                "detected", G_TYPE_BOOLEAN, report->detected ? TRUE : FALSE, nullptr));
  }
  return report;
}

}  // namespace shroud::gst
