#include "cuda/copy_queue.h"

#include <mutex>
#include <unordered_map>
#include <vector>

#include "cuda/check.h"
#include "cuda/context.h"

namespace abw::cuda {
namespace {

struct Queue {
  std::mutex mu;
  std::unordered_map<const void*, cudaEvent_t> uploads;  // destination → upload done
  std::unordered_map<const void*, cudaEvent_t> reads;    // source → download done
  std::vector<cudaEvent_t> idle;                         // recycled events
  std::vector<cudaEvent_t> spent;                        // recorded, waited on, not yet known done

  cudaEvent_t event() {
    if (!idle.empty()) {
      cudaEvent_t e = idle.back();
      idle.pop_back();
      return e;
    }
    cudaEvent_t e = nullptr;
    ABW_CU(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
    return e;
  }
  // An event recorded on `s` now.
  cudaEvent_t mark(cudaStream_t s) {
    cudaEvent_t e = event();
    ABW_CU(cudaEventRecord(e, s));
    spent.push_back(e);
    return e;
  }
  // The compute stream waits for the copy in `m` at `p`, if any.
  void join(std::unordered_map<const void*, cudaEvent_t>& m, const void* p) {
    auto it = m.find(p);
    if (it == m.end()) return;
    ABW_CU(cudaStreamWaitEvent(ctx().stream(), it->second, 0));
    m.erase(it);
  }
  // The compute stream waits for every queued copy into or out of `p`.
  void join_all(const void* p) {
    join(uploads, p);
    join(reads, p);
  }
};

Queue& queue() {
  static Queue q;
  return q;
}

}  // namespace

void queue_upload(void* dst, const void* src, size_t bytes) {
  Queue& q = queue();
  std::lock_guard<std::mutex> lock(q.mu);
  Context& c = ctx();
  q.join_all(dst);
  // The destination may be a recycled block that queued compute work still reads.
  ABW_CU(cudaStreamWaitEvent(c.copy_in, q.mark(c.stream()), 0));
  if (bytes) ABW_CU(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, c.copy_in));
  q.uploads[dst] = q.mark(c.copy_in);
}

void queue_download(void* dst, const void* src, size_t bytes) {
  Queue& q = queue();
  std::lock_guard<std::mutex> lock(q.mu);
  Context& c = ctx();
  q.join(q.uploads, src);
  // After everything queued so far on the compute stream: what writes the source.
  ABW_CU(cudaStreamWaitEvent(c.copy_out, q.mark(c.stream()), 0));
  if (bytes) ABW_CU(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, c.copy_out));
  q.reads[src] = q.mark(c.copy_out);  // a later download of the same source is ordered after this one
}

void before_use(const void* p) {
  Queue& q = queue();
  std::lock_guard<std::mutex> lock(q.mu);
  if (q.uploads.empty()) return;
  q.join(q.uploads, p);
}

void before_free(const void* p) {
  Queue& q = queue();
  std::lock_guard<std::mutex> lock(q.mu);
  if (q.uploads.empty() && q.reads.empty()) return;
  q.join_all(p);
}

bool copies_pending() {
  Queue& q = queue();
  std::lock_guard<std::mutex> lock(q.mu);
  return !q.spent.empty();
}

void copies_settled() {
  Queue& q = queue();
  std::lock_guard<std::mutex> lock(q.mu);
  q.uploads.clear();
  q.reads.clear();
  q.idle.insert(q.idle.end(), q.spent.begin(), q.spent.end());
  q.spent.clear();
}

void wait_for_copies() {
  if (!copies_pending()) return;
  Context& c = ctx();
  ABW_CU(cudaStreamSynchronize(c.copy_in));
  ABW_CU(cudaStreamSynchronize(c.copy_out));
}

}  // namespace abw::cuda
