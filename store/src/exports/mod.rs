//! Exports for evaluators: the research extract jobs and their downloads.
