// The Node peer of benches/compare.rs, section 4: sequential calls.info with
// the official @slack/web-api WebClient over a keep-alive HTTP agent,
// against the fake the bench started. Prints {"us_per_call": ...}.
"use strict";
const http = require("node:http");
const { WebClient } = require("@slack/web-api");

async function main() {
  const base = process.env.BENCH_URL.endsWith("/") ? process.env.BENCH_URL : process.env.BENCH_URL + "/";
  const web = new WebClient(process.env.BENCH_TOKEN, {
    slackApiUrl: base,
    agent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
    retryConfig: { retries: 0 },
  });
  const id = process.env.BENCH_CALL;
  const n = Number(process.env.BENCH_N);
  for (let i = 0; i < 10; i++) {
    await web.calls.info({ id });
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const answer = await web.calls.info({ id });
    if (!answer.ok) throw new Error("calls.info failed");
  }
  const ns = Number(process.hrtime.bigint() - start);
  console.log(JSON.stringify({ us_per_call: ns / 1000 / n }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
