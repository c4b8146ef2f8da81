// A small persistent thread pool for the cpu backend's parallel loops. One parallel region at
// a time; a nested parallel_for (or a second caller while one runs) runs inline, so concurrent
// async workers never oversubscribe the cores.
#pragma once
#include <cstdint>
#include <functional>

namespace abw {

int num_threads();
void set_num_threads(int n);  // n <= 0: hardware concurrency

// Calls fn(begin, end) over [0, n) in chunks of at least `grain` items.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace abw
