//! `IdParam`: a UUID path parameter that is documented as `format: uuid` but
//! whose parse error is reported by the handler under the parameter's own
//! name (poem-openapi reports path errors under internal names like `param0`).

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseFromParameter, ParseResult, Type};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone)]
pub struct IdParam(Result<Uuid, String>);

impl IdParam {
    /// The id, or a 400 naming `field`.
    pub fn get(&self, field: &str) -> ApiResult<Uuid> {
        self.0.clone().map_err(|raw| {
            ApiError::bad_request(
                field,
                "format",
                format!("must be a UUID such as 0192f0c4-3b9e-7d1a-8c55-2f1e9a7b6c3d, was {raw:?}"),
            )
        })
    }
}

impl Type for IdParam {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string_uuid".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "uuid")))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromParameter for IdParam {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        let shown: String = value.chars().take(40).collect();
        Ok(IdParam(value.parse::<Uuid>().map_err(|_| shown)))
    }
}
