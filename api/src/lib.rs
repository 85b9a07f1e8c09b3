//! The Friskliv API server: configuration, storage, authentication, routes
//! and the `friskliv` command's subcommands.

// `ApiError` carries its problem document inline (~150 bytes). It is built
// at most once per request, so boxing it would buy nothing measurable.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod body;
pub mod body_limit;
pub mod cli;
pub mod config;
pub mod error;
pub mod http_headers;
pub mod params;
pub mod push;
pub mod rate_limit;
pub mod routes;
pub mod spec;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use config::Config;
pub use startup::{Application, openapi_json};
