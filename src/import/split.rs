//! Cells run together: archived page text that prints a row of seven cells as one digit
//! string (`21710000218`). A string is split only where the row's own arithmetic and its
//! number of cells leave one way; otherwise every way that fits is returned and a person
//! decides (the table's other sums may point to one of them).

/// Every way to cut `groups` (digit strings, each holding at least one value) into `n`
/// values that `fits` accepts. A value has no leading zero unless it is 0. At most `limit`
/// ways are returned.
pub fn splits(groups: &[&str], n: usize, fits: &dyn Fn(&[i64]) -> bool, limit: usize) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut parts: Vec<String> = Vec::with_capacity(n);
    walk(groups, 0, 0, n, &mut parts, fits, limit, &mut out);
    out
}

#[allow(clippy::too_many_arguments)]
fn walk(
    groups: &[&str],
    group: usize,
    at: usize,
    n: usize,
    parts: &mut Vec<String>,
    fits: &dyn Fn(&[i64]) -> bool,
    limit: usize,
    out: &mut Vec<Vec<String>>,
) {
    if out.len() >= limit {
        return;
    }
    let Some(g) = groups.get(group) else {
        if parts.len() == n {
            let values: Option<Vec<i64>> = parts.iter().map(|p| p.parse::<i64>().ok()).collect();
            if values.is_some_and(|v| fits(&v)) {
                out.push(parts.clone());
            }
        }
        return;
    };
    let rest = &g[at..];
    if rest.is_empty() {
        walk(groups, group + 1, 0, n, parts, fits, limit, out);
        return;
    }
    // Values still needed by the groups after this one: one each at least.
    let later = groups.len() - group - 1;
    if parts.len() + 1 + later > n {
        return;
    }
    let longest = if rest.starts_with('0') { 1 } else { rest.len().min(8) };
    for len in 1..=longest {
        parts.push(rest[..len].to_string());
        walk(groups, group, at + len, n, parts, fits, limit, out);
        parts.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row_total(v: &[i64]) -> bool {
        v[6] == v[..6].iter().sum::<i64>()
    }

    #[test]
    fn a_row_of_seven_splits_one_way_when_its_total_decides() {
        let ways = splits(&["21710000218"], 7, &row_total, 100);
        assert_eq!(ways, vec![vec!["217", "1", "0", "0", "0", "0", "218"]]);
        // Seven digits for seven cells: one digit each, whatever the sum says.
        assert_eq!(splits(&["0000000"], 7, &row_total, 100).len(), 1);
    }

    #[test]
    fn an_undecided_string_gives_every_way_that_fits() {
        // 平潭 2021 予以公开: 27|0|0|2|0|1|30 and 2|7|0|0|20|1|30 both sum; only the
        // table's columns tell them apart.
        let ways = splits(&["270020130"], 7, &row_total, 100);
        assert!(ways.contains(&["27", "0", "0", "2", "0", "1", "30"].map(String::from).to_vec()), "{ways:?}");
        assert!(ways.contains(&["2", "7", "0", "0", "20", "1", "30"].map(String::from).to_vec()), "{ways:?}");
        assert!(ways.iter().all(|w| row_total(&w.iter().map(|p| p.parse().unwrap_or(0)).collect::<Vec<i64>>())));
    }

    #[test]
    fn separated_groups_are_kept_apart() {
        let ways = splits(&["217", "1", "0", "0", "0", "0", "218"], 7, &row_total, 100);
        assert_eq!(ways.len(), 1);
    }
}
