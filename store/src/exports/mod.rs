//! Exports for evaluators: the anonymous outcome tables (with the release
//! ledger of `friskliv_domain::releases`), the research extract jobs and
//! their downloads.

pub mod outcomes;
pub mod research;

pub use crate::db::reports::ExportScope;
pub use outcomes::{
    CountCell, GroupValue, OutcomeRelease, OutcomeTablesQuery, OutcomeTablesView, StatisticCell,
    TableRow,
};
pub use research::{ExportDownload, ExportJobView, ResearchExportRequest};
