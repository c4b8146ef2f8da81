// Queued copies between the host and the device, on copy streams of their own, so a pipeline's
// transfers overlap its compute (the banded fftconv uploads band b+1 and downloads band b-1
// while band b computes). The compute stream stays the one order every op runs in; the copy
// streams join it through events:
// - a queued upload waits for the compute work already queued (its destination block may be a
//   recycled one that work still reads), and the first compute use of the tensor (an op's
//   prepare, a download, a free) makes the compute stream wait for the upload;
// - a queued download waits for the compute work queued so far (what produces its source),
//   and a free of its source makes later compute work wait for it, so the block is not reused
//   under the copy.
// Both complete by the next device-wide sync. The host memory must stay untouched until then
// (the addon keeps the JS arrays alive). Every function runs on the addon's JS thread, or under
// the module's lock.
#pragma once
#include <cstddef>

namespace abw::cuda {

void queue_upload(void* dst, const void* src, size_t bytes);
void queue_download(void* dst, const void* src, size_t bytes);
// Before the compute stream touches `p` (an op's input, a synchronous copy, a zero fill).
void before_use(const void* p);
// Before `p` goes back to the allocator (later compute work may reuse the block).
void before_free(const void* p);
// Queued copies not yet known to be done (after a device-wide sync: none).
bool copies_pending();
// After a device-wide synchronisation: every queued copy is done; their events are recycled.
void copies_settled();
// Waits for the copy streams (a page-locked host block is about to be handed out again).
void wait_for_copies();

}  // namespace abw::cuda
