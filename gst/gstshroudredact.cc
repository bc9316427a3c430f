// shroudredact: a GstVideoFilter that protects faces, plates and listed regions in place, with the
// Shroud engine (detection every `detect-interval` frames, tracking in between; frame_stream.h).
// GObject boilerplate only: properties, caps, the plugin entry; the work is in redact_frame.cc.
//
//   gst-launch-1.0 filesrc location=in.avi ! decodebin ! videoconvert ! shroudredact detector=yunet
//       ! videoconvert ! x264enc ! mp4mux ! filesink location=out.mp4
#include <gst/gst.h>
#include <gst/video/gstvideofilter.h>
#include <gst/video/video.h>

#include <exception>
#include <memory>
#include <string>

#include "redact_frame.h"

GST_DEBUG_CATEGORY_STATIC(shroud_redact_debug);
#define GST_CAT_DEFAULT shroud_redact_debug

G_BEGIN_DECLS

#define GST_TYPE_SHROUD_REDACT (gst_shroud_redact_get_type())
G_DECLARE_FINAL_TYPE(GstShroudRedact, gst_shroud_redact, GST, SHROUD_REDACT, GstVideoFilter)

struct _GstShroudRedact {
  GstVideoFilter parent;
  shroud::gst::RedactSettings* settings;   // guarded by the object lock
  shroud::gst::Redactor* redactor;         // created in start(), deleted in stop()
};

G_END_DECLS

