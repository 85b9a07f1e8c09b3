//! Refinements of the generated OpenAPI document that poem-openapi cannot
//! express from the types, applied to every copy (the committed file, the
//! served spec and the one inside `/docs`). The document is read into an
//! order-keeping tree so that it stays in poem-openapi's order.
//!
//! Each refinement states a rule the server enforces (the comment names
//! where); `every_refined_schema_exists` fails when a schema or operation it
//! targets is renamed, so a refinement cannot silently stop applying.
//! Rules that OpenAPI 3.0 cannot state at all (relative to today, to stored
//! state, or between a path and its body) are listed in docs/DECISIONS.md.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::json;

/// Free text checked by `bounded_text` (domain/src/validation.rs): at least
/// one character that is not a space, and no control characters.
pub const LABEL_PATTERN: &str =
    r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$";

/// What `InviteCode::parse` reads: 16 Crockford symbols (U excluded; O, I
/// and L read as 0, 1, 1), any case, spaces and dashes anywhere.
pub const INVITE_CODE_PATTERN: &str = r"^[ -]*(?:[0-9A-TV-Za-tv-z][ -]*){16}$";

const ENTRY_KINDS: [(&str, &str); 6] = [
    ("activity", "ActivityEntryInput"),
    ("food", "FoodEntryInput"),
    ("sleep", "SleepEntryInput"),
    ("tobacco", "TobaccoEntryInput"),
    ("sitting", "SittingEntryInput"),
    ("quit_attempt", "QuitAttemptEntryInput"),
];

const INSTRUMENTS: [&str; 11] = [
    "six_minute_walk",
    "treadmill_submax",
    "body",
    "self_rated_health",
    "quality_of_life",
    "coop_wonca",
    "tobacco_status",
    "activity_level",
    "work_school",
    "medication",
    "health_services",
];

const GROUP_BY: &str = "year|centre|municipality|sex|age_band|referral_source";

/// The generated (pretty-printed) spec with every refinement applied, in the
/// same layout.
pub fn refine(generated: &str) -> String {
    let mut spec: Json = serde_json::from_str(generated).expect("poem-openapi generates JSON");
    standard_formats(&mut spec);
    nullable_optionals(&mut spec);
    labels(&mut spec);
    diary_entries(&mut spec);
    assessments(&mut spec);
    journey(&mut spec);
    identity(&mut spec);
    exports(&mut spec);
    reminders(&mut spec);
    serde_json::to_string_pretty(&spec).expect("JSON serialises")
}

/// poem-openapi names chrono's `NaiveDate` format `naive-date`; what it
/// parses is exactly RFC 3339's `full-date` (YYYY-MM-DD), which OpenAPI calls
/// `date`, so clients and tools know how to read and generate it.
fn standard_formats(value: &mut Json) {
    value.walk(&mut |node| {
        if let Json::Object(fields) = node {
            for (key, value) in fields.iter_mut() {
                if key == "format" && matches!(value, Json::String(f) if f == "naive-date") {
                    *value = Json::String("date".to_owned());
                }
            }
        }
    });
}

/// An `Option` field of an object is not `required` and has no `default`
/// (fields with a default carry it in the schema). Such a field is sent as
/// `null` when empty (unless the type skips it), and serde reads `null` in a
/// request as absent: so the schema says `nullable`.
fn nullable_optionals(spec: &mut Json) {
    let Some(Json::Object(schemas)) = spec.path_mut(&["components", "schemas"]) else {
        return;
    };
    for (_, schema) in schemas.iter_mut() {
        let required = schema.required();
        let Some(Json::Object(properties)) = schema.get_mut("properties") else {
            continue;
        };
        for (name, property) in properties.iter_mut() {
            if required.contains(name) {
                continue;
            }
            let Json::Object(fields) = property else {
                continue;
            };
            if fields
                .iter()
                .any(|(k, _)| k == "default" || k == "nullable")
            {
                continue;
            }
            // Keywords beside a `$ref` are ignored in OpenAPI 3.0: wrap it.
            if let Some(index) = fields.iter().position(|(k, _)| k == "$ref") {
                let reference = fields.remove(index);
                fields.insert(
                    index,
                    (
                        "allOf".to_owned(),
                        Json::Array(vec![Json::Object(vec![reference])]),
                    ),
                );
            }
            fields.push(("nullable".to_owned(), Json::Bool(true)));
        }
    }
}

