#include "service/request_queue.h"

namespace shroud::service {
namespace {
thread_local bool t_overflow = false;
constexpr std::size_t kOverflowThreads = 2;
}  // namespace

bool RequestQueue::overflowing() { return t_overflow; }

RequestQueue::RequestQueue(std::size_t workers, std::size_t max_queued, std::function<void()> on_overflow)
    : max_queued_(max_queued), on_overflow_(std::move(on_overflow)) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, workers); ++i) main_.threads.emplace_back([this] { work(main_, false); });
  for (std::size_t i = 0; i < kOverflowThreads; ++i) overflow_.threads.emplace_back([this] { work(overflow_, true); });
}

RequestQueue::~RequestQueue() { shutdown(); }

void RequestQueue::enqueue(std::function<void()> fn) {
  bool overflow = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Queued jobs beyond the idle workers wait; running ones are not counted.
    overflow = main_.jobs.size() >= max_queued_ + idle_;
    (overflow ? overflow_ : main_).jobs.push_back(std::move(fn));
  }
  if (overflow && on_overflow_) on_overflow_();
  cv_.notify_all();
}

void RequestQueue::work(Pool& pool, bool overflow) {
  t_overflow = overflow;
  for (;;) {
    std::function<void()> fn;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!overflow) ++idle_;
      cv_.wait(lock, [&] { return !pool.jobs.empty() || shutdown_; });
      if (!overflow) --idle_;
      if (shutdown_ && pool.jobs.empty()) return;
      fn = std::move(pool.jobs.front());
      pool.jobs.pop_front();
    }
    fn();
  }
}

void RequestQueue::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (shutdown_) return;
    shutdown_ = true;
  }
  cv_.notify_all();
  for (auto* pool : {&main_, &overflow_}) {
    for (auto& t : pool->threads) {
      if (t.joinable()) t.join();
    }
  }
}

}  // namespace shroud::service