namespace {

enum {
  PROP_0,
  PROP_DETECTOR,
  PROP_METHOD,
  PROP_THRESHOLD,
  PROP_DETECT_INTERVAL,
  PROP_HOLD,
  PROP_MASK_SCALE,
  PROP_POLICY_FILE,
  PROP_KEY_FILE,
  PROP_MODELS,
};

enum RedactMethod { METHOD_POLICY, METHOD_BLUR, METHOD_PIXELATE, METHOD_FILL };

GType redact_method_get_type() {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {
        {METHOD_POLICY, "The policy's methods (policy-file; blur when none is given)", "policy"},
        {METHOD_BLUR, "Gaussian blur (strength from the policy, at least 1/8 of the region's shorter side)", "blur"},
        {METHOD_PIXELATE, "Pixelate (at most 16 cells across the region's longer side)", "pixelate"},
        {METHOD_FILL, "Solid fill (colour from the policy, black by default)", "fill"},
        {0, nullptr, nullptr}};
    GType t = g_enum_register_static("GstShroudRedactMethod", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

const char* method_name(int m) {
  switch (m) {
    case METHOD_BLUR: return "blur";
    case METHOD_PIXELATE: return "pixelate";
    case METHOD_FILL: return "fill";
    default: return "";
  }
}

int method_value(const std::string& name) {
  if (name == "blur") return METHOD_BLUR;
  if (name == "pixelate") return METHOD_PIXELATE;
  if (name == "fill") return METHOD_FILL;
  return METHOD_POLICY;
}

constexpr const char* kCaps = "video/x-raw, format = (string) { BGR, BGRx, BGRA, RGB, RGBx, RGBA }, "
                              "width = (int) [ 1, max ], height = (int) [ 1, max ], framerate = (fraction) [ 0, max ]";

}  // namespace

G_DEFINE_TYPE(GstShroudRedact, gst_shroud_redact, GST_TYPE_VIDEO_FILTER)

static void gst_shroud_redact_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec) {
  GstShroudRedact* self = GST_SHROUD_REDACT(object);
  auto str = [value]() { const char* s = g_value_get_string(value); return std::string(s != nullptr ? s : ""); };
  GST_OBJECT_LOCK(self);
  shroud::gst::RedactSettings& s = *self->settings;
  switch (prop_id) {
    case PROP_DETECTOR: s.detector = str(); break;
    case PROP_METHOD: s.method = method_name(g_value_get_enum(value)); break;
    case PROP_THRESHOLD: s.threshold = g_value_get_double(value); break;
    case PROP_DETECT_INTERVAL: s.detect_interval = static_cast<int>(g_value_get_uint(value)); break;
    case PROP_HOLD: s.hold = static_cast<int>(g_value_get_uint(value)); break;
    case PROP_MASK_SCALE: s.mask_scale = g_value_get_double(value); break;
    case PROP_POLICY_FILE: s.policy_file = str(); break;
    case PROP_KEY_FILE: s.key_file = str(); break;
    case PROP_MODELS: s.models = str(); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
  const bool running = self->redactor != nullptr;
  GST_OBJECT_UNLOCK(self);
  if (running) {
    GST_ELEMENT_WARNING(self, LIBRARY, SETTINGS, ("shroudredact: property '%s' changed while running", pspec->name),
                        ("properties take effect when the element next starts (READY -> PAUSED)"));
  }
}

static void gst_shroud_redact_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec) {
  GstShroudRedact* self = GST_SHROUD_REDACT(object);
  GST_OBJECT_LOCK(self);
  const shroud::gst::RedactSettings& s = *self->settings;
  auto set_str = [value](const std::string& v) { g_value_set_string(value, v.empty() ? nullptr : v.c_str()); };
  switch (prop_id) {
    case PROP_DETECTOR: set_str(s.detector); break;
    case PROP_METHOD: g_value_set_enum(value, method_value(s.method)); break;
    case PROP_THRESHOLD: g_value_set_double(value, s.threshold); break;
    case PROP_DETECT_INTERVAL: g_value_set_uint(value, static_cast<guint>(s.detect_interval)); break;
    case PROP_HOLD: g_value_set_uint(value, static_cast<guint>(s.hold)); break;
    case PROP_MASK_SCALE: g_value_set_double(value, s.mask_scale); break;
    case PROP_POLICY_FILE: set_str(s.policy_file); break;
    case PROP_KEY_FILE: set_str(s.key_file); break;
    case PROP_MODELS: set_str(s.models); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_shroud_redact_finalize(GObject* object) {
  GstShroudRedact* self = GST_SHROUD_REDACT(object);
  delete self->redactor;
  self->redactor = nullptr;
  delete self->settings;
  self->settings = nullptr;
  G_OBJECT_CLASS(gst_shroud_redact_parent_class)->finalize(object);
}

// Builds the engine from the properties: a bad value, detector spec, policy or missing model is
// an element error naming it, and the pipeline does not start.
static gboolean gst_shroud_redact_start(GstBaseTransform* trans) {
  GstShroudRedact* self = GST_SHROUD_REDACT(trans);
  GST_OBJECT_LOCK(self);
  const shroud::gst::RedactSettings settings = *self->settings;
  GST_OBJECT_UNLOCK(self);
  std::string error;
  std::unique_ptr<shroud::gst::Redactor> redactor;
  shroud::ErrorCode code = shroud::ErrorCode::kInvalidArgument;
  try {
    auto r = shroud::gst::Redactor::create(settings);
    if (r.ok()) {
      redactor = std::move(*r);
    } else {
      error = r.error().message;
      code = r.error().code;
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!redactor) {
    if (code == shroud::ErrorCode::kNotFound) {
      GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("shroudredact: %s", error.c_str()),
                        ("check the detector, models, policy-file and key-file properties"));
    } else {
      GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS, ("shroudredact: %s", error.c_str()),
                        ("check the element's properties (gst-inspect-1.0 shroudredact)"));
    }
    return FALSE;
  }
  for (const std::string& w : redactor->engine().warnings()) {
    GST_ELEMENT_WARNING(self, LIBRARY, SETTINGS, ("shroudredact: %s", w.c_str()), (nullptr));
  }
  GST_OBJECT_LOCK(self);
  delete self->redactor;
  self->redactor = redactor.release();
  GST_OBJECT_UNLOCK(self);
  return TRUE;
}

static gboolean gst_shroud_redact_stop(GstBaseTransform* trans) {
  GstShroudRedact* self = GST_SHROUD_REDACT(trans);
  GST_OBJECT_LOCK(self);
  delete self->redactor;
  self->redactor = nullptr;
  GST_OBJECT_UNLOCK(self);
  return TRUE;
}

// A new frame size or a flush (seek): frame numbers and tracks start again.
static gboolean gst_shroud_redact_set_info(GstVideoFilter* filter, GstCaps*, GstVideoInfo*, GstCaps*, GstVideoInfo*) {
  GstShroudRedact* self = GST_SHROUD_REDACT(filter);
  if (self->redactor != nullptr) self->redactor->reset();
  return TRUE;
}

static gboolean gst_shroud_redact_sink_event(GstBaseTransform* trans, GstEvent* event) {
  GstShroudRedact* self = GST_SHROUD_REDACT(trans);
  if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP && self->redactor != nullptr) self->redactor->reset();
  return GST_BASE_TRANSFORM_CLASS(gst_shroud_redact_parent_class)->sink_event(trans, event);
}

// Protects the frame in place. On any failure the frame is not pushed (GST_FLOW_ERROR): an
// unprotected or half-protected frame never leaves the element.
static GstFlowReturn gst_shroud_redact_transform_frame_ip(GstVideoFilter* filter, GstVideoFrame* frame) {
  GstShroudRedact* self = GST_SHROUD_REDACT(filter);
  if (self->redactor == nullptr) {
    GST_ELEMENT_ERROR(self, CORE, STATE_CHANGE, ("shroudredact: not started"), (nullptr));
    return GST_FLOW_ERROR;
  }
  std::string error;
  try {
    auto r = self->redactor->process(frame);
    if (r.ok()) {
      GST_LOG_OBJECT(self, "frame %" G_GINT64_FORMAT ": %s, %zu regions protected", r->index,
                     r->detected ? "detected" : "tracked", r->actions.size());
      return GST_FLOW_OK;
    }
    error = r.error().message;
  } catch (const std::exception& e) {
    error = e.what();
  }
  GST_ELEMENT_ERROR(self, STREAM, FAILED, ("shroudredact: %s", error.c_str()), ("the frame was dropped, not passed on"));
  return GST_FLOW_ERROR;
}

static void gst_shroud_redact_class_init(GstShroudRedactClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  GstVideoFilterClass* filter_class = GST_VIDEO_FILTER_CLASS(klass);

  gobject_class->set_property = gst_shroud_redact_set_property;
  gobject_class->get_property = gst_shroud_redact_get_property;
  gobject_class->finalize = gst_shroud_redact_finalize;
  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);

