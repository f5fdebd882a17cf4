// GATEWAY_POLICY for the benchmark: tiers chosen so each scenario measures what it names.
//   bench     limits far above what one machine can send: the admitted path measures throughput,
//             not the limiter (every limit is still checked on every request).
//   tiny      1 per minute: after one admission every request is a 429 rate_limited.
//   overload  5 in flight (the free tier's), no practical rate limit: a slow origin's exposure
//             is bounded by the in-flight slots alone.
const CAPS = { max_num_generations: 1000, max_num_genes: 256, max_submission_seconds: 3600 };

export const BENCH_TIERS = {
  bench: { per_minute: 100_000_000, in_flight: 100_000, per_day: 100_000_000, ...CAPS },
  tiny: { per_minute: 1, in_flight: 5, per_day: 100_000_000, ...CAPS },
  overload: { per_minute: 100_000_000, in_flight: 5, per_day: 100_000_000, ...CAPS },
} as const;

export const BENCH_POLICY = JSON.stringify({ tiers: BENCH_TIERS });

export const ADMIN_TOKEN = "bench-admin-token";
