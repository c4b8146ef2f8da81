// Device time on a stream: a pair of CUDA events around the work, destroyed with the object (a
// throw between the records leaks nothing). Used by measure (api_measure), by the graph-API
// plan search and by the LSTM algorithm choice.
#pragma once
#include <cuda_runtime.h>

#include "cuda/check.h"

namespace abw::cuda {

class EventPair {
 public:
  EventPair() {
    ABW_CU(cudaEventCreate(&a_));
    const cudaError_t e = cudaEventCreate(&b_);
    if (e != cudaSuccess) {
      cudaEventDestroy(a_);
      fail_cuda(e, "cudaEventCreate");
    }
  }
  ~EventPair() {
    cudaEventDestroy(a_);
    cudaEventDestroy(b_);
  }
  EventPair(const EventPair&) = delete;
  EventPair& operator=(const EventPair&) = delete;
  void start(cudaStream_t s) { ABW_CU(cudaEventRecord(a_, s)); }
  void stop(cudaStream_t s) { ABW_CU(cudaEventRecord(b_, s)); }
  // Waits for the stop record; milliseconds between the two.
  float ms() {
    ABW_CU(cudaEventSynchronize(b_));
    float ms = 0.f;
    ABW_CU(cudaEventElapsedTime(&ms, a_, b_));
    return ms;
  }

 private:
  cudaEvent_t a_ = nullptr, b_ = nullptr;
};

// Mean milliseconds per call of `launch` (enqueueing on `s`) over `reps` back-to-back calls, or
// -1 when a call returns false (the rest are skipped).
template <class Launch>
float mean_launch_ms(cudaStream_t s, int reps, Launch launch) {
  EventPair ev;
  bool ok = true;
  ev.start(s);
  for (int i = 0; i < reps && ok; ++i) ok = launch();
  ev.stop(s);
  const float ms = ev.ms();
  return ok ? ms / static_cast<float>(reps) : -1.f;
}

}  // namespace abw::cuda
