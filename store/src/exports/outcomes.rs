//! Anonymous outcome tables for evaluators (DOMAIN.md §7): grouped counts
//! and means over follow-up periods, disclosure-controlled in the domain
//! before they leave. Periods are read page by page, so memory holds one
//! page of diaries and the groups, however many periods there are. Every
//! request, allowed or refused, writes an `export_audit` row.

use chrono::NaiveDate;
use friskliv_domain::outcome_tables::{COUNTS, Dimension, Row, STATISTICS, Table};
use friskliv_domain::releases::{Release, ReleaseRefusal, ReleaseYear, may_release};
use friskliv_domain::{EvaluationArea, FieldError};
use poem_openapi::Object;
use uuid::Uuid;

use crate::db::reports::{self as queries, ExportScope};
use crate::error::{Refusal, Result};
use crate::facts::{outcome_table, table_csv};
use crate::reports::TableFormat;
use crate::{Principal, Store};

/// A count, or `null` with `suppressed` set when it could identify someone.
#[derive(Object)]
pub struct CountCell {
    pub measure: String,
    #[oai(skip_serializing_if_is_none)]
    pub count: Option<u64>,
    /// `none`, `primary` (1–4) or `secondary` (protects a primary cell from recomputation).
    pub suppressed: String,
}

#[derive(Object)]
pub struct StatisticCell {
    pub measure: String,
    /// Null when suppressed (fewer than 5 people) or when nothing was measured.
    #[oai(skip_serializing_if_is_none)]
    pub value: Option<f64>,
    pub suppressed: bool,
}

#[derive(Object)]
pub struct GroupValue {
    pub dimension: String,
    pub value: String,
}

#[derive(Object)]
pub struct TableRow {
    /// Empty for the total row.
    pub group: Vec<GroupValue>,
    pub counts: Vec<CountCell>,
    pub statistics: Vec<StatisticCell>,
}

/// Outcome tables with disclosure control applied.
#[derive(Object)]
pub struct OutcomeTablesView {
    /// The calendar year: periods that started in it.
    pub year: i32,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Every centre counted.
    pub centres: Vec<Uuid>,
    /// The municipality asked for, when the scope is a municipality.
    #[oai(skip_serializing_if_is_none)]
    pub municipality: Option<String>,
    /// The county asked for, when the scope is a county.
    #[oai(skip_serializing_if_is_none)]
    pub county: Option<String>,
    pub group_by: Vec<String>,
    pub rows: Vec<TableRow>,
    pub total: TableRow,
    /// The indicator definitions used (id@version).
    pub definitions: Vec<String>,
}

/// `GET /v1/exports/outcomes` as asked for, unparsed.
#[derive(Debug, Clone, Default)]
pub struct OutcomeTablesQuery<'a> {
    pub year: Option<i32>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub group_by: Option<&'a str>,
    pub format: Option<TableFormat>,
    pub centre_id: Option<Uuid>,
    pub municipality: Option<&'a str>,
    pub county: Option<&'a str>,
}

/// A released outcome table: the JSON view, and the table for CSV.
pub struct OutcomeRelease {
    pub view: OutcomeTablesView,
    table: Table,
}

impl OutcomeRelease {
    /// One line per group plus `total`; suppressed cells are `:`.
    pub fn csv(&self) -> String {
        table_csv(&self.table)
    }
}

fn suppression_name(cell: &friskliv_domain::disclosure::Cell) -> String {
    serde_json::to_value(cell.suppression)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn row_view(row: &Row) -> TableRow {
    TableRow {
        group: row
            .group
            .iter()
            .map(|(d, v)| GroupValue {
                dimension: (*d).to_owned(),
                value: v.clone(),
            })
            .collect(),
        counts: COUNTS
            .iter()
            .map(|m| {
                let cell = &row.counts[m];
                CountCell {
                    measure: (*m).to_owned(),
                    count: cell.shown(),
                    suppressed: suppression_name(cell),
                }
            })
            .collect(),
        statistics: STATISTICS
            .iter()
            .map(|m| {
                let s = &row.statistics[m];
                StatisticCell {
                    measure: (*m).to_owned(),
                    value: s.value,
                    suppressed: s.suppressed,
                }
            })
            .collect(),
    }
}

fn parse_group_by(raw: Option<&str>) -> Result<Vec<Dimension>> {
    let mut dims = Vec::new();
    for part in raw
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let dim: Dimension = part
            .parse()
            .map_err(|m: String| FieldError::new("group_by", "one_of", m))?;
        if dims.contains(&dim) {
            return Err(
                FieldError::new("group_by", "unique", format!("{dim} is given twice")).into(),
            );
        }
        dims.push(dim);
    }
    Ok(dims)
}

/// The scope a request names: at most one of a centre, a municipality or a
/// county; none means the caller's own centre.
fn requested_scope(
    own_centre: Option<Uuid>,
    centre_id: Option<Uuid>,
    municipality: Option<&str>,
    county: Option<&str>,
) -> Result<Option<ExportScope>> {
    let named = [
        ("centre_id", centre_id.is_some()),
        ("municipality", municipality.is_some()),
        ("county", county.is_some()),
    ];
    if let Some((extra, _)) = named.iter().filter(|(_, given)| *given).nth(1) {
        return Err(FieldError::new(
            *extra,
            "exclusive",
            "give at most one of centre_id, municipality and county",
        )
        .into());
    }
    Ok(if let Some(m) = municipality {
        Some(ExportScope::Area(EvaluationArea::parse("municipality", m)?))
    } else if let Some(c) = county {
        Some(ExportScope::Area(EvaluationArea::parse("county", c)?))
    } else {
        centre_id.or(own_centre).map(ExportScope::Centre)
    })
}

