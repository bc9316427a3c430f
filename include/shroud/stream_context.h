// StreamContext: what the detectors of one video stream share.
//
// The video pipeline runs one detector object per worker thread and hands each frame to whichever
// worker is free, so a detector that reuses work across frames (YuNet's change gate) must not
// keep that work in its own object: what it found in frame k would depend on which earlier frames
// that worker happened to see. It keeps it here instead, keyed by frame index, so its result for
// frame k is a function of the frames' contents and indices only (same bytes for any -j).
//
// Thread-safe. One per stream (protect_video call, FrameStream run); a new run gets a new one.
// Values are published once per (key, index) and read with take(), which waits for them: frames
// are handed to workers in index order, so a worker waiting for an earlier frame's value waits
// for a worker that is already running that frame (no deadlock). close() (on failure or
// cancel) wakes every waiter with no value.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace shroud {

class StreamContext {
 public:
  // `detect_every`: the pipeline detects frames whose index is a multiple of it (>= 1), so a
  // detector knows which frames it will be given and may wait for.
  explicit StreamContext(int detect_every = 1) : detect_every_(detect_every < 1 ? 1 : detect_every) {}

  int detect_every() const { return detect_every_; }

  // Publishes `value` (may be null: "nothing usable") under (key, index), to be taken `uses`
  // times; after the last take it is dropped (so memory stays bounded on long streams). Publishing
  // a key that is still there adds its uses (two identical detectors in one union publish the
  // same value and take it twice).
  void publish(const std::string& key, std::int64_t index, std::shared_ptr<const void> value, int uses) {
    if (uses <= 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = entries_.try_emplace({key, index}, Entry{std::move(value), uses});
    if (!inserted) it->second.uses += uses;
    cv_.notify_all();
  }

  // Waits for (key, index) and counts one use of it; null once closed.
  std::shared_ptr<const void> take(const std::string& key, std::int64_t index) {
    std::unique_lock<std::mutex> lock(mu_);
    const std::pair<std::string, std::int64_t> k{key, index};
    cv_.wait(lock, [&] { return closed_ || entries_.count(k) > 0; });
    auto it = entries_.find(k);
    if (it == entries_.end()) return nullptr;
    std::shared_ptr<const void> v = it->second.value;
    if (--it->second.uses <= 0) entries_.erase(it);
    return v;
  }

  // Wakes every waiter (take() returns null from now on).
  void close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

  // Entries published and not yet taken their number of times (tests).
  std::size_t pending() const {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.size();
  }

 private:
  struct Entry {
    std::shared_ptr<const void> value;
    int uses = 0;
  };
  const int detect_every_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false;
  std::map<std::pair<std::string, std::int64_t>, Entry> entries_;
};

}  // namespace shroud
