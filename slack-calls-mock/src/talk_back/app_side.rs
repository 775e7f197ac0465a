//! [`MockSlack`]'s side of Slack talking back: registering the app,
//! making fake users act, and reading their messages and the deliveries.
//! Each method runs the same code as its control-API endpoint (in
//! [`user_actions`](crate::talk_back::user_actions)).

use slack_calls::CallInitiation;

use crate::MockSlack;
use crate::talk_back::delivery::{InitiationError, UrlVerificationError, verify_url};
use crate::talk_back::events::{DeliveryRecord, MessageRecord, MockApp, UserActionError};

impl MockSlack {
    /// Registers (or replaces) the app that receives events and Call
    /// initiations, once its Request URL passed Slack's `url_verification`
    /// handshake (a signed `{token, challenge, type}` POST, answered with
    /// the challenge within the app's ack timeout), as Slack checks a
    /// Request URL before saving it. An app that fails it is not
    /// registered, and an earlier app stays.
    pub async fn register_app(&self, app: MockApp) -> Result<(), UrlVerificationError> {
        verify_url(&app).await?;
        self.fake.lock().events.app = Some(app);
        Ok(())
    }

    /// The app's signing secret is regenerated on Slack's side (the app
    /// settings' "Regenerate"): the Request URL stays registered, and
    /// every delivery from now on is signed with `secret`. An app still
    /// holding the old secret refuses them, as a real one would until it is
    /// given the new one.
    ///
    /// Fails when no app is registered or `secret` is empty.
    pub fn regenerate_signing_secret(
        &self,
        secret: impl slack_calls::signing::IntoSigningSecret,
    ) -> Result<(), RegenerateError> {
        let secret = secret
            .into_signing_secret()
            .map_err(RegenerateError::Secret)?;
        match self.fake.lock().events.app.as_mut() {
            Some(app) => {
                app.secret = secret;
                Ok(())
            }
            None => Err(RegenerateError::NoApp),
        }
    }

    /// A fake user types `text` into the message composer of `channel`,
    /// not posting it yet. When it holds links on the registered app's
    /// unfurl domains, Slack's `link_shared` goes to the app with `source:
    /// composer`, `channel: COMPOSER` and an `unfurl_id` that
    /// `chat.unfurl` takes with `source: composer` (Slack's link_shared
    /// page). Posting the text afterwards ([`MockSlack::user_posts`])
    /// sends `link_shared` again, with `source: conversations_history`.
    ///
    /// Returns the draft: [`MessageRecord::channel`] is `COMPOSER` and
    /// [`MessageRecord::source`] `composer`; it is listed among
    /// [`MockSlack::messages`]. Fails when no workspace has both the user
    /// and the channel.
    pub fn user_types(
        &self,
        user: &str,
        channel: &str,
        text: &str,
    ) -> Result<MessageRecord, UserActionError> {
        self.fake.user_types(user, channel, text)
    }

    /// A fake user posts `text` in `channel`. When it holds links on the
    /// registered app's unfurl domains, Slack's signed `link_shared` goes
    /// to the app (delivery runs in the background; see
    /// [`MockSlack::deliveries`]).
    ///
    /// Fails when no workspace has both the user and the channel.
    pub fn user_posts(
        &self,
        user: &str,
        channel: &str,
        text: &str,
    ) -> Result<MessageRecord, UserActionError> {
        self.fake.user_posts(user, channel, text)
    }

    /// A fake user rejects the Call `call_id` shared with them in
    /// `channel`: Slack's `call_rejected` goes to the app. Returns its
    /// event id.
    pub fn user_rejects_call(
        &self,
        user: &str,
        call_id: &str,
        channel: &str,
    ) -> Result<String, UserActionError> {
        self.fake.user_rejects_call(user, call_id, channel)
    }

    /// The app is uninstalled from workspace `team_id`: every token of the
    /// workspace is revoked, as by `apps.uninstall`, and Slack sends
    /// `app_uninstalled` and `tokens_revoked`. Returns their event ids.
    ///
    /// Fails when no app is registered (nothing is revoked then) or the
    /// fake has no such workspace.
    pub fn uninstall_app(&self, team_id: &str) -> Result<Vec<String>, UserActionError> {
        self.fake.uninstall_app(team_id)
    }

    /// The app's org-wide install leaves the Enterprise Grid organization
    /// `enterprise_id`, as by `apps.uninstall` with one of its tokens:
    /// every token of that install is revoked in every workspace of the
    /// organization, and a registered app gets `app_uninstalled` and
    /// `tokens_revoked` naming the organization (`enterprise_id` in the
    /// envelope, `is_enterprise_install: true` in `authorizations`).
    /// Returns their event ids (none without a registered app).
    ///
    /// Fails when the fake has no such organization, or the app is not
    /// installed org-wide there.
    pub fn uninstall_org_app(&self, enterprise_id: &str) -> Result<Vec<String>, UserActionError> {
        self.fake
            .uninstall_org_app(enterprise_id)
            .map(|(_, ids)| ids)
    }

    /// A fake user presses the Call button in `channel`: Slack's signed
    /// Call-initiation request (a form with a slash command's fields:
    /// `token`, `team_id`, `team_domain`, `channel_id`, `channel_name`,
    /// `user_id`, `user_name`, `response_url`, `trigger_id`, `type`, ...) goes to the app,
    /// once, and its answer must be `response_type: call` with a
    /// `call_initiation_url` within the ack timeout. Logged like events.
    ///
    /// The answer may come in the HTTP response, or the app may acknowledge
    /// empty and post it (JSON) to the request's `response_url`, which the
    /// fake serves (`POST /_mock/response/{n}`), within the same ack
    /// timeout of the press, as the Calls guide has it.
    pub async fn user_presses_call_button(
        &self,
        user: &str,
        channel: &str,
    ) -> Result<CallInitiation, InitiationError> {
        self.fake.user_presses_call_button(user, channel).await
    }

    /// A snapshot of the messages fake users posted, oldest first, with the
    /// app's unfurls.
    pub fn messages(&self) -> Vec<MessageRecord> {
        self.fake.lock().events.messages.clone()
    }

    /// Every delivery attempt to the app so far, in the order they ended.
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.fake.lock().events.deliveries.clone()
    }
}

/// Why [`MockSlack::regenerate_signing_secret`] did nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegenerateError {
    /// No app is registered.
    #[error("no app is registered")]
    NoApp,
    /// The new secret is not one Slack could give.
    #[error("the new signing secret: {0}")]
    Secret(slack_calls::signing::SecretError),
}
