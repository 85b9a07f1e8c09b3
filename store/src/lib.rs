//! Friskliv's storage and use cases. `db` holds the entities and the
//! queries (authorisation that depends on data is part of the query); the
//! feature modules hold one use-case function per API operation, each
//! opening its transaction, taking the write turn, authorising and
//! committing; `facts` turns stored rows into the domain's period facts;
//! `jobs` runs the research extract and housekeeping; `seed` makes demo data.

pub mod clock;
pub mod csv;
pub mod db;
pub mod facts;
pub mod gate;
pub mod jobs;
pub mod seed;

pub use clock::Clock;
pub use db::DbSettings;
pub use gate::{WriteGate, WriteTurn};
