//! The Friskliv API server: configuration, storage, authentication, routes
//! and the `friskliv` command's subcommands.

// `ApiError` carries its problem document inline (~150 bytes). It is built
// at most once per request, so boxing it would buy nothing measurable.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod body;
pub mod body_limit;
pub mod cli;
pub mod clock;
pub mod config;
pub mod csv;
pub mod error;
pub mod http_headers;
pub mod jobs;
pub mod outcomes;
pub mod params;
pub mod routes;
pub mod seed;
pub mod seed_journey;
pub mod spec;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;

pub use config::Config;
pub use startup::{Application, openapi_json};
