// The Node peer of benches/compare.rs, section 4: sequential calls.info with
// the official @slack/web-api WebClient against the fake the bench started (a
// process of its own). WebClient 8.x sends through `globalThis.fetch` (Node's
// built-in undici), which keeps the connection alive; it takes no http.Agent.
// After BENCH_WARMUP warm-up calls it times BENCH_N calls by this process's
// own CPU time (process.cpuUsage(): user + system, every thread, so V8's
// compiler and GC threads count) and by the wall clock, and prints
// {"cpu_us_per_call": ..., "wall_us_per_call": ...}.
"use strict";
const { WebClient } = require("@slack/web-api");

async function main() {
  const base = process.env.BENCH_URL.endsWith("/") ? process.env.BENCH_URL : process.env.BENCH_URL + "/";
  const web = new WebClient(process.env.BENCH_TOKEN, {
    slackApiUrl: base,
    retryConfig: { retries: 0 },
    // A 429 fails the run instead of waiting inside the timed loop.
    rejectRateLimitedCalls: true,
  });
  const id = process.env.BENCH_CALL;
  const warmup = Number(process.env.BENCH_WARMUP);
  const n = Number(process.env.BENCH_N);
  const info = async () => {
    const answer = await web.calls.info({ id });
    if (!answer.ok) throw new Error("calls.info failed");
  };
  for (let i = 0; i < warmup; i++) {
    await info();
  }
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    await info();
  }
  const ns = Number(process.hrtime.bigint() - start);
  const cpu = process.cpuUsage(cpuStart);
  console.log(
    JSON.stringify({
      cpu_us_per_call: (cpu.user + cpu.system) / n,
      wall_us_per_call: ns / 1000 / n,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