/// Every string in a request schema with a `maxLength` and no other shape
/// is free text checked by `bounded_text`; say what that function checks.
fn labels(spec: &mut Json) {
    let Some(schemas) = spec.path_mut(&["components", "schemas"]) else {
        return;
    };
    schemas.walk(&mut |node| {
        let Json::Object(fields) = node else {
            return;
        };
        let is_string = fields
            .iter()
            .any(|(k, v)| k == "type" && matches!(v, Json::String(t) if t == "string"));
        let has = |key: &str| fields.iter().any(|(k, _)| k == key);
        if is_string && has("maxLength") && !has("pattern") && !has("format") && !has("enum") {
            fields.push(("pattern".to_owned(), Json::String(LABEL_PATTERN.to_owned())));
        }
    });
}

/// Diary entries (domain/src/diary.rs, `DiaryEntryInput::parse`).
fn diary_entries(spec: &mut Json) {
    let schemas = spec.path_mut(&["components", "schemas"]).expect("schemas");
    // RFC 3339 instants with an offset.
    for (schema, property) in [
        ("DiaryEntryInput", "occurred_at"),
        ("DiaryEntryInput", "recorded_at"),
        ("Sleep", "into_bed_at"),
        ("Sleep", "tried_to_sleep_at"),
        ("Sleep", "out_of_bed_at"),
    ] {
        schemas
            .path_mut(&[schema, "properties", property])
            .expect("timestamp property")
            .set("format", Json::from("date-time"));
    }
    // `time_zone`: an IANA zone name as chrono-tz knows it.
    schemas.set(
        "TimeZone",
        Json::from(json!({
            "type": "string",
            "description": "An IANA time zone name.",
            "enum": chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect::<Vec<_>>(),
        })),
    );
    let input = schemas.get_mut("DiaryEntryInput").expect("DiaryEntryInput");
    let tz = input
        .path_mut(&["properties", "time_zone"])
        .expect("time_zone");
    let description = tz.get_mut("description").cloned();
    *tz = Json::from(json!({
        "allOf": [{"$ref": "#/components/schemas/TimeZone"}],
        "nullable": true,
    }));
    if let Some(d) = description {
        tz.set("description", d);
    }
    // `source`: `proxy` is set by the server, never sent.
    input
        .path_mut(&["properties", "source"])
        .expect("source")
        .replace_schema(
            json!({"type": "string", "enum": ["participant", "device_import", null],
                               "nullable": true}),
        );

    // Exactly one kind's object, the one for the entry's kind: one schema
    // per kind, and `DiaryEntryInput` is one of them.
    let template = input.clone();
    let mut variants = Vec::new();
    for (kind, name) in ENTRY_KINDS {
        let mut variant = template.clone();
        variant.set("title", Json::from(name));
        variant.set(
            "description",
            Json::from(format!(
                "A `{kind}` diary entry: the common fields and the `{kind}` object."
            )),
        );
        if let Some(example) = entry_example(kind) {
            variant.set("example", Json::from(example));
        }
        let mut required = template.required();
        required.push(kind.to_owned());
        variant.set("required", Json::from(json!(required)));
        let properties = variant.get_mut("properties").expect("properties");
        for (other, _) in ENTRY_KINDS {
            let property = properties.get_mut(other).expect("kind property");
            if other == kind {
                *property =
                    Json::from(json!({"$ref": format!("#/components/schemas/{}", pascal(kind))}));
            } else {
                *property = must_be_absent(&format!("only in a `{other}` entry"));
            }
        }
        schemas.set(name, variant);
        variants.push(json!({"$ref": format!("#/components/schemas/{name}")}));
    }
    let input = schemas.get_mut("DiaryEntryInput").expect("DiaryEntryInput");
    let description = input.get_mut("description").cloned();
    *input = Json::from(json!({"title": "DiaryEntryInput", "oneOf": variants}));
    if let Some(d) = description {
        input.set("description", d);
    }
    // An activity gives its intensity and/or a Borg rating.
    schemas
        .get_mut("Activity")
        .expect("Activity")
        .set(
            "anyOf",
            Json::from(json!([
                {"required": ["intensity"], "properties": {"intensity": {"$ref": "#/components/schemas/Intensity"}}},
                {"required": ["borg_rpe"], "properties": {"borg_rpe": {"type": "integer"}}},
            ])),
        );
    // A quit attempt's own route takes only quit attempts.
    spec.operation_body_mut("putQuitAttempt")
        .expect("putQuitAttempt body")
        .set(
            "$ref",
            Json::from("#/components/schemas/QuitAttemptEntryInput"),
        );
    // A sync batch is judged item by item: whatever an item is, the batch is
    // answered 200 with that item `invalid`; only the count is refused (422).
    let items = spec
        .path_mut(&[
            "components",
            "schemas",
            "SyncRequest",
            "properties",
            "items",
        ])
        .expect("SyncRequest.items");
    items.set(
        "maxItems",
        Json::from(json!(crate::routes::diary::MAX_SYNC_ITEMS)),
    );
    items.set(
        "items",
        Json::from(json!({"anyOf": [{"$ref": "#/components/schemas/SyncItem"}, {}]})),
    );
    items.set(
        "description",
        Json::from(
            "Each a `SyncItem`. An item that is not one is answered `invalid` in \
             `results`, on its own; the other items are applied.",
        ),
    );
    spec.path_mut(&["components", "schemas", "SyncItem", "properties", "kind"])
        .expect("SyncItem.kind")
        .replace_schema(json!({"$ref": "#/components/schemas/EntryKind"}));
    spec.path_mut(&[
        "components",
        "schemas",
        "SyncItem",
        "properties",
        "entry_id",
    ])
    .expect("SyncItem.entry_id")
    .set("format", Json::from("uuid"));
}

