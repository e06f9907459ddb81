//! Inboxes (channels): a website widget or an API channel, their settings, and
//! the agents who work them. Agents see only their inboxes' conversations.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, named_params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::secret;
use crate::auth::vault::Vault;
use crate::db::now;
use crate::domain::memberships::{self, Group};
use crate::domain::{agents, validate};

pub use crate::domain::memberships::MemberChange;
use crate::error::{Error, FieldError, Result};

pub const NAME_MAX: usize = 100;
const PUBLIC_ID_LEN: usize = 24;
const SECRET_LEN: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelType {
    WebWidget,
    Api,
}

impl ChannelType {
    pub fn parse(s: &str) -> Option<ChannelType> {
        match s {
            "web_widget" | "Channel::WebWidget" => Some(ChannelType::WebWidget),
            "api" | "Channel::Api" => Some(ChannelType::Api),
            _ => None,
        }
    }

    fn stored(self) -> &'static str {
        match self {
            ChannelType::WebWidget => "web_widget",
            ChannelType::Api => "api",
        }
    }

    /// The name Chatwoot's API uses.
    pub fn api_name(self) -> &'static str {
        match self {
            ChannelType::WebWidget => "Channel::WebWidget",
            ChannelType::Api => "Channel::Api",
        }
    }
}

impl Serialize for ChannelType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.api_name())
    }
}

impl schemars::JsonSchema for ChannelType {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ChannelType".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "enum": [ChannelType::WebWidget.api_name(), ChannelType::Api.api_name()],
        })
    }
}

/// One day's opening hours; `day_of_week` 0 is Sunday.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkingHours {
    pub day_of_week: u8,
    #[serde(default)]
    pub closed_all_day: bool,
    #[serde(default)]
    pub open_all_day: bool,
    #[serde(default)]
    pub open_hour: Option<u8>,
    #[serde(default)]
    pub open_minutes: Option<u8>,
    #[serde(default)]
    pub close_hour: Option<u8>,
    #[serde(default)]
    pub close_minutes: Option<u8>,
}

/// The settings of an inbox that are not secret. Every key has a default so
/// an inbox created with a name alone works.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct InboxSettings {
    pub website_url: Option<String>,
    pub widget_color: String,
    pub welcome_title: String,
    pub welcome_tagline: String,
    pub greeting_enabled: bool,
    pub greeting_message: String,
    pub working_hours_enabled: bool,
    pub timezone: String,
    pub working_hours: Vec<WorkingHours>,
    pub out_of_office_message: String,
    /// Sites allowed to embed the widget, separated by commas; empty allows any.
    pub allowed_domains: String,
    /// When on, visitors must prove their identity with `identifier_hash`.
    pub hmac_mandatory: bool,
    /// API channels: where agents' replies are POSTed.
    pub webhook_url: Option<String>,
    pub allow_messages_after_resolved: bool,
    /// Whether visitors may attach files in the widget.
    pub attachments_enabled: bool,
    /// Proactive messages: the widget opens with `message` when a visitor
    /// meets the trigger's condition, at most once per browser session.
    pub triggers: Vec<Trigger>,
}

pub const TRIGGERS_MAX: usize = 20;
const TRIGGER_ID_LEN: usize = 8;

/// What a proactive trigger waits for; `Trigger::value` says how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriggerKind {
    /// The page's URL matches `value`, a pattern where `*` matches anything.
    Url,
    /// The visitor has been on the page for `value` seconds.
    TimeOnPage,
    /// The visitor has scrolled `value` percent of the page.
    ScrollDepth,
    /// The host page called `$deskwoot.trigger(value)`.
    Event,
}

/// A proactive trigger of the website widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// Stable, so the widget can remember which triggers a visitor has seen;
    /// generated when left out.
    #[serde(default)]
    pub id: String,
    pub kind: TriggerKind,
    /// A URL pattern, seconds, a percentage or an event name; numbers may be
    /// sent as JSON numbers.
    #[serde(deserialize_with = "string_or_number")]
    #[schemars(with = "String")]
    pub value: String,
    pub message: String,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(serde::de::Error::custom(
            "value must be a string or a number",
        )),
    }
}

impl Default for InboxSettings {
    fn default() -> Self {
        InboxSettings {
            website_url: None,
            widget_color: "#1f93ff".into(),
            welcome_title: String::new(),
            welcome_tagline: String::new(),
            greeting_enabled: false,
            greeting_message: String::new(),
            working_hours_enabled: false,
            timezone: "UTC".into(),
            working_hours: default_working_hours(),
            out_of_office_message: String::new(),
            allowed_domains: String::new(),
            hmac_mandatory: false,
            webhook_url: None,
            allow_messages_after_resolved: true,
            attachments_enabled: true,
            triggers: Vec::new(),
        }
    }
}

