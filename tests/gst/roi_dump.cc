// Test helper for tests/gst/run.sh: runs a gst-launch style pipeline that ends in
// `appsink name=sink` and prints, for each buffer, its GstVideoRegionOfInterestMeta:
//   frame INDEX
//   roi KIND X Y W H ID METHOD
// Exit 0 at EOS, 1 on a pipeline error (printed), 2 on bad usage.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <cstdio>

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: roi_dump 'PIPELINE ! appsink name=sink'\n");
    return 2;
  }
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(argv[1], &err);
  if (pipeline == nullptr || err != nullptr) {
    std::fprintf(stderr, "roi_dump: %s\n", err != nullptr ? err->message : "cannot parse");
    return 2;
  }
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  if (sink == nullptr) {
    std::fprintf(stderr, "roi_dump: no element named 'sink'\n");
    return 2;
  }
  g_object_set(sink, "sync", FALSE, nullptr);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  int frame = 0;
  while (GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink))) {
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    std::printf("frame %d\n", frame++);
    gpointer state = nullptr;
    while (GstMeta* m = gst_buffer_iterate_meta_filtered(buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)) {
      auto* roi = reinterpret_cast<GstVideoRegionOfInterestMeta*>(m);
      const char* method = "?";
      if (GstStructure* s = gst_video_region_of_interest_meta_get_param(roi, "shroud")) {
        method = gst_structure_get_string(s, "method");
      }
      std::printf("roi %s %u %u %u %u %d %s\n", g_quark_to_string(roi->roi_type), roi->x, roi->y, roi->w, roi->h,
                  roi->id, method != nullptr ? method : "?");
    }
    gst_sample_unref(sample);
  }
  int rc = 0;
  GstBus* bus = gst_element_get_bus(pipeline);
  if (GstMessage* msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
    GError* e = nullptr;
    gst_message_parse_error(msg, &e, nullptr);
    std::fprintf(stderr, "roi_dump: error: %s\n", e->message);
    g_error_free(e);
    gst_message_unref(msg);
    rc = 1;
  }
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return rc;
}
