// The server's bounded request queue: a fixed pool of workers and at most `max_queued`
// accepted connections waiting for one. A connection that finds the queue full is handed to a
// small overflow pool instead, where every request is answered 503 with Retry-After (the route
// handlers ask overflowing()) and the connection closed; none of them runs the engine.
//
// httplib hands the task queue a closure that owns the socket (it must run to close it), so
// overflow cannot simply drop work: it answers it cheaply instead.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace shroud::service {

class RequestQueue final : public httplib::TaskQueue {
 public:
  // workers >= 1; max_queued >= 0 connections wait beyond the busy workers.
  RequestQueue(std::size_t workers, std::size_t max_queued, std::function<void()> on_overflow = nullptr);
  ~RequestQueue() override;
  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  // True on an overflow thread: the handler must answer 503 without doing the work.
  static bool overflowing();

 private:
  struct Pool {
    std::deque<std::function<void()>> jobs;
    std::vector<std::thread> threads;
  };
  void work(Pool& pool, bool overflow);

  std::size_t max_queued_;
  std::function<void()> on_overflow_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool shutdown_ = false;
  std::size_t idle_ = 0;   // main workers waiting for a job
  Pool main_, overflow_;
};

}  // namespace shroud::service
