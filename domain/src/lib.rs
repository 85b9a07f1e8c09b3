//! Friskliv's domain: the types the rest of the system trusts once they exist.
//!
//! Everything here is pure (no IO, no async, no clock, no randomness): values
//! are parsed from untrusted input once, at the edge, and carried as types
//! that cannot hold an invalid value afterwards ("parse, don't validate").

/// A closed set of wire values (snake_case strings) with parsing, display
/// and, behind the `openapi` feature, a poem-openapi enum schema.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
        pub enum $name {
            $(
                $(#[$vdoc])*
                #[serde(rename = $text)]
                #[cfg_attr(feature = "openapi", oai(rename = $text))]
                $variant,
            )+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "must be one of {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("friskliv_domain");

// A date crosses the FFI as its ISO text (YYYY-MM-DD), as on the wire.
#[cfg(feature = "uniffi")]
use chrono::NaiveDate;
#[cfg(feature = "uniffi")]
uniffi::custom_type!(NaiveDate, String, {
    remote,
    lower: |date| date.to_string(),
    try_lift: |text| Ok(text.parse::<NaiveDate>()?),
});

pub mod assessment;
pub mod consent;
pub mod diary;
pub mod disclosure;
pub mod identity;
pub mod indicators;
pub mod journey;
pub mod kostra;
pub mod outcome_tables;
pub mod outcomes;
pub mod releases;
pub mod reminders;
pub mod summary;
pub mod validation;

pub use identity::{
    AccountRole, CentreName, CountyNumber, DisplayName, EvaluationArea, InviteCode, InviteLifetime,
    MunicipalityNumber, PasskeyName, SessionPolicy, SessionUse,
};
pub use validation::FieldError;
