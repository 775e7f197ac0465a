// Runs a whole Slack Calls lifecycle against slack-calls-mock through the
// official Node SDK (@slack/web-api), checks the documented errors, and
// checks the SDK's own 429 and 5xx handling, with the faults injected
// through the fake's control API (/_mock/ on the same port).
//
// The fake is found through the environment, as slack-calls-mock prints it:
//   SLACK_CALLS_MOCK_URL             base URL, such as http://127.0.0.1:PORT/api/
//   SLACK_CALLS_MOCK_BOT_TOKEN       bot token with calls:read and calls:write
//   SLACK_CALLS_MOCK_USER_TOKEN      user token with calls:read and calls:write
//   SLACK_CALLS_MOCK_READONLY_TOKEN  bot token with calls:read only
// The directory must hold the default users U0MOCK001 to U0MOCK005.
//
// Run with `node --test calls_lifecycle.mjs`; exits non-zero when a check fails.

import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { ErrorCode, WebClient, WebClientEvent } from '@slack/web-api';

const URL = process.env.SLACK_CALLS_MOCK_URL ?? '';
const BOT = process.env.SLACK_CALLS_MOCK_BOT_TOKEN ?? '';
const USER = process.env.SLACK_CALLS_MOCK_USER_TOKEN ?? '';
const READONLY = process.env.SLACK_CALLS_MOCK_READONLY_TOKEN ?? '';

const missing = Object.entries({
  SLACK_CALLS_MOCK_URL: URL,
  SLACK_CALLS_MOCK_BOT_TOKEN: BOT,
  SLACK_CALLS_MOCK_USER_TOKEN: USER,
  SLACK_CALLS_MOCK_READONLY_TOKEN: READONLY,
})
  .filter(([, value]) => !value)
  .map(([name]) => name);
if (missing.length > 0) {
  console.error(`set ${missing.join(', ')} (slack-calls-mock prints the first three)`);
  process.exit(2);
}

/** A client that does not retry errors (the 429 tests set their own). */
function client(token, options = {}) {
  return new WebClient(token, { slackApiUrl: URL, retryConfig: { retries: 0 }, ...options });
}