/// Why a table is refused given the requester's earlier tables of the year.
fn release_refused(refusal: ReleaseRefusal) -> Refusal {
    match refusal {
        ReleaseRefusal::OverlappingScope => Refusal::conflict(
            "overlapping-release",
            "you already have a table for this year over centres that overlap these without being the same; \
             the difference of the two would show the centres in one and not the other. Ask for the same scope \
             (use group_by=centre or municipality for a breakdown) or a scope that shares no centre with it",
        ),
        ReleaseRefusal::LinkedBreakdown(dimension) => Refusal::conflict(
            "linked-breakdown",
            format!(
                "you already have a table for this year and scope broken down by {dimension} together with \
                 other dimensions (or by a place dimension it sums to); together with this one it would \
                 reveal cells that are suppressed. Ask for the same breakdown, or one without {dimension}"
            ),
        ),
        ReleaseRefusal::SmallChange(n) => Refusal::conflict(
            "small-difference",
            format!(
                "since your last table for this year and scope, the data of {n} follow-up period(s) changed; \
                 a new table would show what changed for fewer than 5 people. Ask again when at least 5 have changed"
            ),
        ),
    }
}

impl Store {
    /// `GET /v1/exports/outcomes`: the table of one ended year over the
    /// scope asked for (the caller's own centre by default), if the caller
    /// may export it and the release ledger lets it out; audited, allowed
    /// or refused.
    pub async fn outcome_tables(
        &self,
        principal: &Principal,
        query: &OutcomeTablesQuery<'_>,
    ) -> Result<OutcomeRelease> {
        let now = self.clock.now();
        let today = crate::clock::today(now);
        let window = ReleaseYear::from_request(query.year, query.from, query.to, today)?;
        let (from, to) = (window.first_day(), window.last_day());
        let dims = parse_group_by(query.group_by)?;
        let format = query.format.unwrap_or(TableFormat::Json);
        let actor = principal.actor();
        let scope = requested_scope(
            actor.centre_id,
            query.centre_id,
            query.municipality,
            query.county,
        )?;
        let centres = match &scope {
            Some(scope) => queries::centres_in_scope(&self.db, &actor, scope).await?,
            None => None,
        };
        let parameters = serde_json::json!({
            "scope": scope.as_ref().map(ExportScope::describe),
            "year": window.year(),
            "group_by": dims.iter().map(|d| d.as_str()).collect::<Vec<_>>(),
            "format": format.as_str(),
        });
        let audit_centre = scope.as_ref().and_then(ExportScope::centre);
        let (Some(scope), Some(centres)) = (scope, centres) else {
            queries::audit(
                &self.db,
                &actor,
                "outcome_tables",
                audit_centre,
                parameters,
                false,
                now,
            )
            .await?;
            return Err(Refusal::forbidden(
                "only evaluators and centre admins of the centre, and evaluators granted its municipality or county, see its outcome tables",
            )
            .into());
        };
        let (table, fingerprints) =
            outcome_table(&self.db, &centres, from, to, dims.clone(), today).await?;
        let release = Release {
            centres: centres.keys().copied().collect(),
            group_by: dims.clone(),
            fingerprints,
        };
        // The check and the record are one step, so two tables asked for at
        // once are judged against each other.
        let (turn, txn) = self.write().await?;
        let earlier = queries::releases_of(&txn, actor.account_id, window.year()).await?;
        let verdict = may_release(&earlier, &release);
        let mut parameters = parameters;
        if let Err(refusal) = &verdict {
            parameters["refused"] = serde_json::json!(format!("{refusal:?}"));
        } else {
            queries::record_release(&txn, actor.account_id, window.year(), &release, now).await?;
        }
        queries::audit(
            &txn,
            &actor,
            "outcome_tables",
            audit_centre,
            parameters,
            verdict.is_ok(),
            now,
        )
        .await?;
        txn.commit().await?;
        drop(turn);
        verdict.map_err(release_refused)?;
        let definitions = friskliv_domain::outcome_tables::DEFINITIONS_USED
            .iter()
            .map(|d| format!("{}@{}", d.id, d.version))
            .collect();
        let view = OutcomeTablesView {
            year: window.year(),
            from,
            to,
            centres: centres.keys().copied().collect(),
            municipality: match &scope {
                ExportScope::Area(EvaluationArea::Municipality(m)) => Some(m.as_str().to_owned()),
                _ => None,
            },
            county: match &scope {
                ExportScope::Area(EvaluationArea::County(c)) => Some(c.as_str().to_owned()),
                _ => None,
            },
            group_by: dims.iter().map(|d| d.as_str().to_owned()).collect(),
            rows: table.rows.iter().map(row_view).collect(),
            total: row_view(&table.total),
            definitions,
        };
        Ok(OutcomeRelease { view, table })
    }
}