  g_object_class_install_property(
      gobject_class, PROP_DETECTOR,
      g_param_spec_string("detector", "Detector",
                          "Detector spec as for shroud protect --detector: name[:arg][,name[:arg]...], e.g. yunet, "
                          "yunet,lpd, manual:REGIONS.json, zones:ZONES.json (docs/detection.md). "
                          "Unset: the default (faces with YuNet when its model is found, else a Haar cascade)",
                          nullptr, flags));
  g_object_class_install_property(
      gobject_class, PROP_METHOD,
      g_param_spec_enum("method", "Method", "How every protected region is altered (overrides the policy's methods)",
                        redact_method_get_type(), METHOD_POLICY, flags));
  g_object_class_install_property(
      gobject_class, PROP_THRESHOLD,
      g_param_spec_double("threshold", "Threshold",
                          "Detector score threshold in [0, 1]; -1: the detector's default (YuNet 0.6)", -1.0, 1.0, -1.0,
                          flags));
  g_object_class_install_property(
      gobject_class, PROP_DETECT_INTERVAL,
      g_param_spec_uint("detect-interval", "Detect interval",
                        "Run the detector on every Nth frame and track regions in between (shroud protect "
                        "--detect-every). There is no backward extension in a live element: a region entering the "
                        "picture may be unprotected for up to N-1 frames, so the default is 1",
                        1, 1000, 1, flags));
  g_object_class_install_property(
      gobject_class, PROP_HOLD,
      g_param_spec_uint("hold", "Hold",
                        "Frames a lost region is still protected after its last detection (shroud protect --hold); "
                        "at least one detection period",
                        0, 100000, 15, flags));
  g_object_class_install_property(
      gobject_class, PROP_MASK_SCALE,
      g_param_spec_double("mask-scale", "Mask scale",
                          "Enlarge each detected box by this factor around its centre, 0.1 .. 10; 0: the policy's "
                          "(1.3 by default)",
                          0.0, 10.0, 0.0, flags));
  g_object_class_install_property(
      gobject_class, PROP_POLICY_FILE,
      g_param_spec_string("policy-file", "Policy file",
                          "Policy JSON file: kinds, methods per kind, mask scale, shape, strength (docs/policy.md); "
                          "method and mask-scale override it",
                          nullptr, flags));
  g_object_class_install_property(
      gobject_class, PROP_KEY_FILE,
      g_param_spec_string("key-file", "Key file",
                          "Keyset for reversible methods. Reserved: seal needs a recovery track and is refused by this "
                          "element (use shroud protect --method seal); giving a key with another method is an error",
                          nullptr, flags));
  g_object_class_install_property(
      gobject_class, PROP_MODELS,
      g_param_spec_string("models", "Models folder",
                          "Folder searched for detector models before $SHROUD_MODELS and the installed models folder",
                          nullptr, flags));

  gst_element_class_set_static_metadata(
      element_class, "Shroud redaction", "Filter/Effect/Video",
      "Protects faces, plates and listed regions in place (blur, pixelate, fill) with detection every N frames and "
      "tracking in between; attaches a GstVideoRegionOfInterestMeta per protected region",
      "Shroud");
  GstCaps* caps = gst_caps_from_string(kCaps);
  gst_element_class_add_pad_template(element_class, gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_element_class_add_pad_template(element_class, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref(caps);

  trans_class->start = GST_DEBUG_FUNCPTR(gst_shroud_redact_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_shroud_redact_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR(gst_shroud_redact_sink_event);
  filter_class->set_info = GST_DEBUG_FUNCPTR(gst_shroud_redact_set_info);
  filter_class->transform_frame_ip = GST_DEBUG_FUNCPTR(gst_shroud_redact_transform_frame_ip);
  gst_type_mark_as_plugin_api(redact_method_get_type(), static_cast<GstPluginAPIFlags>(0));
}

static void gst_shroud_redact_init(GstShroudRedact* self) {
  self->settings = new shroud::gst::RedactSettings();
  self->redactor = nullptr;
}

static gboolean plugin_init(GstPlugin* plugin) {
  GST_DEBUG_CATEGORY_INIT(shroud_redact_debug, "shroudredact", 0, "Shroud redaction");
  return gst_element_register(plugin, "shroudredact", GST_RANK_NONE, GST_TYPE_SHROUD_REDACT);
}

#define PACKAGE "shroud"
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, shroud,
                  "Shroud privacy engine: redaction of faces, plates and listed regions", plugin_init, SHROUD_VERSION,
                  "unknown", "shroud", "shroud")