/// What a phone sends most often for a kind. The tobacco-free day is one tap
/// ("none today"): the same entry as a day with use, with zeros, so that
/// abstinence and money saved can count the day as logged.
fn entry_example(kind: &str) -> Option<serde_json::Value> {
    match kind {
        "tobacco" => Some(json!({
            "version": 1,
            "occurred_at": "2026-05-12T21:30:00+02:00",
            "tobacco": {
                "cigarettes": 0,
                "snus_portions": 0,
                "e_cigarette": false,
                "cessation_medication": "nicotine_replacement"
            }
        })),
        "quit_attempt" => Some(json!({
            "version": 1,
            "occurred_at": "2026-05-01T20:00:00+02:00",
            "quit_attempt": {
                "target_quit_date": "2026-05-10",
                "products": ["cigarettes", "snus"],
                "packs": [
                    {"product": "cigarettes", "price_per_pack_nok": 140.0},
                    {"product": "snus", "price_per_pack_nok": 110.0, "units_per_pack": 24}
                ]
            }
        })),
        _ => None,
    }
}

/// Assessments (domain/src/assessment.rs, `AssessmentInput::parse` and
/// `check_values`).
fn assessments(spec: &mut Json) {
    let schemas = spec.path_mut(&["components", "schemas"]).expect("schemas");
    let input = schemas.get_mut("AssessmentInput").expect("AssessmentInput");
    // Exactly the object `instrument` names.
    let variants: Vec<serde_json::Value> = INSTRUMENTS
        .iter()
        .map(|instrument| {
            let mut properties = serde_json::Map::new();
            properties.insert(
                "instrument".to_owned(),
                json!({"type": "string", "enum": [instrument]}),
            );
            for other in INSTRUMENTS {
                properties.insert(
                    other.to_owned(),
                    if other == *instrument {
                        json!({"$ref": format!("#/components/schemas/{}", pascal(other))})
                    } else {
                        json!({"nullable": true, "enum": [null]})
                    },
                );
            }
            json!({"required": [instrument], "properties": properties})
        })
        .collect();
    input.set("oneOf", Json::from(json!(variants.clone())));
    // A participant fills in questionnaires, not the tests done at the
    // centre (`Instrument::self_reportable`).
    let mut questionnaire = input.clone();
    let self_reportable: Vec<&str> = INSTRUMENTS
        .iter()
        .copied()
        .filter(|i| !matches!(*i, "six_minute_walk" | "treadmill_submax" | "body"))
        .collect();
    questionnaire.set("title", Json::from("QuestionnaireInput"));
    questionnaire.set(
        "description",
        Json::from(
            "A questionnaire as a participant sends it: exactly the object \
             `instrument` names. Tests done at the centre are recorded by staff.",
        ),
    );
    questionnaire.set(
        "oneOf",
        Json::from(json!(
            variants
                .into_iter()
                .zip(INSTRUMENTS)
                .filter(|(_, i)| self_reportable.contains(i))
                .map(|(v, _)| v)
                .collect::<Vec<_>>()
        )),
    );
    questionnaire
        .path_mut(&["properties", "instrument"])
        .expect("instrument")
        .replace_schema(json!({"type": "string", "enum": self_reportable}));
    schemas.set("QuestionnaireInput", questionnaire);
    spec.operation_body_mut("createMyAssessment")
        .expect("createMyAssessment body")
        .set(
            "$ref",
            Json::from("#/components/schemas/QuestionnaireInput"),
        );
    let schemas = spec.path_mut(&["components", "schemas"]).expect("schemas");
    // Body measurements: at least one.
    schemas.get_mut("Body").expect("Body").set(
        "anyOf",
        Json::from(json!(
            ["weight_kg", "height_cm", "waist_cm"]
                .iter()
                .map(|m| json!({"required": [m], "properties": {*m: {"type": "number"}}}))
                .collect::<Vec<_>>()
        )),
    );
}

