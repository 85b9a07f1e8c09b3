//! Anonymised reports: outcome tables and the KOSTRA report.

pub mod kostra;

pub use kostra::{Count, KostraReport, StaffResourceView, StaffResources};

/// How a report leaves: as JSON or as CSV (recorded in its audit row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Json,
    Csv,
}

impl TableFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            TableFormat::Json => "json",
            TableFormat::Csv => "csv",
        }
    }
}