/// Sunday closed, Monday to Saturday 9:00 to 17:00.
fn default_working_hours() -> Vec<WorkingHours> {
    (0..7)
        .map(|day| WorkingHours {
            day_of_week: day,
            closed_all_day: day == 0,
            open_all_day: false,
            open_hour: (day != 0).then_some(9),
            open_minutes: (day != 0).then_some(0),
            close_hour: (day != 0).then_some(17),
            close_minutes: (day != 0).then_some(0),
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Inbox {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub channel_type: ChannelType,
    /// Chatwoot has a separate channel row; here the inbox is its channel.
    pub channel_id: i64,
    pub avatar_url: String,
    pub website_token: Option<String>,
    pub inbox_identifier: Option<String>,
    #[serde(flatten)]
    pub settings: InboxSettings,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(skip)]
    sealed_secret: Option<String>,
}

/// The short form of an inbox that a contact's links show.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct InboxSlim {
    pub id: i64,
    pub name: String,
    pub channel_type: ChannelType,
    pub channel_id: i64,
    pub avatar_url: String,
}

impl Inbox {
    pub fn slim(&self) -> InboxSlim {
        InboxSlim {
            id: self.id,
            name: self.name.clone(),
            channel_type: self.channel_type,
            channel_id: self.channel_id,
            avatar_url: self.avatar_url.clone(),
        }
    }

    /// Where an API channel's outgoing messages are POSTed, if anywhere.
    pub fn callback_url(&self) -> Option<&str> {
        self.settings
            .webhook_url
            .as_deref()
            .filter(|u| !u.is_empty())
            .filter(|_| self.channel_type == ChannelType::Api)
    }

    /// The identity-verification (and callback-signing) secret, opened.
    pub fn secret(&self, vault: &Vault) -> Result<Option<String>> {
        self.sealed_secret
            .as_deref()
            .map(|s| vault.open_sealed(s))
            .transpose()
    }
}

fn from_row(row: &Row) -> rusqlite::Result<Inbox> {
    let channel: String = row.get("channel_type")?;
    let settings: String = row.get("settings")?;
    Ok(Inbox {
        id: row.get("id")?,
        account_id: row.get("workspace_id")?,
        name: row.get("name")?,
        channel_type: ChannelType::parse(&channel).unwrap_or(ChannelType::Api),
        channel_id: row.get("id")?,
        avatar_url: String::new(),
        website_token: row.get("website_token")?,
        inbox_identifier: row.get("inbox_identifier")?,
        settings: serde_json::from_str(&settings).unwrap_or_default(),
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
        sealed_secret: row.get("secret")?,
    })
}

/// Applies the keys of `patch` to `settings` and checks the result. Unknown
/// keys and wrong types are field errors.
pub fn apply_settings(
    settings: &InboxSettings,
    patch: Map<String, Value>,
) -> Result<InboxSettings> {
    let mut merged = match serde_json::to_value(settings)? {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    for (key, value) in patch {
        // `allowed_domains` may come as a list, as some clients send it.
        let value = match (key.as_str(), value) {
            ("allowed_domains", Value::Array(items)) => Value::String(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            (_, value) => value,
        };
        if !merged.contains_key(&key) {
            return Err(Error::invalid(key, "is not an inbox setting"));
        }
        merged.insert(key, value);
    }
    let mut settings: InboxSettings = serde_json::from_value(Value::Object(merged))
        .map_err(|e| Error::invalid("settings", e.to_string()))?;
    for trigger in &mut settings.triggers {
        trigger.value = trigger.value.trim().to_string();
        if trigger.id.is_empty() {
            trigger.id = secret::random_base62(TRIGGER_ID_LEN);
        }
    }
    check_settings(&settings)?;
    Ok(settings)
}

fn check_settings(s: &InboxSettings) -> Result<()> {
    let mut problems = Vec::new();
    let is_hex_colour = |c: &str| {
        c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit())
    };
    if !is_hex_colour(&s.widget_color) {
        problems.push(FieldError::new(
            "widget_color",
            "must be a colour like #1f93ff",
        ));
    }
    for (field, url) in [
        ("website_url", &s.website_url),
        ("webhook_url", &s.webhook_url),
    ] {
        if let Some(url) = url.as_deref().filter(|u| !u.is_empty())
            && validate::http_url(field, url).is_err()
        {
            problems.push(FieldError::new(field, "must be an http:// or https:// URL"));
        }
    }
    if s.timezone.is_empty() || s.timezone.len() > 64 || s.timezone.contains(char::is_whitespace) {
        problems.push(FieldError::new(
            "timezone",
            "must be an IANA time zone such as Europe/Paris",
        ));
    }
    for (field, text, max) in [
        ("welcome_title", &s.welcome_title, 200),
        ("welcome_tagline", &s.welcome_tagline, 500),
        ("greeting_message", &s.greeting_message, 2000),
        ("out_of_office_message", &s.out_of_office_message, 2000),
        ("allowed_domains", &s.allowed_domains, 2000),
    ] {
        if text.chars().count() > max {
            problems.push(FieldError::new(
                field,
                format!("must be at most {max} characters"),
            ));
        }
    }
    check_triggers(&s.triggers, &mut problems);
    let mut days_seen = [false; 7];
    for hours in &s.working_hours {
        let day = usize::from(hours.day_of_week);
        let valid_time =
            |h: Option<u8>, m: Option<u8>| h.is_none_or(|h| h <= 23) && m.is_none_or(|m| m <= 59);
        if day > 6 || days_seen[day] {
            problems.push(FieldError::new(
                "working_hours",
                "needs one entry per day_of_week 0 to 6",
            ));
            break;
        }
        days_seen[day] = true;
        if !valid_time(hours.open_hour, hours.open_minutes)
            || !valid_time(hours.close_hour, hours.close_minutes)
        {
            problems.push(FieldError::new(
                "working_hours",
                "hours run 0 to 23 and minutes 0 to 59",
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(problems))
    }
}

fn check_triggers(triggers: &[Trigger], problems: &mut Vec<FieldError>) {
    if triggers.len() > TRIGGERS_MAX {
        problems.push(FieldError::new(
            "triggers",
            format!("at most {TRIGGERS_MAX} triggers"),
        ));
    }
    let whole_number_in = |value: &str, range: std::ops::RangeInclusive<u32>| {
        value.parse::<u32>().is_ok_and(|n| range.contains(&n))
    };
    for (i, t) in triggers.iter().enumerate() {
        let field = |name: &str| format!("triggers[{i}].{name}");
        let id_ok = t.id.len() <= 40
            && t.id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !id_ok {
            problems.push(FieldError::new(
                field("id"),
                "must be at most 40 letters, digits, - or _",
            ));
        } else if triggers[..i].iter().any(|other| other.id == t.id) {
            problems.push(FieldError::new(field("id"), "is used by another trigger"));
        }
        let value_problem = match t.kind {
            TriggerKind::Url => (t.value.is_empty()
                || t.value.chars().count() > 500
                || t.value.chars().any(|c| c.is_whitespace() || c.is_control()))
            .then_some("must be a URL pattern of at most 500 characters, * matching anything"),
            TriggerKind::TimeOnPage => (!whole_number_in(&t.value, 1..=86_400))
                .then_some("must be a number of seconds from 1 to 86400"),
            TriggerKind::ScrollDepth => (!whole_number_in(&t.value, 1..=100))
                .then_some("must be a percentage from 1 to 100"),
            TriggerKind::Event => (t.value.is_empty()
                || t.value.chars().count() > 100
                || t.value.chars().any(char::is_control))
            .then_some("must be an event name of 1 to 100 characters"),
        };
        if let Some(problem) = value_problem {
            problems.push(FieldError::new(field("value"), problem));
        }
        if t.message.trim().is_empty() || t.message.chars().count() > 1000 {
            problems.push(FieldError::new(
                field("message"),
                "must be 1 to 1000 characters",
            ));
        }
    }
}

pub struct NewInbox {
    pub name: String,
    pub channel_type: ChannelType,
    pub settings: Map<String, Value>,
}

pub fn create(tx: &Transaction, vault: &Vault, workspace_id: i64, new: NewInbox) -> Result<Inbox> {
    let name = validate::name("name", &new.name, NAME_MAX)?;
    let settings = apply_settings(&InboxSettings::default(), new.settings)?;
    let public_id = Some(secret::random_base62(PUBLIC_ID_LEN));
    let (website_token, inbox_identifier) = match new.channel_type {
        ChannelType::WebWidget => (public_id, None),
        ChannelType::Api => (None, public_id),
    };
    let sealed = vault.seal(&secret::random_base62(SECRET_LEN))?;
    let now = now();
    tx.prepare_cached(
        "INSERT INTO inboxes (workspace_id, name, channel_type, website_token, inbox_identifier,
                              settings, secret, created_at, updated_at)
         VALUES (:workspace_id, :name, :channel_type, :website_token, :inbox_identifier,
                 :settings, :secret, :now, :now)",
    )?
    .execute(named_params! {
        ":workspace_id": workspace_id,
        ":name": name,
        ":channel_type": new.channel_type.stored(),
        ":website_token": website_token,
        ":inbox_identifier": inbox_identifier,
        ":settings": serde_json::to_string(&settings)?,
        ":secret": sealed,
        ":now": now,
    })?;
    get(tx, workspace_id, tx.last_insert_rowid())
}

pub fn get(conn: &Connection, workspace_id: i64, id: i64) -> Result<Inbox> {
    conn.prepare_cached("SELECT * FROM inboxes WHERE id = :id AND workspace_id = :workspace_id")?
        .query_row(
            named_params! {":id": id, ":workspace_id": workspace_id},
            from_row,
        )
        .optional()?
        .ok_or(Error::NotFound("inbox"))
}

/// An inbox by id alone, for the delivery worker.
pub fn by_id(conn: &Connection, id: i64) -> Result<Inbox> {
    conn.prepare_cached("SELECT * FROM inboxes WHERE id = ?1")?
        .query_row([id], from_row)
        .optional()?
        .ok_or(Error::NotFound("inbox"))
}

/// An inbox by its public identifier: a widget's website token or an API
/// channel's inbox identifier.
pub fn find_public(conn: &Connection, identifier: &str) -> Result<Inbox> {
    conn.prepare_cached(
        "SELECT * FROM inboxes WHERE website_token = :id OR inbox_identifier = :id",
    )?
    .query_row(named_params! {":id": identifier}, from_row)
    .optional()?
    .ok_or(Error::NotFound("inbox"))
}

/// The workspace's inboxes by name; for an agent (`member_id`), only theirs.
pub fn list(conn: &Connection, workspace_id: i64, member_id: Option<i64>) -> Result<Vec<Inbox>> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM inboxes WHERE workspace_id = :workspace_id
           AND (:member_id IS NULL OR id IN
                (SELECT inbox_id FROM inbox_members WHERE user_id = :member_id))
         ORDER BY name COLLATE NOCASE, id",
    )?;
    let rows = stmt.query_map(
        named_params! {":workspace_id": workspace_id, ":member_id": member_id},
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub struct InboxChange {
    pub name: Option<String>,
    pub settings: Map<String, Value>,
    pub rotate_secret: bool,
}

pub fn update(
    tx: &Transaction,
    vault: &Vault,
    workspace_id: i64,
    id: i64,
    change: InboxChange,
) -> Result<Inbox> {
    let mut inbox = get(tx, workspace_id, id)?;
    if let Some(name) = change.name {
        inbox.name = validate::name("name", &name, NAME_MAX)?;
    }
    inbox.settings = apply_settings(&inbox.settings, change.settings)?;
    if change.rotate_secret {
        inbox.sealed_secret = Some(vault.seal(&secret::random_base62(SECRET_LEN))?);
    }
    tx.prepare_cached(
        "UPDATE inboxes SET name = :name, settings = :settings, secret = :secret, updated_at = :now
         WHERE id = :id",
    )?
    .execute(named_params! {
        ":name": inbox.name,
        ":settings": serde_json::to_string(&inbox.settings)?,
        ":secret": inbox.sealed_secret,
        ":now": now(),
        ":id": id,
    })?;
    get(tx, workspace_id, id)
}

/// Deletes an inbox with its conversations, messages and contact links.
pub fn delete(tx: &Transaction, workspace_id: i64, id: i64) -> Result<()> {
    get(tx, workspace_id, id)?;
    tx.execute("DELETE FROM inboxes WHERE id = ?1", [id])?;
    Ok(())
}

/// The agents who work an inbox.
pub fn members(conn: &Connection, workspace_id: i64, inbox_id: i64) -> Result<Vec<agents::Agent>> {
    get(conn, workspace_id, inbox_id)?;
    memberships::members(conn, Group::Inbox, workspace_id, inbox_id)
}

pub fn change_members(
    tx: &Transaction,
    workspace_id: i64,
    inbox_id: i64,
    user_ids: &[i64],
    how: MemberChange,
) -> Result<Vec<agents::Agent>> {
    get(tx, workspace_id, inbox_id)?;
    memberships::change(tx, Group::Inbox, workspace_id, inbox_id, user_ids, how)
}