/// The journey (domain/src/journey.rs, routes/journey.rs, routes/participants.rs).
fn journey(spec: &mut Json) {
    let schemas = spec.path_mut(&["components", "schemas"]).expect("schemas");
    // `redirected_to` only with the outcome `redirected`.
    schemas.get_mut("TriageInput").expect("TriageInput").set(
        "oneOf",
        Json::from(json!([
            {"properties": {"outcome": {"type": "string", "enum": ["redirected"]}}},
            {"properties": {
                "outcome": {"type": "string", "enum": ["enrolled", "awaiting_clearance"]},
                "redirected_to": {"nullable": true, "enum": [null]},
            }},
        ])),
    );
    // Completing and discontinuing share `PeriodEndInput`, but onward offers
    // belong to completing and a reason to discontinuing.
    let end = schemas
        .get_mut("PeriodEndInput")
        .expect("PeriodEndInput")
        .clone();
    let mut complete = end.clone();
    complete.set("title", Json::from("PeriodCompleteInput"));
    complete.set(
        "description",
        Json::from("Completing a period at the end conversation."),
    );
    *complete
        .path_mut(&["properties", "discontinue_reason"])
        .expect("discontinue_reason") = must_be_absent("only when discontinuing");
    let mut discontinue = end;
    discontinue.set("title", Json::from("PeriodDiscontinueInput"));
    discontinue.set(
        "description",
        Json::from("Discontinuing a period (dropped out)."),
    );
    let offers = discontinue
        .path_mut(&["properties", "onward_offers"])
        .expect("onward_offers");
    offers.set("maxItems", Json::from(0));
    offers.set(
        "description",
        Json::from("Only when completing: empty or absent."),
    );
    schemas.set("PeriodCompleteInput", complete);
    schemas.set("PeriodDiscontinueInput", discontinue);
    for (operation, schema) in [
        ("completePeriod", "PeriodCompleteInput"),
        ("discontinuePeriod", "PeriodDiscontinueInput"),
    ] {
        spec.operation_body_mut(operation)
            .expect("period end body")
            .set("$ref", Json::from(format!("#/components/schemas/{schema}")));
    }
    // The epikrise document is JSON (`application/fhir+json` is a JSON media
    // type), so clients and checkers read it as a Bundle, not as bytes; its
    // full rules are FHIR R4's own schema, which the stories validate against.
    spec.path_mut(&["components", "schemas"])
        .expect("schemas")
        .set("FhirDocumentBundle", fhir_document_bundle());
    let bundle_ref = json!({"$ref": "#/components/schemas/FhirDocumentBundle"});
    *spec
        .operation_mut("getEpikriseFhir")
        .and_then(|op| {
            op.path_mut(&[
                "responses",
                "200",
                "content",
                "application/fhir+json",
                "schema",
            ])
        })
        .expect("getEpikriseFhir 200") = Json::from(bundle_ref.clone());
    spec.path_mut(&[
        "components",
        "schemas",
        "EpikriseView",
        "properties",
        "document",
    ])
    .expect("EpikriseView.document")
    .replace_schema(bundle_ref);
    // Staff record oral consent only.
    spec.path_mut(&[
        "components",
        "schemas",
        "RecordedConsent",
        "properties",
        "method",
    ])
    .expect("RecordedConsent.method")
    .replace_schema(json!({"type": "string", "enum": ["oral"]}));
}

