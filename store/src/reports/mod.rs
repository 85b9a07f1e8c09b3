//! Anonymised reports: outcome tables and the KOSTRA report.
