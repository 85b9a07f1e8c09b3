//! Statistical disclosure control for anonymous tables (DOMAIN.md §6–§7),
//! as SSB does it: a count of 1–4 is suppressed (primary), a mean or share
//! from fewer than five people is suppressed, and where a row or column
//! total is published and exactly one cell in it is suppressed, the next
//! smallest non-zero cell is suppressed too (secondary) — repeated until no
//! published line has a lone suppressed cell. Zero is always shown.

use serde::Serialize;

/// A group is anonymous only with at least this many people (veileder 2980-2988).
pub const MIN_GROUP: u64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Suppression {
    None,
    /// A count of 1–4.
    Primary,
    /// Hidden so that a primary cell cannot be recomputed from a total.
    Secondary,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub count: u64,
    pub suppression: Suppression,
}

impl Cell {
    fn new(count: u64) -> Self {
        Cell {
            count,
            suppression: if (1..MIN_GROUP).contains(&count) {
                Suppression::Primary
            } else {
                Suppression::None
            },
        }
    }

    pub fn is_suppressed(&self) -> bool {
        self.suppression != Suppression::None
    }

    /// The count, or `None` when it must not be shown.
    pub fn shown(&self) -> Option<u64> {
        (!self.is_suppressed()).then_some(self.count)
    }
}

/// A mean, median or share over `n` people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statistic {
    pub value: Option<f64>,
    pub n: u64,
    pub suppressed: bool,
}

