//! `/api/v1/accounts/{account_id}/custom_attribute_definitions`: the typed
//! custom attributes of contacts and conversations. Everyone reads them;
//! only administrators define them.

use actix_web::{HttpResponse, web};
use rusqlite::{Connection, Transaction};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use crate::api::items::{self, WorkspaceItems};
use crate::api::{AccountPath, Routes, Wrapped, read_as};
use crate::auth::{Caller, Scope, WorkspaceCaller};
use crate::domain::custom_attributes::{self, Definition, DefinitionFields, Model};
use crate::error::{Error, Result};
use crate::server::AppState;

pub fn routes(api: &mut Routes) {
    api.tag("Custom attributes")
        .get(&items::collection::<Definitions>(), list)
        .op(
            "listCustomAttributeDefinitions",
            "List custom attribute definitions",
        )
        .about("A bare array, optionally of one model's definitions.")
        .scope(Definitions::READ)
        .query::<ModelQuery>()
        .ok::<Vec<Definition>>()
        .example_path(
            "/api/v1/accounts/1/custom_attribute_definitions?attribute_model=contact_attribute",
        );
    items::routes::<Definitions>(api);
}

/// `contact_attribute`, `conversation_attribute`, or Chatwoot's index (1, 0);
/// absent is `None`.
fn parse_model(model: Option<String>) -> Result<Option<Model>> {
    model
        .map(|m| {
            Model::parse(&m).ok_or_else(|| {
                Error::invalid(
                    "attribute_model",
                    "must be contact_attribute or conversation_attribute (or 1 or 0)",
                )
            })
        })
        .transpose()
}

/// A field Chatwoot clients send as a name or as its index: either becomes
/// a string for the domain to check.
fn name_or_index(field: &str, value: Option<Value>) -> Result<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(name)) => Ok(Some(name)),
        Some(Value::Number(index)) => Ok(Some(index.to_string())),
        Some(_) => Err(Error::invalid(field, "must be a name or its number")),
    }
}

/// For `Option<Option<T>>` fields: absent is `None`, `null` is `Some(None)`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> std::result::Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Other query parameters are ignored, as clients add cache-busters.
#[derive(Debug, Deserialize, JsonSchema)]
struct ModelQuery {
    /// `contact_attribute` or `conversation_attribute` (or Chatwoot's 1 and 0).
    attribute_model: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct DefinitionBody {
    attribute_display_name: Option<String>,
    /// `text`, `number`, `currency`, `percent`, `link`, `date`, `list` or
    /// `checkbox`, or its index in that list.
    #[schemars(with = "Option<NameOrIndex>")]
    attribute_display_type: Option<Value>,
    /// Letters, digits and `_`; cannot change once created.
    attribute_key: Option<String>,
    /// `contact_attribute` or `conversation_attribute` (or 1 and 0);
    /// cannot change once created.
    #[schemars(with = "Option<NameOrIndex>")]
    attribute_model: Option<Value>,
    attribute_description: Option<String>,
    attribute_values: Option<Vec<String>>,
    /// `null` removes the pattern.
    #[serde(default, deserialize_with = "present")]
    regex_pattern: Option<Option<String>>,
}

/// A name, or its number in Chatwoot's numbering.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)] // describes the body for the docs only
enum NameOrIndex {
    Name(String),
    Index(i64),
}

impl Wrapped for DefinitionBody {
    const KEY: &'static str = "custom_attribute_definition";
}

impl TryFrom<DefinitionBody> for DefinitionFields {
    type Error = Error;

    fn try_from(body: DefinitionBody) -> Result<DefinitionFields> {
        let model = name_or_index("attribute_model", body.attribute_model)?;
        Ok(DefinitionFields {
            attribute_model: parse_model(model)?,
            attribute_key: body.attribute_key,
            attribute_display_name: body.attribute_display_name,
            attribute_display_type: name_or_index(
                "attribute_display_type",
                body.attribute_display_type,
            )?,
            attribute_description: body.attribute_description,
            attribute_values: body.attribute_values,
            regex_pattern: body.regex_pattern,
        })
    }
}

struct Definitions;

impl WorkspaceItems for Definitions {
    const PATH: &'static str = "custom_attribute_definitions";
    const READ: Scope = Scope::read("custom_attributes");
    const WRITE: Scope = Scope::write("custom_attributes");
    const NAME: &'static str = "custom attribute definition";
    const ID: &'static str = "CustomAttributeDefinition";
    type Item = Definition;
    type Body = DefinitionBody;

    fn example() -> Value {
        json!({
            "attribute_display_name": "Plan",
            "attribute_key": "plan",
            "attribute_display_type": "list",
            "attribute_model": "contact_attribute",
            "attribute_values": ["free", "pro", "enterprise"]
        })
    }

    fn update_example() -> Value {
        json!({"attribute_description": "The customer's plan"})
    }

    fn get(conn: &Connection, me: &WorkspaceCaller, id: i64) -> Result<Definition> {
        custom_attributes::get(conn, me.workspace_id, id)
    }

    fn create(tx: &Transaction, me: &WorkspaceCaller, body: DefinitionBody) -> Result<Definition> {
        custom_attributes::create(tx, me.workspace_id, body.try_into()?)
    }

    /// The model and key cannot change: values stored under them stay meaningful.
    fn update(
        tx: &Transaction,
        me: &WorkspaceCaller,
        id: i64,
        body: DefinitionBody,
    ) -> Result<Definition> {
        custom_attributes::update(tx, me.workspace_id, id, body.try_into()?)
    }

    /// Values already stored under the key stay on their contacts and
    /// conversations, unchecked from now on.
    fn delete(tx: &Transaction, me: &WorkspaceCaller, id: i64) -> Result<()> {
        custom_attributes::delete(tx, me.workspace_id, id)
    }
}

/// A bare array, optionally of one model's definitions.
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<AccountPath>,
    query: web::Query<ModelQuery>,
) -> Result<HttpResponse> {
    let model = query.into_inner().attribute_model;
    let read = Definitions::READ;
    let definitions = read_as(&state, &caller, path.account_id, read, move |conn, me| {
        custom_attributes::list(conn, me.workspace_id, parse_model(model)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(definitions))
}