/// Invites (routes/centres.rs) and passkey ceremonies (routes/auth.rs).
/// The shape every epikrise and GP message has (store/src/journey/epikrise.rs
/// `bundle`): a FHIR R4 `Bundle` of type `document` whose first entry is
/// the `Composition`.
fn fhir_document_bundle() -> Json {
    Json::from(json!({
        "type": "object",
        "title": "FhirDocumentBundle",
        "description": "A FHIR R4 Bundle of type `document`; the first entry's resource is the `Composition`. See https://hl7.org/fhir/R4/documents.html.",
        "required": ["resourceType", "type", "identifier", "timestamp", "entry"],
        "properties": {
            "resourceType": {"type": "string", "enum": ["Bundle"]},
            "type": {"type": "string", "enum": ["document"]},
            "identifier": {
                "type": "object",
                "required": ["system", "value"],
                "properties": {
                    "system": {"type": "string"},
                    "value": {"type": "string"},
                },
            },
            "timestamp": {"type": "string", "format": "date-time"},
            "entry": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["fullUrl", "resource"],
                    "properties": {
                        "fullUrl": {"type": "string"},
                        "resource": {
                            "type": "object",
                            "required": ["resourceType"],
                            "properties": {"resourceType": {"type": "string"}},
                        },
                    },
                },
            },
        },
    }))
}

fn identity(spec: &mut Json) {
    let schemas = spec.path_mut(&["components", "schemas"]).expect("schemas");
    let invite = schemas.get_mut("InviteRequest").expect("InviteRequest");
    invite
        .path_mut(&["properties", "role"])
        .expect("role")
        .replace_schema(json!({
            "type": "string",
            "enum": ["participant", "guardian", "veileder", "centre_admin", "evaluator"],
        }));
    invite
        .path_mut(&["properties", "birth_month"])
        .expect("birth_month")
        .set("pattern", Json::from("^[0-9]{4}-(0[1-9]|1[0-2])$"));
    // A birth month only for a participant; a guardian names their child
    // (unless the invite recovers an existing guardian).
    let absent = json!({"nullable": true, "enum": [null]});
    invite.set(
        "oneOf",
        Json::from(json!([
            {"properties": {
                "role": {"type": "string", "enum": ["participant"]},
                "guardian_for_account_id": absent,
            }},
            {"properties": {
                "role": {"type": "string", "enum": ["guardian"]},
                "birth_month": absent,
            }, "anyOf": [
                {"required": ["guardian_for_account_id"], "properties": {"guardian_for_account_id": {"type": "string"}}},
                {"required": ["recovery_for_account_id"], "properties": {"recovery_for_account_id": {"type": "string"}}},
            ]},
            {"properties": {
                "role": {"type": "string", "enum": ["veileder", "centre_admin", "evaluator"]},
                "birth_month": absent,
                "guardian_for_account_id": absent,
            }},
        ])),
    );
    schemas
        .path_mut(&["RegistrationStartRequest", "properties", "invite_code"])
        .expect("invite_code")
        .set("pattern", Json::from(INVITE_CODE_PATTERN));
    schemas
        .path_mut(&["CeremonyFinish", "properties", "credential"])
        .expect("credential")
        .set("type", Json::from("object"));
}

