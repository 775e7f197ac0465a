//! Installations as an install flow builds them, for the store tests: a
//! whole single-workspace install inside an organization, and an org-wide
//! one, with token texts a test can look for.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use slack_calls::{Grant, Installation, Named};

pub const BOT: &str = "xoxe.xoxb-1-BOTSECRETTEXT";
pub const BOT_REFRESH: &str = "xoxe-1-BOTREFRESHSECRET";
pub const USER: &str = "xoxp-1-USERSECRETTEXT";
pub const ORG_WIDE: &str = "xoxb-org-wide-token";
/// Every secret text above, and the prefixes no stored byte may show.
pub const SECRETS: [&str; 7] = [
    "BOTSECRETTEXT",
    "BOTREFRESHSECRET",
    "USERSECRETTEXT",
    "org-wide-token",
    "xoxb",
    "xoxp",
    "xoxe",
];

pub fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A whole installation of `team` in organization `E0ORG`.
pub fn full(team: &str) -> Installation {
    let mut installation = Installation::new(team, [BOT, USER]);
    installation.app_id = Some("A0APP".into());
    installation.enterprise = Some(Named::new("E0ORG", "Org"));
    installation.team = Some(Named::new(team, "Team"));
    if let Some(bot) = installation.bot.as_mut() {
        bot.grant =
            Grant::new(BOT, ["calls:read", "calls:write"]).expiring(at(1_800_000_000), BOT_REFRESH);
        bot.user_id = Some("U0BOT".into());
        bot.bot_id = Some("B0BOT".into());
    }
    if let Some(installer) = installation.installer.as_mut() {
        installer.user_id = "U0ADMIN".into();
        installer.grant = Some(Grant::new(USER, ["users:read"]));
    }
    installation.installed_at = at(1_700_000_000);
    installation
}

/// An org-wide install of `E0WIDE`.
pub fn org_wide() -> Installation {
    let mut installation = Installation::new("T-unused", [ORG_WIDE]);
    installation.enterprise = Some(Named::new("E0WIDE", "Wide"));
    installation.team = None;
    installation.is_enterprise_install = true;
    installation.installed_at = at(1_700_000_000);
    installation
}
