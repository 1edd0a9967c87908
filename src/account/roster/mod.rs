//! A jurisdiction's roster (名册): who must report, under whom, for which years. An admin
//! loads it from a file (`nianbao admin import-agencies`, or the upload on `/admin`); this
//! module reads the file and works out, against the agencies already stored, what to
//! create and what to change. It refuses the whole file when any row is wrong, so nothing
//! is half-loaded, and a row that matches what is stored changes nothing, so loading the
//! same file twice adds nothing twice.
//!
//! Columns, by their header: 名称, 类型 (人民政府 / 政府部门), 上级 (a name in the file or
//! already stored; blank for the top), and optionally 起始年度 / 终止年度 (the years the unit
//! must report for) and 继任机构 (where a merged or renamed unit went).

mod read;

use std::collections::{HashMap, HashSet};

pub use read::{Record, read};

use super::{Agency, AgencyId, AgencyName, parent_kind_problem};
use crate::report::Kind;

/// Why (part of) a roster was refused; `line` 0 is the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

impl Problem {
    fn at(line: usize, message: impl Into<String>) -> Problem {
        Problem {
            line,
            message: message.into(),
        }
    }

    fn file(message: impl Into<String>) -> Problem {
        Problem::at(0, message)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            0 => f.write_str(&self.message),
            line => write!(f, "第 {line} 行：{}", self.message),
        }
    }
}

/// One unit as the roster describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub line: usize,
    pub name: AgencyName,
    pub kind: Kind,
    pub parent: Option<String>,
    pub from_year: Option<i32>,
    pub to_year: Option<i32>,
    pub successor: Option<String>,
}

/// What loading a roster does. `create` is in an order where each parent comes first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub create: Vec<Unit>,
    /// Stored agencies whose parent, years or successor the roster changes.
    pub update: Vec<(AgencyId, Unit)>,
    /// Rows that match what is stored.
    pub unchanged: usize,
}

const NAME: &str = "名称";
const KIND: &str = "类型";
const PARENT: &str = "上级";
const FROM: &str = "起始年度";
const TO: &str = "终止年度";
const SUCCESSOR: &str = "继任机构";

/// Reads a roster file and plans it against the stored agencies; every problem at once.
pub fn plan_file(bytes: &[u8], stored: &[Agency]) -> Result<Plan, Vec<Problem>> {
    let (header, records) = read(bytes).map_err(|p| vec![p])?;
    let units = units(&header, &records).map_err(|mut problems| {
        if problems.iter().all(|p| p.line > 0) {
            problems.push(Problem::file("以上各行改正后，还将检查上级是否存在、是否重复和上下级关系是否成环"));
        }
        problems
    })?;
    plan(units, stored)
}

/// The rows as units, each checked by itself.
pub fn units(header: &[String], records: &[Record]) -> Result<Vec<Unit>, Vec<Problem>> {
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(name_col), Some(kind_col)) = (column(NAME), column(KIND)) else {
        return Err(vec![Problem::file(format!(
            "第 1 行应为表头，至少包括“{NAME}”“{KIND}”两列（可选“{PARENT}”“{FROM}”“{TO}”“{SUCCESSOR}”），读到的是：{}",
            header.join("，")
        ))]);
    };
    let optional = [column(PARENT), column(FROM), column(TO), column(SUCCESSOR)];
    let mut units = Vec::new();
    let mut problems = Vec::new();
    for record in records {
        let cell = |col: Option<usize>| {
            col.and_then(|c| record.cells.get(c))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
        };
        let line = record.line;
        let name = match AgencyName::parse(cell(Some(name_col)).unwrap_or("")) {
            Ok(name) => name,
            Err(problem) => {
                problems.push(Problem::at(line, problem.to_string()));
                continue;
            }
        };
        let kind = match cell(Some(kind_col)).unwrap_or("") {
            "人民政府" | "政府" | "government" => Kind::Government,
            "政府部门" | "部门" | "department" => Kind::Department,
            other => {
                problems.push(Problem::at(
                    line,
                    format!("“{name}”的类型“{other}”无法识别：应为“人民政府”或“政府部门”"),
                ));
                continue;
            }
        };
        let [parent, from, to, successor] = optional.map(cell);
        let year = |raw: Option<&str>, label: &str| -> Result<Option<i32>, Problem> {
            raw.map(|y| match y.parse::<i32>() {
                Ok(year) if (1990..=2100).contains(&year) => Ok(year),
                _ => Err(Problem::at(line, format!("“{name}”的{label}“{y}”应为四位数年份，如 2021"))),
            })
            .transpose()
        };
        let (from_year, to_year) = match (year(from, FROM), year(to, TO)) {
            (Ok(f), Ok(t)) => (f, t),
            (Err(p), _) | (_, Err(p)) => {
                problems.push(p);
                continue;
            }
        };
        if let (Some(f), Some(t)) = (from_year, to_year)
            && f > t
        {
            problems.push(Problem::at(line, format!("“{name}”的{FROM} {f} 晚于{TO} {t}")));
            continue;
        }
        if parent == Some(name.as_str()) {
            problems.push(Problem::at(line, format!("“{name}”不能是自己的上级")));
            continue;
        }
        units.push(Unit {
            line,
            name,
            kind,
            parent: parent.map(str::to_string),
            from_year,
            to_year,
            successor: successor.map(str::to_string),
        });
    }
    if problems.is_empty() { Ok(units) } else { Err(problems) }
}