/// Devices and reminder settings (domain/src/reminders.rs).
fn reminders(spec: &mut Json) {
    let schemas = spec.path_mut(&["components", "schemas"]).expect("schemas");
    const TIME_OF_DAY: &str = "^([01][0-9]|2[0-3]):[0-5][0-9]$";
    for (schema, property) in [
        ("ReminderInput", "time"),
        ("QuietHoursInput", "start"),
        ("QuietHoursInput", "end"),
    ] {
        schemas
            .path_mut(&[schema, "properties", property])
            .expect("time of day")
            .set("pattern", Json::from(TIME_OF_DAY));
    }
    schemas
        .path_mut(&["RemindersInput", "properties", "time_zone"])
        .expect("RemindersInput.time_zone")
        .replace_schema(json!({"$ref": "#/components/schemas/TimeZone"}));
    let weekday = schemas
        .path_mut(&["ReminderInput", "properties", "weekdays", "items"])
        .expect("weekdays items");
    weekday.set("minimum", Json::from(1));
    weekday.set("maximum", Json::from(7));
    // An FCM token's characters (reminders.rs `is_token_char`); a locale is
    // a BCP 47 tag.
    schemas
        .path_mut(&["DeviceInput", "properties", "push_token"])
        .expect("push_token")
        .set("pattern", Json::from("^[A-Za-z0-9_:.-]+$"));
    schemas
        .path_mut(&["DeviceInput", "properties", "locale"])
        .expect("locale")
        .set("pattern", Json::from("^[A-Za-z0-9]+([-_][A-Za-z0-9]+)*$"));
}

/// Anonymous exports (routes/exports.rs).
fn exports(spec: &mut Json) {
    spec.path_mut(&[
        "components",
        "schemas",
        "ResearchExportRequest",
        "properties",
        "format",
    ])
    .expect("ResearchExportRequest.format")
    .replace_schema(json!({"type": "string", "enum": ["csv", "json", "fhir"]}));
    for (name, pattern) in [
        ("group_by", format!("^(({GROUP_BY})(,({GROUP_BY}))*)?$")),
        ("municipality", "^(0[1-9]|[1-9][0-9])[0-9]{2}$".to_owned()),
        ("county", "^(0[1-9]|[1-9][0-9])$".to_owned()),
    ] {
        spec.operation_param_mut("getOutcomeTables", name)
            .expect("outcome table parameter")
            .set("pattern", Json::from(pattern));
    }
    // Fixed windows (domain/src/releases.rs `ReleaseYear`): `from` and `to`
    // are the first and last day of one calendar year; whether it has
    // ended depends on today, which a schema cannot name.
    for (name, pattern) in [("from", FIRST_OF_YEAR), ("to", LAST_OF_YEAR)] {
        spec.operation_param_mut("getOutcomeTables", name)
            .expect("outcome table window")
            .set("pattern", Json::from(pattern));
    }
    let research = spec
        .path_mut(&["components", "schemas", "ResearchExportRequest"])
        .expect("ResearchExportRequest");
    for (name, pattern) in [("from", FIRST_OF_YEAR), ("to", LAST_OF_YEAR)] {
        research
            .path_mut(&["properties", name])
            .expect("research window")
            .set("pattern", Json::from(pattern));
    }
    let year = research.path_mut(&["properties", "year"]).expect("year");
    year.set("minimum", Json::from(2000));
    year.set("maximum", Json::from(9999));
    // Either the year, or `from` and `to` (`exclusive`, `required`).
    research.set(
        "oneOf",
        Json::from(json!([
            {"required": ["year"], "properties": {
                "year": {"type": "integer"},
                "from": {"nullable": true, "enum": [null]},
                "to": {"nullable": true, "enum": [null]},
            }},
            {"required": ["from", "to"], "properties": {
                "year": {"nullable": true, "enum": [null]},
                "from": {"type": "string"},
                "to": {"type": "string"},
            }},
        ])),
    );
}

/// The first and last day of a calendar year, as `from` and `to` of an export.
const FIRST_OF_YEAR: &str = "^[0-9]{4}-01-01$";
const LAST_OF_YEAR: &str = "^[0-9]{4}-12-31$";

/// A property that must be absent (or null).
fn must_be_absent(description: &str) -> Json {
    Json::from(json!({"nullable": true, "enum": [null], "description": description}))
}

/// `quit_attempt` → `QuitAttempt`: the schema name of a snake_case field.
fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A JSON value whose objects keep their key order.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl From<serde_json::Value> for Json {
    fn from(value: serde_json::Value) -> Self {
        serde_json::from_value(value).expect("a JSON value reads as Json")
    }
}

