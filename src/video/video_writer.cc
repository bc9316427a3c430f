// VideoWriter over libavcodec/libavformat/libswscale.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}


#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <vector>

#include "shroud/image_io.h"
#include "shroud/video_io.h"

namespace fs = std::filesystem;

namespace shroud {
namespace {

std::string av_error(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(err, buf, sizeof(buf));
  return buf;
}

std::string lower_ext(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

class LibavWriter final : public VideoWriter {
 public:
  ~LibavWriter() override {
    if (oc_ != nullptr && oc_->pb != nullptr) avio_closep(&oc_->pb);
    if (oc_ != nullptr) avformat_free_context(oc_);
    if (ic_ != nullptr) avformat_close_input(&ic_);
    avcodec_free_context(&enc_);
    av_frame_free(&frame_);
    av_packet_free(&pkt_);
    av_packet_free(&apkt_);
    sws_freeContext(sws_);
  }

  Status init(const VideoWriterOptions& o) {
    opts_ = o;
    if (o.size.width <= 0 || o.size.height <= 0) return make_error(ErrorCode::kInvalidArgument, "video size is empty");
    if (!(o.fps > 0.0 && o.fps < 1000.0)) return make_error(ErrorCode::kInvalidArgument, "video frame rate is invalid");
    const AVOutputFormat* fmt = av_guess_format(nullptr, o.path.c_str(), nullptr);
    if (fmt == nullptr) {
      return make_error(ErrorCode::kUnsupported, "'" + o.path + "': unknown video container (use .mp4, .mkv, .avi or .mov)");
    }
    WriteOptions wo;
    wo.overwrite = o.overwrite;
    SHROUD_ASSIGN_OR_RETURN(file_, AtomicFile::create(o.path, wo, fs::path(o.path).extension().string()));
    const std::string& tmp = file_.temp_path();
    int err = avformat_alloc_output_context2(&oc_, fmt, nullptr, tmp.c_str());
    if (err < 0 || oc_ == nullptr) return make_error(ErrorCode::kInternal, "cannot create output container: " + av_error(err));
    // Same frames, same bytes: no random ids (Matroska's segment UID) or library version strings.
    oc_->flags |= AVFMT_FLAG_BITEXACT;

    SHROUD_RETURN_IF_ERROR(open_encoder(o));
    vst_ = avformat_new_stream(oc_, nullptr);
    if (vst_ == nullptr) return make_error(ErrorCode::kInternal, "cannot add a video stream");
    avcodec_parameters_from_context(vst_->codecpar, enc_);
    vst_->time_base = enc_->time_base;
    vst_->avg_frame_rate = enc_->framerate;
    vst_->r_frame_rate = enc_->framerate;

    audio_eof_ = o.audio_from.empty();
    if (!o.audio_from.empty()) SHROUD_RETURN_IF_ERROR(open_audio(o.audio_from));

    err = avio_open(&oc_->pb, tmp.c_str(), AVIO_FLAG_WRITE);
    if (err < 0) {
      return make_error(ErrorCode::kPermission, "cannot write '" + o.path + "': " + av_error(err));
    }
    err = avformat_write_header(oc_, nullptr);
    if (err < 0) return make_error(ErrorCode::kUnsupported, "cannot write the video header: " + av_error(err));

    frame_ = av_frame_alloc();
    pkt_ = av_packet_alloc();
    apkt_ = av_packet_alloc();
    if (frame_ == nullptr || pkt_ == nullptr || apkt_ == nullptr) return make_error(ErrorCode::kInternal, "out of memory");
    frame_->format = enc_->pix_fmt;
    frame_->width = enc_->width;
    frame_->height = enc_->height;
    if (av_frame_get_buffer(frame_, 0) < 0) return make_error(ErrorCode::kInternal, "cannot allocate a video frame");
    sws_ = sws_getContext(o.size.width, o.size.height, AV_PIX_FMT_BGR24, o.size.width, o.size.height, enc_->pix_fmt,
                          SWS_BILINEAR, nullptr, nullptr, nullptr);
    if (sws_ == nullptr) return make_error(ErrorCode::kInternal, "cannot create the pixel converter");
    return ok_status();
  }

  Status write(const cv::Mat& frame) override {
    if (frame.type() != CV_8UC3 || frame.size() != opts_.size) {
      return make_error(ErrorCode::kInvalidArgument, "video frame has the wrong size or type");
    }
    if (av_frame_make_writable(frame_) < 0) return make_error(ErrorCode::kInternal, "cannot write video frame");
    const std::uint8_t* src[1] = {frame.data};
    const int stride[1] = {static_cast<int>(frame.step)};
    sws_scale(sws_, src, stride, 0, frame.rows, frame_->data, frame_->linesize);
    frame_->pts = next_pts_++;
    SHROUD_RETURN_IF_ERROR(encode(frame_));
    return pump_audio(static_cast<double>(next_pts_) / opts_.fps);
  }

  Status finish() override {
    SHROUD_RETURN_IF_ERROR(encode(nullptr));
    SHROUD_RETURN_IF_ERROR(pump_audio(std::numeric_limits<double>::infinity()));
    int err = av_write_trailer(oc_);
    if (err < 0) return make_error(ErrorCode::kIo, "cannot finish the video: " + av_error(err));
    avio_closep(&oc_->pb);
    return file_.commit();
  }

  int audio_streams() const override {
    return static_cast<int>(std::count_if(audio_map_.begin(), audio_map_.end(), [](int v) { return v >= 0; }));
  }

 private:


  Status open_encoder(const VideoWriterOptions& o) {
    std::string codec = o.codec;
    if (codec == "auto") codec = lower_ext(o.path) == ".avi" ? "mpeg4" : "h264";
    const AVCodec* c = nullptr;
    if (codec == "h264") {
      c = avcodec_find_encoder_by_name("libx264");
      if (c == nullptr) {
        codec = "mpeg4";
      }
    }
    if (codec == "mpeg4") c = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
    if (codec == "ffv1") c = avcodec_find_encoder(AV_CODEC_ID_FFV1);
    if (c == nullptr) return make_error(ErrorCode::kUnsupported, "video codec '" + o.codec + "' is not available");
    enc_ = avcodec_alloc_context3(c);
    if (enc_ == nullptr) return make_error(ErrorCode::kInternal, "out of memory");
    const AVRational rate = av_d2q(o.fps, 100000);
    enc_->width = o.size.width;
    enc_->height = o.size.height;
    enc_->framerate = rate;
    enc_->time_base = av_inv_q(rate);
    enc_->thread_count = std::max(1, o.threads);
    const bool even = o.size.width % 2 == 0 && o.size.height % 2 == 0;
    if (codec == "ffv1") {
      enc_->pix_fmt = AV_PIX_FMT_0RGB32;  // BGRA byte order, lossless from BGR
      enc_->level = 3;
    } else if (codec == "h264") {
      enc_->pix_fmt = even ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_YUV444P;
      enc_->gop_size = std::max(1, static_cast<int>(std::lround(o.fps * 10)));
      av_opt_set(enc_->priv_data, "preset", o.preset.c_str(), 0);
      av_opt_set(enc_->priv_data, "crf", std::to_string(o.crf).c_str(), 0);
    } else {
      if (!even) return make_error(ErrorCode::kUnsupported, "MPEG-4 needs even frame sizes; write .mp4 or .mkv (H.264)");
      enc_->pix_fmt = AV_PIX_FMT_YUV420P;
      enc_->gop_size = 12;
      enc_->flags |= AV_CODEC_FLAG_QSCALE;
      enc_->global_quality = FF_QP2LAMBDA * 3;
    }
    if (oc_->oformat->flags & AVFMT_GLOBALHEADER) enc_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    const int err = avcodec_open2(enc_, c, nullptr);
    if (err < 0) return make_error(ErrorCode::kUnsupported, "cannot open the " + codec + " encoder: " + av_error(err));
    return ok_status();
  }

  Status open_audio(const std::string& source) {
    int err = avformat_open_input(&ic_, source.c_str(), nullptr, nullptr);
    if (err < 0) return make_error(ErrorCode::kCorrupt, "'" + source + "': cannot read audio: " + av_error(err));
    err = avformat_find_stream_info(ic_, nullptr);
    if (err < 0) return make_error(ErrorCode::kCorrupt, "'" + source + "': cannot read stream info: " + av_error(err));
    audio_map_.assign(ic_->nb_streams, -1);
    for (unsigned i = 0; i < ic_->nb_streams; ++i) {
      const AVStream* in = ic_->streams[i];
      if (in->codecpar->codec_type != AVMEDIA_TYPE_AUDIO) continue;
      if (avformat_query_codec(oc_->oformat, in->codecpar->codec_id, FF_COMPLIANCE_NORMAL) != 1) {
        return make_error(ErrorCode::kUnsupported,
                          std::string("the output container cannot hold the input's ") +
                              avcodec_get_name(in->codecpar->codec_id) +
                              " audio without re-encoding; write .mkv or use --drop-audio");
      }
      AVStream* out = avformat_new_stream(oc_, nullptr);
      if (out == nullptr) return make_error(ErrorCode::kInternal, "cannot add an audio stream");
      avcodec_parameters_copy(out->codecpar, in->codecpar);
      out->codecpar->codec_tag = 0;
      out->time_base = in->time_base;
      audio_map_[i] = out->index;
    }
    if (audio_streams() == 0) {
      avformat_close_input(&ic_);
      audio_eof_ = true;
    }
    return ok_status();
  }

  Status encode(AVFrame* f) {
    int err = avcodec_send_frame(enc_, f);
    if (err < 0) return make_error(ErrorCode::kInternal, "video encoding failed: " + av_error(err));
    while ((err = avcodec_receive_packet(enc_, pkt_)) == 0) {
      if (pkt_->duration == 0) pkt_->duration = 1;
      av_packet_rescale_ts(pkt_, enc_->time_base, vst_->time_base);
      pkt_->stream_index = vst_->index;
      err = av_interleaved_write_frame(oc_, pkt_);
      if (err < 0) return make_error(ErrorCode::kIo, "writing video failed: " + av_error(err));
    }
    if (err != AVERROR(EAGAIN) && err != AVERROR_EOF) {
      return make_error(ErrorCode::kInternal, "video encoding failed: " + av_error(err));
    }
    return ok_status();
  }

  // Copies audio packets up to `until` seconds (keeps one packet pending past it).
  Status pump_audio(double until) {
    while (!audio_eof_ && ic_ != nullptr) {
      if (!pending_) {
        const int err = av_read_frame(ic_, apkt_);
        if (err < 0) {
          audio_eof_ = true;
          break;
        }
        if (apkt_->stream_index < 0 || static_cast<unsigned>(apkt_->stream_index) >= audio_map_.size() ||
            audio_map_[apkt_->stream_index] < 0) {
          av_packet_unref(apkt_);
          continue;
        }
        pending_ = true;
      }
      const AVStream* in = ic_->streams[apkt_->stream_index];
      const std::int64_t ts = apkt_->dts != AV_NOPTS_VALUE ? apkt_->dts : apkt_->pts;
      const double t = ts == AV_NOPTS_VALUE ? 0.0 : ts * av_q2d(in->time_base);
      if (t > until) break;
      AVStream* out = oc_->streams[audio_map_[apkt_->stream_index]];
      av_packet_rescale_ts(apkt_, in->time_base, out->time_base);
      apkt_->stream_index = out->index;
      apkt_->pos = -1;
      const int err = av_interleaved_write_frame(oc_, apkt_);
      pending_ = false;
      if (err < 0) return make_error(ErrorCode::kIo, "writing audio failed: " + av_error(err));
    }
    return ok_status();
  }

  VideoWriterOptions opts_;
  AVFormatContext* oc_ = nullptr;
  AVFormatContext* ic_ = nullptr;
  AVCodecContext* enc_ = nullptr;
  AVStream* vst_ = nullptr;
  SwsContext* sws_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* pkt_ = nullptr;
  AVPacket* apkt_ = nullptr;
  std::vector<int> audio_map_;
  bool audio_eof_ = false;
  bool pending_ = false;
  std::int64_t next_pts_ = 0;
  AtomicFile file_;  // the output, renamed into place by finish()
};

}  // namespace

Result<std::unique_ptr<VideoWriter>> VideoWriter::open(const VideoWriterOptions& options) {
  auto w = std::make_unique<LibavWriter>();
  SHROUD_RETURN_IF_ERROR(w->init(options));
  return std::unique_ptr<VideoWriter>(std::move(w));
}

}  // namespace shroud
