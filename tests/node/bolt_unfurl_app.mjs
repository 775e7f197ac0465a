// Bolt for JavaScript as a Calls app, receiving the fake's events.
//
// Run by tests/real_parts/bolt_js.rs. Bolt's own HTTPReceiver listens on
// 127.0.0.1 (a port the system picks) at /slack/events and verifies each
// request with $SLACK_CALLS_SIGNING_SECRET; its client talks to the fake's
// Web API ($SLACK_CALLS_MOCK_URL, as clientOptions.slackApiUrl) with
// $SLACK_CALLS_MOCK_BOT_TOKEN. On `link_shared` it registers a Call for each
// link (calls.add) and unfurls the link as that Call (chat.unfurl with a
// `call` block), as Slack's Calls guide says.
//
// Prints `ready <port>` once it listens, and `unfurled <url> <call id>`
// for each link it unfurled; Bolt's own log goes to stderr.

import { App, LogLevel } from '@slack/bolt';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
};

const app = new App({
  token: env('SLACK_CALLS_MOCK_BOT_TOKEN'),
  signingSecret: env('SLACK_CALLS_SIGNING_SECRET'),
  clientOptions: { slackApiUrl: env('SLACK_CALLS_MOCK_URL') },
  // Bolt's warnings (a refused signature among them) go to stderr.
  logLevel: LogLevel.INFO,
  // init() below calls auth.test on the fake before the app listens, so a
  // failure there ends the script instead of surfacing on the first event.
  deferInitialization: true,
});

app.event('link_shared', async ({ event, client }) => {
  for (const link of event.links) {
    const { call } = await client.calls.add({
      external_unique_id: `bolt-js-${event.message_ts}-${link.url}`,
      join_url: link.url,
      created_by: event.user,
      title: 'Unfurled by Bolt for JavaScript',
    });
    await client.chat.unfurl({
      channel: event.channel,
      ts: event.message_ts,
      unfurls: { [link.url]: { blocks: [{ type: 'call', call_id: call.id }] } },
    });
    console.log(`unfurled ${link.url} ${call.id}`);
  }
});

await app.init();
const server = await app.start({ port: 0, host: '127.0.0.1' });
console.log(`ready ${server.address().port}`);