impl From<&str> for Json {
    fn from(value: &str) -> Self {
        Json::String(value.to_owned())
    }
}

impl From<String> for Json {
    fn from(value: String) -> Self {
        Json::String(value)
    }
}

impl From<i32> for Json {
    fn from(value: i32) -> Self {
        Json::Number(value.into())
    }
}

impl Json {
    fn path_mut(&mut self, path: &[&str]) -> Option<&mut Json> {
        path.iter().try_fold(self, |node, key| node.get_mut(key))
    }

    /// Sets `key` of an object, in place if present, else at the end.
    fn set(&mut self, key: &str, value: Json) {
        if let Json::Object(fields) = self {
            match fields.iter_mut().find(|(k, _)| k == key) {
                Some((_, v)) => *v = value,
                None => fields.push((key.to_owned(), value)),
            }
        }
    }

    /// The names in `required`.
    fn required(&self) -> Vec<String> {
        match self.get("required") {
            Some(Json::Array(items)) => items
                .iter()
                .filter_map(|i| match i {
                    Json::String(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Replaces a property's schema, keeping its description and nullability.
    fn replace_schema(&mut self, schema: serde_json::Value) {
        let description = self.get("description").cloned();
        let nullable = self.get("nullable").cloned();
        *self = Json::from(schema);
        if let Some(d) = description {
            self.set("description", d);
        }
        if let Some(n) = nullable {
            self.set("nullable", n);
        }
    }

    /// The operation with this `operationId`.
    fn operation_mut(&mut self, operation_id: &str) -> Option<&mut Json> {
        let Some(Json::Object(paths)) = self.get_mut("paths") else {
            return None;
        };
        paths.iter_mut().find_map(|(_, methods)| match methods {
            Json::Object(methods) => methods.iter_mut().find_map(|(_, op)| {
                let id = op.get("operationId").cloned();
                (id == Some(Json::String(operation_id.to_owned()))).then_some(op)
            }),
            _ => None,
        })
    }

    /// The JSON request body schema of an operation.
    fn operation_body_mut(&mut self, operation_id: &str) -> Option<&mut Json> {
        self.operation_mut(operation_id)?.path_mut(&[
            "requestBody",
            "content",
            "application/json",
            "schema",
        ])
    }

    /// The schema of a parameter of an operation.
    fn operation_param_mut(&mut self, operation_id: &str, name: &str) -> Option<&mut Json> {
        let Some(Json::Array(params)) = self.operation_mut(operation_id)?.get_mut("parameters")
        else {
            return None;
        };
        params
            .iter_mut()
            .find(|p| p.get("name") == Some(&Json::String(name.to_owned())))?
            .get_mut("schema")
    }

    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Json> {
        match self {
            Json::Object(fields) => fields.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Calls `f` on this node and every node below it.
    fn walk(&mut self, f: &mut impl FnMut(&mut Json)) {
        f(self);
        match self {
            Json::Array(items) => items.iter_mut().for_each(|i| i.walk(f)),
            Json::Object(fields) => fields.iter_mut().for_each(|(_, v)| v.walk(f)),
            _ => {}
        }
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Number(n) => n.serialize(serializer),
            Json::String(s) => serializer.serialize_str(s),
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct JsonVisitor;

        impl<'de> Visitor<'de> for JsonVisitor {
            type Value = Json;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }

            fn visit_none<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }

            fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
                Ok(Json::Bool(b))
            }

            fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
                Ok(Json::Number(n.into()))
            }

            fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
                Ok(Json::Number(n.into()))
            }

            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Json, E> {
                serde_json::Number::from_f64(n)
                    .map(Json::Number)
                    .ok_or_else(|| E::custom("not a JSON number"))
            }

            fn visit_str<E>(self, s: &str) -> Result<Json, E> {
                Ok(Json::String(s.to_owned()))
            }

            fn visit_string<E>(self, s: String) -> Result<Json, E> {
                Ok(Json::String(s))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut fields = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Json>()? {
                    fields.push((k, v));
                }
                Ok(Json::Object(fields))
            }
        }

        deserializer.deserialize_any(JsonVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_examples_are_entries_the_server_accepts() {
        use friskliv_domain::diary::{DiaryEntryInput, EntryData, EntryKind};
        let now = "2026-11-24T12:00:00Z".parse().unwrap();
        for (kind, _) in ENTRY_KINDS {
            let Some(example) = entry_example(kind) else {
                continue;
            };
            let input: DiaryEntryInput = serde_json::from_value(example).unwrap();
            let entry = input
                .parse(kind.parse::<EntryKind>().unwrap(), now)
                .unwrap_or_else(|e| panic!("{kind}: {e:?}"));
            if let EntryData::Tobacco(t) = entry.content.data {
                assert_eq!(
                    (t.cigarettes, t.snus_portions, t.e_cigarette),
                    (0, 0, false)
                );
            }
        }
        assert!(entry_example("tobacco").is_some());
    }

    #[test]
    fn every_refined_schema_exists() {
        // `refine` panics when a schema, property or operation it refines is
        // missing; this runs it on the real document.
        let spec: serde_json::Value =
            serde_json::from_str(&refine(&crate::startup::openapi_service().spec())).unwrap();
        let schemas = &spec["components"]["schemas"];
        for (_, name) in ENTRY_KINDS {
            assert!(schemas[name].is_object(), "{name}");
        }
        assert_eq!(
            schemas["DiaryEntryInput"]["oneOf"]
                .as_array()
                .unwrap()
                .len(),
            6
        );
        assert_eq!(
            schemas["AssessmentInput"]["oneOf"]
                .as_array()
                .unwrap()
                .len(),
            INSTRUMENTS.len()
        );
        for instrument in INSTRUMENTS {
            assert!(schemas[pascal(instrument)].is_object(), "{instrument}");
        }
        assert_eq!(
            schemas["GoalInput"]["properties"]["text"]["pattern"],
            LABEL_PATTERN
        );
    }

    #[test]
    fn the_label_pattern_says_what_bounded_text_accepts() {
        let regex = regex::Regex::new(LABEL_PATTERN).unwrap();
        let pattern = |s: &str| regex.is_match(s);
        for ok in ["Gå til jobben", " x ", "ø"] {
            assert!(pattern(ok), "{ok:?}");
            assert!(
                friskliv_domain::journey::GoalInput {
                    domain: friskliv_domain::journey::GoalDomain::Activity,
                    text: ok.to_owned(),
                    target: None
                }
                .parse()
                .is_ok()
            );
        }
        for bad in ["", "   ", "a\nb", "tab\t", "\u{85}x", "x\n", "\u{3000}"] {
            assert!(!pattern(bad), "{bad:?}");
            assert!(
                friskliv_domain::journey::GoalInput {
                    domain: friskliv_domain::journey::GoalDomain::Activity,
                    text: bad.to_owned(),
                    target: None
                }
                .parse()
                .is_err()
            );
        }
    }

    #[test]
    fn the_order_and_layout_of_the_document_are_kept() {
        let generated = crate::startup::openapi_service().spec();
        let tree: Json = serde_json::from_str(&generated).unwrap();
        assert_eq!(serde_json::to_string_pretty(&tree).unwrap(), generated);
    }

    #[test]
    fn dates_are_openapi_dates_and_optional_fields_nullable() {
        let spec: serde_json::Value =
            serde_json::from_str(&refine(&crate::startup::openapi_service().spec())).unwrap();
        assert!(!spec.to_string().contains("naive-date"));
        let problem = &spec["components"]["schemas"]["Problem"];
        assert_eq!(problem["properties"]["current"]["nullable"], true);
        assert!(problem["properties"]["detail"].get("nullable").is_none());
        let me = &spec["components"]["schemas"]["Me"];
        assert_eq!(me["properties"]["centre_id"]["nullable"], true);
        assert!(
            me["properties"]["evaluation_areas"]
                .get("nullable")
                .is_none()
        );
        let entry = &spec["components"]["schemas"]["SyncItem"]["properties"]["entry"];
        assert_eq!(entry["nullable"], true);
        assert_eq!(
            entry["allOf"][0]["$ref"],
            "#/components/schemas/DiaryEntryInput"
        );
    }
}
