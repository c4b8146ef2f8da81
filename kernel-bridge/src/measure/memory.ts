/** Host memory of this process, in bytes. */
export interface HostMemory {
  readonly rssBytes: number;
  /** Peak resident set since the process started (getrusage maxrss, KiB → bytes). */
  readonly peakRssBytes: number;
}

export function hostMemory(): HostMemory {
  return {
    rssBytes: process.memoryUsage.rss(),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}