/// Suppresses a statistic computed from fewer than [`MIN_GROUP`] people.
pub fn statistic(value: Option<f64>, n: u64) -> Statistic {
    let suppressed = value.is_some() && n < MIN_GROUP;
    Statistic {
        value: if suppressed { None } else { value },
        n,
        suppressed,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Protected {
    pub cells: Vec<Vec<Cell>>,
    pub row_totals: Vec<Cell>,
    pub column_totals: Vec<Cell>,
    pub grand_total: Cell,
}

/// In one line (the cells at `positions`, whose total is published), if
/// exactly one cell is suppressed, suppresses the smallest other non-zero
/// one (lowest index on ties); returns whether anything changed, or
/// `Err(())` when there is no such cell.
fn protect_line(cells: &mut [Vec<Cell>], positions: &[(usize, usize)]) -> Result<bool, ()> {
    let hidden = positions
        .iter()
        .filter(|(r, c)| cells[*r][*c].is_suppressed())
        .count();
    if hidden != 1 {
        return Ok(false);
    }
    let candidate = positions
        .iter()
        .filter(|(r, c)| !cells[*r][*c].is_suppressed() && cells[*r][*c].count > 0)
        .min_by_key(|(r, c)| cells[*r][*c].count);
    match candidate {
        Some(&(r, c)) => {
            cells[r][c].suppression = Suppression::Secondary;
            Ok(true)
        }
        None => Err(()),
    }
}

/// Protects a table of counts. Totals are the true sums and are published
/// when asked for (`row_totals`, `column_totals`); a total of 1–4 is itself
/// suppressed, and a total whose line cannot be protected otherwise (one
/// suppressed cell, the rest zeros) is suppressed instead.
pub fn protect(counts: &[Vec<u64>], row_totals: bool, column_totals: bool) -> Protected {
    let mut cells: Vec<Vec<Cell>> = counts
        .iter()
        .map(|row| row.iter().map(|n| Cell::new(*n)).collect())
        .collect();
    let rows = cells.len();
    let cols = cells.iter().map(Vec::len).max().unwrap_or(0);
    let mut row_total: Vec<Cell> = counts.iter().map(|r| Cell::new(r.iter().sum())).collect();
    let mut col_total: Vec<Cell> = (0..cols)
        .map(|c| Cell::new(counts.iter().filter_map(|r| r.get(c)).sum()))
        .collect();
    loop {
        let mut changed = false;
        if row_totals {
            for (r, total) in row_total.iter_mut().enumerate() {
                if total.is_suppressed() {
                    continue;
                }
                let line: Vec<(usize, usize)> = (0..cells[r].len()).map(|c| (r, c)).collect();
                match protect_line(&mut cells, &line) {
                    Ok(c) => changed |= c,
                    Err(()) => {
                        total.suppression = Suppression::Secondary;
                        changed = true;
                    }
                }
            }
        }
        if column_totals {
            for (c, total) in col_total.iter_mut().enumerate() {
                if total.is_suppressed() {
                    continue;
                }
                let line: Vec<(usize, usize)> = (0..rows)
                    .filter(|r| c < cells[*r].len())
                    .map(|r| (r, c))
                    .collect();
                match protect_line(&mut cells, &line) {
                    Ok(ch) => changed |= ch,
                    Err(()) => {
                        total.suppression = Suppression::Secondary;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let grand = Cell::new(counts.iter().flatten().sum());
    Protected {
        cells,
        row_totals: if row_totals { row_total } else { Vec::new() },
        column_totals: if column_totals { col_total } else { Vec::new() },
        grand_total: grand,
    }
}

/// One column of counts with (optionally) its published total.
pub fn protect_column(counts: &[u64], total_published: bool) -> (Vec<Cell>, Cell) {
    let table: Vec<Vec<u64>> = counts.iter().map(|n| vec![*n]).collect();
    let p = protect(&table, false, total_published);
    let cells = p.cells.into_iter().map(|mut r| r.remove(0)).collect();
    let total = p
        .column_totals
        .into_iter()
        .next()
        .unwrap_or_else(|| Cell::new(counts.iter().sum()));
    (cells, total)
}

/// A count as SSB prints it: the number, or `:` when suppressed.
pub fn csv_cell(cell: &Cell) -> String {
    cell.shown()
        .map_or_else(|| ":".to_owned(), |n| n.to_string())
}

/// A statistic: `:` when suppressed, empty when nothing was measured.
pub fn csv_statistic(s: &Statistic, decimals: usize) -> String {
    match (s.suppressed, s.value) {
        (true, _) => ":".to_owned(),
        // `+ 0.0` turns a rounded −0 into 0.
        (false, Some(v)) => format!("{:.decimals$}", v + 0.0),
        (false, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Suppression::{None as Shown, Primary, Secondary};

    fn states(p: &Protected) -> Vec<Vec<Suppression>> {
        p.cells
            .iter()
            .map(|r| r.iter().map(|c| c.suppression).collect())
            .collect()
    }

    #[test]
    fn a_table_without_small_cells_is_unchanged() {
        let p = protect(&[vec![10, 20], vec![0, 7]], true, true);
        assert_eq!(states(&p), vec![vec![Shown, Shown], vec![Shown, Shown]]);
        assert_eq!(p.row_totals[0].shown(), Some(30));
        assert_eq!(p.column_totals[1].shown(), Some(27));
    }

    #[test]
    fn a_single_three_with_a_published_row_total_forces_a_second_suppression() {
        let p = protect(&[vec![3, 9, 12, 20]], true, false);
        assert_eq!(states(&p), vec![vec![Primary, Secondary, Shown, Shown]]);
        assert_eq!(p.row_totals[0].shown(), Some(44));
    }

    #[test]
    fn secondary_suppressions_cascade_across_published_columns() {
        // Row 0: the 3 forces the 9. Column 0 then holds one hidden cell
        // (the 3), which forces the 10; column 1 holds one (the 9), which
        // forces the 8. Row 1 now hides two cells: stable.
        let p = protect(&[vec![3, 9, 12], vec![10, 8, 30]], true, true);
        assert_eq!(
            states(&p),
            vec![
                vec![Primary, Secondary, Shown],
                vec![Secondary, Secondary, Shown]
            ]
        );
        for line in 0..2 {
            let hidden = p.cells[line].iter().filter(|c| c.is_suppressed()).count();
            assert_ne!(hidden, 1);
        }
    }

    #[test]
    fn two_small_cells_protect_each_other() {
        let p = protect(&[vec![2, 3, 40]], true, false);
        assert_eq!(states(&p), vec![vec![Primary, Primary, Shown]]);
    }

    #[test]
    fn zeros_are_shown_and_never_chosen() {
        let p = protect(&[vec![0, 4, 0, 6]], true, false);
        assert_eq!(states(&p), vec![vec![Shown, Primary, Shown, Secondary]]);
    }

    #[test]
    fn a_lone_small_cell_among_zeros_hides_the_total_instead() {
        let p = protect(&[vec![0, 4, 0]], true, false);
        assert_eq!(states(&p), vec![vec![Shown, Primary, Shown]]);
        assert!(p.row_totals[0].is_suppressed(), "4 = the total");
        let (cells, total) = protect_column(&[0, 2, 0], true);
        assert!(cells[1].is_suppressed() && total.is_suppressed());
    }

    #[test]
    fn statistics_need_five_people() {
        assert_eq!(
            statistic(Some(31.5), 4),
            Statistic {
                value: None,
                n: 4,
                suppressed: true
            }
        );
        assert_eq!(statistic(Some(31.5), 5).value, Some(31.5));
        assert!(!statistic(None, 0).suppressed);
        assert_eq!(csv_statistic(&statistic(Some(2.0), 3), 1), ":");
        assert_eq!(csv_statistic(&statistic(Some(2.0), 9), 1), "2.0");
        assert_eq!(csv_cell(&Cell::new(3)), ":");
        assert_eq!(csv_cell(&Cell::new(0)), "0");
    }

    #[test]
    fn no_published_line_ever_reveals_a_suppressed_cell() {
        let values = [0u64, 1, 3, 7];
        let mut tables = 0;
        for code in 0..4u32.pow(9) {
            let mut k = code;
            let table: Vec<Vec<u64>> = (0..3)
                .map(|_| {
                    (0..3)
                        .map(|_| {
                            let v = values[(k % 4) as usize];
                            k /= 4;
                            v
                        })
                        .collect()
                })
                .collect();
            let p = protect(&table, true, true);
            for r in 0..3 {
                for c in 0..3 {
                    let cell = &p.cells[r][c];
                    assert!(
                        cell.shown().is_none_or(|n| n == 0 || n >= MIN_GROUP),
                        "{table:?}"
                    );
                }
                if p.row_totals[r].shown().is_some() {
                    let hidden = p.cells[r].iter().filter(|c| c.is_suppressed()).count();
                    assert_ne!(hidden, 1, "row {r} of {table:?}");
                }
            }
            for c in 0..3 {
                if p.column_totals[c].shown().is_some() {
                    let hidden = (0..3).filter(|r| p.cells[*r][c].is_suppressed()).count();
                    assert_ne!(hidden, 1, "column {c} of {table:?}");
                }
            }
            tables += 1;
        }
        assert_eq!(tables, 262_144);
    }
}
