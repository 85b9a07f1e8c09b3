//! The Friskliv API server: configuration, storage, authentication, routes
//! and the `friskliv` command's subcommands.

pub mod auth;
pub mod body;
pub mod body_limit;
pub mod cli;
pub mod config;
pub mod error;
pub mod routes;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;

pub use config::Config;
pub use startup::{Application, openapi_json};
