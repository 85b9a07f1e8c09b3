//! Refinements of the generated OpenAPI document that poem-openapi cannot
//! express from the types, applied to every copy (the committed file, the
//! served spec and the one inside `/docs`). The document is read into an
//! order-keeping tree so that it stays in poem-openapi's order.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// The generated (pretty-printed) spec with every refinement applied, in the
/// same layout.
pub fn refine(generated: &str) -> String {
    let mut spec: Json = serde_json::from_str(generated).expect("poem-openapi generates JSON");
    standard_formats(&mut spec);
    nullable_optionals(&mut spec);
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
    let Some(schemas) = spec
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
    else {
        return;
    };
    let Json::Object(schemas) = schemas else {
        return;
    };
    for (_, schema) in schemas.iter_mut() {
        let required: Vec<String> = match schema.get_mut("required") {
            Some(Json::Array(items)) => items
                .iter()
                .filter_map(|i| match i {
                    Json::String(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
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

impl Json {
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
        let entry = &spec["components"]["schemas"]["DiaryEntryInput"]["properties"]["activity"];
        assert_eq!(entry["nullable"], true);
        assert_eq!(entry["allOf"][0]["$ref"], "#/components/schemas/Activity");
    }
}