/** One request to the fake's control API: { status, body }. */
async function control(path, body, method) {
  const base = URL.replace(/\/api\/?$/, '');
  const response = await fetch(`${base}/_mock${path}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** Awaits `promise`, which must fail with Slack error `code`; returns its data. */
async function slackError(code, promise) {
  const err = await promise.then(
    () => assert.fail(`expected the Slack error ${code}`),
    (e) => e,
  );
  assert.equal(err.code, ErrorCode.PlatformError, String(err));
  assert.equal(err.data.ok, false);
  assert.equal(err.data.error, code);
  return err.data;
}

describe('Calls against the fake', () => {
  test('lifecycle', async () => {
    const web = client(BOT);
    const added = await web.calls.add({
      external_unique_id: 'node-lifecycle',
      join_url: 'https://example.com/join/node',
      created_by: 'U0MOCK001',
      title: 'Node sync',
      users: [{ slack_id: 'U0MOCK002' }],
    });
    assert.equal(added.ok, true);
    // The SDK lifts x-oauth-scopes and x-accepted-oauth-scopes.
    assert.ok(added.response_metadata.scopes.includes('calls:write'));
    assert.deepEqual(added.response_metadata.acceptedScopes, ['calls:write']);
    const call = added.call;
    assert.match(call.id, /^R/);
    assert.deepEqual(call.users, [{ slack_id: 'U0MOCK002' }]);

    const info = (await web.calls.info({ id: call.id })).call;
    assert.equal(info.external_unique_id, 'node-lifecycle');
    assert.equal(info.title, 'Node sync');

    const updated = (await web.calls.update({ id: call.id, title: 'Node sync (overtime)' })).call;
    assert.equal(updated.title, 'Node sync (overtime)');
    assert.equal(updated.date_start, call.date_start);

    await web.calls.participants.add({
      id: call.id,
      users: [{ external_id: 'node-guest', display_name: 'Guest' }],
    });
    await web.calls.participants.remove({ id: call.id, users: [{ slack_id: 'U0MOCK002' }] });
    const users = (await web.calls.info({ id: call.id })).call.users;
    assert.deepEqual(
      users.map((u) => u.external_id),
      ['node-guest'],
    );

    await web.calls.end({ id: call.id, duration: 600 });
    const ended = (await web.calls.info({ id: call.id })).call;
    assert.equal(ended.date_end, call.date_start + 600);

    await slackError('inactive_call', web.calls.end({ id: call.id }));
    await slackError(
      'inactive_call',
      web.calls.participants.add({ id: call.id, users: [{ slack_id: 'U0MOCK003' }] }),
    );
  });

  test('errors', async () => {
    const web = client(USER);
    const call = (
      await web.calls.add({
        external_unique_id: 'node-errors',
        join_url: 'https://example.com/join/node',
        users: [{ slack_id: 'U0MOCK002' }],
      })
    ).call;
    await slackError(
      'bad_users',
      web.calls.participants.add({ id: call.id, users: [{ slack_id: 'U0MOCK002' }] }),
    );
    await slackError(
      'user_not_found',
      web.calls.participants.add({ id: call.id, users: [{ slack_id: 'U0NOBODY' }] }),
    );
    await slackError('invalid_call_id', web.calls.info({ id: 'R0NOSUCH01' }));
    await slackError('invalid_auth', client('xoxb-not-known-here').calls.info({ id: call.id }));
    await slackError(
      'invalid_created_by',
      client(BOT).calls.add({ external_unique_id: 'n', join_url: 'https://example.com/j' }),
    );
    const scope = await slackError(
      'missing_scope',
      client(READONLY).calls.add({
        external_unique_id: 'node-scope',
        join_url: 'https://example.com/j',
        created_by: 'U0MOCK001',
      }),
    );
    assert.equal(scope.needed, 'calls:write');
    assert.equal(scope.provided, 'calls:read');
  });
});

describe('The SDK against faults injected through the control API', () => {
  beforeEach(async () => {
    assert.equal((await control('/injections', undefined, 'DELETE')).status, 200);
  });

  test('its own 429 handling waits Retry-After and retries', async () => {
    const call = (
      await client(USER).calls.add({
        external_unique_id: 'node-429',
        join_url: 'https://example.com/join/node',
      })
    ).call;
    await control('/requests', undefined, 'DELETE');
    const injected = await control('/fault', {
      method: 'calls.info',
      fault: 'rate_limited',
      retry_after: 1,
    });
    assert.equal(injected.status, 200);
    const web = client(USER, { retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 10 } });
    const waits = [];
    web.on(WebClientEvent.RATE_LIMITED, (seconds) => waits.push(seconds));
    const info = await web.calls.info({ id: call.id });
    assert.equal(info.call.id, call.id);
    assert.deepEqual(waits, [1]);
    const log = (await control('/requests?method=calls.info')).body.requests;
    assert.deepEqual(
      log.map((entry) => entry.outcome),
      ['skipped', 'ok'],
    );
  });

  test('rejectRateLimitedCalls surfaces the 429 with its Retry-After', async () => {
    await control('/fault', { method: 'calls.info', fault: 'rate_limited', retry_after: 4 });
    const web = client(BOT, { rejectRateLimitedCalls: true });
    const err = await web.calls.info({ id: 'R0NOSUCH01' }).then(
      () => assert.fail('expected a rate-limit error'),
      (e) => e,
    );
    assert.equal(err.code, ErrorCode.RateLimitedError);
    assert.equal(err.retryAfter, 4);
  });

  test('a 503 is retried by the SDK', async () => {
    await control('/fault', { method: 'calls.info', fault: 'status', status: 503 });
    const web = client(BOT, { retryConfig: { retries: 1, factor: 1, minTimeout: 10, maxTimeout: 10 } });
    // The retry meets the fake's own answer.
    await slackError('invalid_call_id', web.calls.info({ id: 'R0NOSUCH01' }));
    assert.deepEqual((await control('/injections')).body.pending, {});
  });

  test('a scripted error reaches the caller', async () => {
    await control('/script', { method: 'calls.end', error: 'not_implemented' });
    await slackError('not_implemented', client(BOT).calls.end({ id: 'R0NOSUCH01' }));
  });

  test('a bad control request is refused with a JSON error', async () => {
    const refused = await control('/fault', { method: 'calls.info', fault: 'melt' });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.ok, false);
    assert.match(refused.body.message, /is not a fault/);
  });
});
