// What every benchmark measures the same way: elapsed seconds and peak resident memory.

export function secondsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/**
 * Peak RSS, sampled every 100 ms and once more at stop. Synchronous work does not let the timer
 * fire, so a benchmark of synchronous code also samples between its runs.
 */
export function trackPeakRss(): { stop: () => number } {
  let peak_bytes = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak_bytes = Math.max(peak_bytes, process.memoryUsage().rss);
  }, 100);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak_bytes, process.memoryUsage().rss);
    },
  };
}
