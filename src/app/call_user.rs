//! Convenience constructors for the participant type, [`CallUser`].

use crate::{CallUser, UserId};

impl CallUser {
    /// A participant who is a Slack user.
    ///
    /// ```
    /// let user = slack_calls::CallUser::slack("U0HRJ1GNB");
    /// assert_eq!(user.slack_id.as_ref().map(|id| id.as_str()), Some("U0HRJ1GNB"));
    /// ```
    pub fn slack(slack_id: impl Into<UserId>) -> CallUser {
        CallUser::new().with_slack_id(slack_id)
    }

    /// A participant from outside Slack: the provider's ID for them, unique
    /// within the call, and the name Slack shows.
    ///
    /// ```
    /// let guest = slack_calls::CallUser::external("54321678", "External User")
    ///     .with_avatar_url("https://example.com/avatar.png");
    /// assert_eq!(guest.display_name.as_deref(), Some("External User"));
    /// ```
    pub fn external(external_id: impl Into<String>, display_name: impl Into<String>) -> CallUser {
        CallUser::new()
            .with_external_id(external_id)
            .with_display_name(display_name)
    }
}