/// What to create and change so the stored agencies are as the roster says; the rows
/// checked against each other and against what is stored.
pub fn plan(units: Vec<Unit>, stored: &[Agency]) -> Result<Plan, Vec<Problem>> {
    let mut problems = Vec::new();
    let stored_by_name: HashMap<&str, &Agency> = stored.iter().map(|a| (a.name.as_str(), a)).collect();
    let stored_by_id: HashMap<AgencyId, &Agency> = stored.iter().map(|a| (a.id, a)).collect();

    // A name twice: the same unit listed again, or one unit under two parents.
    let mut first: HashMap<&str, &Unit> = HashMap::new();
    for unit in &units {
        match first.get(unit.name.as_str()) {
            None => {
                first.insert(unit.name.as_str(), unit);
            }
            Some(earlier) if earlier.parent != unit.parent => problems.push(Problem::at(
                unit.line,
                format!(
                    "“{}”已在第 {} 行列于“{}”之下，同一机构不能有两个上级",
                    unit.name,
                    earlier.line,
                    earlier.parent.as_deref().unwrap_or("（无上级）")
                ),
            )),
            Some(earlier) => problems.push(Problem::at(
                unit.line,
                format!("“{}”与第 {} 行重复", unit.name, earlier.line),
            )),
        }
    }

    // The kind a name has after loading: the file's, else what is stored.
    let kind_of = |name: &str| {
        first
            .get(name)
            .map(|u| u.kind)
            .or_else(|| stored_by_name.get(name).map(|a| a.kind))
    };
    for unit in first.values() {
        if let Some(agency) = stored_by_name.get(unit.name.as_str())
            && agency.kind != unit.kind
        {
            problems.push(Problem::at(
                unit.line,
                format!(
                    "“{}”已登记为{}，名册中为{}：机构类型不能更改",
                    unit.name,
                    agency.kind.label(),
                    unit.kind.label()
                ),
            ));
        }
        if let Some(parent) = &unit.parent {
            match kind_of(parent) {
                None => problems.push(Problem::at(
                    unit.line,
                    format!("“{}”的上级“{parent}”既不在名册中，也未登记", unit.name),
                )),
                Some(kind) => {
                    if let Some(problem) = parent_kind_problem(kind) {
                        problems.push(Problem::at(
                            unit.line,
                            format!("“{}”：{problem}，“{parent}”是{}", unit.name, kind.label()),
                        ));
                    }
                }
            }
        }
        if let Some(successor) = &unit.successor
            && kind_of(successor).is_none()
        {
            problems.push(Problem::at(
                unit.line,
                format!("“{}”的继任机构“{successor}”既不在名册中，也未登记", unit.name),
            ));
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(problems);
    }

    // Each name's parent after loading, to find cycles through stored agencies too.
    let parent_after = |name: &str| -> Option<String> {
        match first.get(name) {
            Some(unit) => unit.parent.clone(),
            None => stored_by_name
                .get(name)
                .and_then(|a| a.parent_id)
                .and_then(|id| stored_by_id.get(&id))
                .map(|p| p.name.clone()),
        }
    };
    let mut in_cycle: HashSet<&str> = HashSet::new();
    for unit in &units {
        let mut seen = vec![unit.name.as_str().to_string()];
        let mut at = parent_after(unit.name.as_str());
        while let Some(name) = at {
            if name == unit.name.as_str() {
                if !in_cycle.contains(unit.name.as_str()) {
                    for n in &seen {
                        if let Some(u) = first.get(n.as_str()) {
                            in_cycle.insert(u.name.as_str());
                        }
                    }
                    problems.push(Problem::at(
                        unit.line,
                        format!("上下级关系成环：{} → {}", seen.join(" → "), unit.name),
                    ));
                }
                break;
            }
            if seen.contains(&name) {
                // A cycle above this unit, reported at its own rows.
                break;
            }
            at = parent_after(&name);
            seen.push(name);
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut plan = Plan::default();
    let mut to_create = Vec::new();
    for unit in units {
        match stored_by_name.get(unit.name.as_str()) {
            None => to_create.push(unit),
            Some(agency) => {
                let parent_name = agency
                    .parent_id
                    .and_then(|id| stored_by_id.get(&id))
                    .map(|p| p.name.clone());
                let same = parent_name == unit.parent
                    && agency.from_year == unit.from_year
                    && agency.to_year == unit.to_year
                    && agency
                        .successor_id
                        .and_then(|id| stored_by_id.get(&id))
                        .map(|s| s.name.clone())
                        == unit.successor;
                if same {
                    plan.unchanged += 1;
                } else {
                    plan.update.push((agency.id, unit));
                }
            }
        }
    }
    // Parents first: a unit is created once every parent it names in the file is.
    let mut placed: HashSet<String> = HashSet::new();
    while !to_create.is_empty() {
        let (ready, waiting): (Vec<Unit>, Vec<Unit>) = to_create.into_iter().partition(|u| {
            u.parent
                .as_ref()
                .is_none_or(|p| stored_by_name.contains_key(p.as_str()) || placed.contains(p))
        });
        // No cycles are left, so every round places at least one unit.
        debug_assert!(!ready.is_empty());
        if ready.is_empty() {
            break;
        }
        placed.extend(ready.iter().map(|u| u.name.to_string()));
        plan.create.extend(ready);
        to_create = waiting;
    }
    Ok(plan)
}

#[cfg(test)]
mod tests;
