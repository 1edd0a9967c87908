//! The official report formats, declared once as data (`v2019.rs`, `v2021.rs`).
//!
//! Everything that shows, checks, exports or imports a report walks a [`Format`]:
//! the form and every export draw the tables from [`Grid`], validation runs the
//! format's [`Rule`]s, and the JSON shape is the format's cell ids. A new format
//! version is a new declaration file plus one line in [`Version`].

mod common;
mod decl;
mod layout;
mod v2019;
mod v2021;

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

pub use decl::{Block, BodyDecl, Claim, Col, FormatDecl, Node, Print, SectionDecl, Shape, TableDecl};
pub use layout::{Content, Grid, GridCell, GridRow};

/// A format version, named after the year its notice was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// 国办公开办函〔2019〕60号 (试行): report years 2019 and 2020.
    V2019,
    /// 国办公开办函〔2021〕30号: report years 2021 onward.
    V2021,
}

impl Version {
    pub const ALL: [Version; 2] = [Version::V2019, Version::V2021];

    /// The format a report of `year` must use; `None` before the 2019 format existed.
    pub fn for_year(year: i32) -> Option<Version> {
        match year {
            ..=2018 => None,
            2019 | 2020 => Some(Version::V2019),
            _ => Some(Version::V2021),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2019 => "2019",
            Version::V2021 => "2021",
        }
    }

    pub fn parse(s: &str) -> Option<Version> {
        Version::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a cell holds. Amounts are decimals exact to the 分 and held as whole 分; no floats anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// A whole number ≥ 0 (件, 数量).
    Count,
    /// A whole number that may be negative (2019 format 本年增/减).
    Signed,
    /// A decimal amount ≥ 0 in the given unit, exact to the 分.
    Amount(Unit),
}

impl CellKind {
    pub fn is_amount(self) -> bool {
        matches!(self, CellKind::Amount(_))
    }
}

/// The unit an amount is written in. Either way it is exact to the 分 (value.range).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// 万元 (2021 收费金额): six decimals are the 分; real reports print five and six.
    Wan,
    /// 元 (2019 采购总金额: the official header names no unit, and reports print 元).
    Yuan,
}

impl Unit {
    /// Decimals that reach the 分.
    pub const fn decimals(self) -> usize {
        match self {
            Unit::Wan => 6,
            Unit::Yuan => 2,
        }
    }

    /// 分 in one unit.
    pub const fn fen(self) -> i64 {
        match self {
            Unit::Wan => 1_000_000,
            Unit::Yuan => 100,
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Unit::Wan => "万元",
            Unit::Yuan => "元",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Index of a cell in [`Format::cells`].
pub type CellIx = usize;
/// Index of a free-text section in [`Format::texts`].
pub type TextIx = usize;

/// A key of a report: a table cell (`requests.new.total`) or a text (`text.overview`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Cell(CellIx),
    Text(TextIx),
}

/// The two halves of a report a clerk types in, checked apart while they type: the tables
/// and the texts. No rule reads both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    Tables,
    Texts,
}

impl Field {
    pub fn part(self) -> Part {
        match self {
            Field::Cell(_) => Part::Tables,
            Field::Text(_) => Part::Texts,
        }
    }
}

/// One cell of one table, with everything needed to show, check and explain it.
#[derive(Debug)]
pub struct CellDef {
    /// The public id, `<table>.<row>.<column>`.
    pub id: String,
    pub table: &'static str,
    pub row: &'static str,
    pub col: &'static str,
    /// Short row / column names used in messages (“本年新收”, “商业企业”).
    pub row_label: &'static str,
    pub col_label: &'static str,
    /// Index of the section holding this cell in [`Format::sections`].
    pub section: usize,
    pub kind: CellKind,
    /// Set when the app computes this cell: the sums it must equal.
    pub total: Option<Total>,
}

/// How a computed cell is derived and which rule checks a printed value of it.
#[derive(Debug, Clone)]
pub struct Total {
    /// The sum along the row (a 总计 column); `None` when only the column sums to it.
    pub across: Option<Sum>,
    /// The sum down the column (（七）总计).
    pub down: Option<Sum>,
}

/// `cell = Σ parts`, checked by `rule`.
#[derive(Debug, Clone)]
pub struct Sum {
    pub rule: &'static str,
    pub parts: Vec<CellIx>,
}

impl Total {
    /// The sum the app uses to fill this cell in (across first: it exists for every 总计 column).
    pub fn formula(&self) -> &Sum {
        self.across
            .as_ref()
            .or(self.down.as_ref())
            .expect("a total has at least one sum")
    }
}

/// A free-text section (一、五、六).
#[derive(Debug)]
pub struct TextDef {
    /// The public key, `text.<section>`.
    pub id: String,
    /// The section key (`overview`).
    pub key: &'static str,
    pub section: usize,
    pub hint: &'static str,
}

/// A section of the report as built from its declaration.
#[derive(Debug)]
pub struct Section {
    pub key: &'static str,
    /// 一 … 六, for messages (“第三部分”).
    pub number: &'static str,
    pub heading: &'static str,
    pub body: Body,
}

#[derive(Debug)]
pub enum Body {
    Text(TextIx),
    Table(Table),
}

/// A table with its layout, ready for any renderer.
#[derive(Debug)]
pub struct Table {
    pub key: &'static str,
    /// The table's number as reports print it (表二).
    pub name: &'static str,
    /// What it is about (依申请).
    pub topic: &'static str,
    pub print: Print,
    pub grid: Grid,
    /// The table's cells, in reading order.
    pub cells: Vec<CellIx>,
}

/// The three rules a typed value can break; parsing (`report::value`) says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueRule {
    Integer,
    Nonnegative,
    Range,
}

impl ValueRule {
    pub const ALL: [ValueRule; 3] = [ValueRule::Integer, ValueRule::Nonnegative, ValueRule::Range];

    /// The rule's id in the spec's rule table.
    pub const fn id(self) -> &'static str {
        match self {
            ValueRule::Integer => "value.integer",
            ValueRule::Nonnegative => "value.nonnegative",
            ValueRule::Range => "value.range",
        }
    }
}

/// Everything a rule needs to run; see `report::validate` for what each does. A check
/// carries the words of its messages: validation supplies only the numbers and the places.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// Every cell's value parses for its kind (whole, ≥ 0, in range).
    Value(ValueRule),
    /// Printed totals equal their parts, along the given axis of the given table.
    Totals { table: &'static str, down: bool },
    /// For each column: Σ left rows = Σ right rows.
    Balance {
        table: &'static str,
        left: &'static [&'static str],
        right: &'static [&'static str],
    },
    /// These texts are not empty.
    TextRequired(&'static [&'static str]),
    /// A government report's texts mention every word. A violation points at `texts`;
    /// `message` has `{words}` (all of them) and `{missing}` filled in.
    GovernmentMentions {
        texts: &'static [&'static str],
        words: &'static [&'static str],
        message: &'static str,
    },
    /// This text mentions at least one of the words; `missing` follows the text's heading
    /// in the message when it does not.
    TextMentions {
        text: &'static str,
        words: &'static [&'static str],
        missing: &'static str,
    },
    /// For each column: this year's `this_row` = last year's `last_row`.
    CarriedOver {
        table: &'static str,
        this_row: &'static Node,
        last_row: &'static Node,
    },
    /// 雷同: a text repeating last year's same section by more than `share` per cent of its
    /// wording (texts shorter than `min_chars` are left alone: a one-line fee statement
    /// repeats by nature).
    SimilarLastYear {
        texts: &'static [&'static str],
        share: u32,
        min_chars: usize,
    },
    /// A passage of at least `passage` characters shared with the same section of another
    /// unit's report of the year (the peers: `validate::validate_among`).
    SimilarPeer {
        texts: &'static [&'static str],
        passage: usize,
    },
    /// 内容缺项: the text covers each topic (a topic is covered when any of its words is
    /// there). `message` has `{missing}` filled in.
    Covers {
        text: &'static str,
        topics: &'static [(&'static str, &'static [&'static str])],
        message: &'static str,
    },
    /// 数值异常: a count far above last year's same cell (more than `factor` times it and
    /// by at least `floor`), which needs a 说明.
    Plausible { factor: i64, floor: i64 },
    /// A year in the texts that is not the report's, where the report's belongs.
    StrayYear { texts: &'static [&'static str] },
    /// Numbers the texts quote that disagree with the cells they describe.
    Narrative {
        texts: &'static [&'static str],
        claims: &'static [Claim],
    },
    /// A text saying none of something happened (no applications, no appeals) while the
    /// cells that count it (`cells`, summed) hold some. `unless`: words of another thing
    /// that, in the same clause, make it about that thing.
    NilStated {
        texts: &'static [&'static str],
        words: &'static [&'static str],
        unless: &'static [&'static str],
        cells: &'static [&'static str],
        what: &'static str,
    },
    /// Last year's `in_force` + `issued` − `repealed` = `in_force`, for each row (needs last
    /// year in the same format). `message` has `{then}`, `{issued}`, `{repealed}`, `{sum}`
    /// and `{now}` filled in.
    InForce {
        table: &'static str,
        rows: &'static [&'static str],
        cols: InForceCols,
        message: &'static str,
    },
}

/// The columns of [`Check::InForce`].
#[derive(Debug, Clone, Copy)]
pub struct InForceCols {
    pub issued: &'static str,
    pub repealed: &'static str,
    pub in_force: &'static str,
}

/// `template` with each `{name}` replaced by its value: how a check's declared message
/// gets its numbers. Only a violation's message is built, never on the passing path.
pub fn fill(template: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = template.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    out
}

/// Words as a sentence lists them: 工作考核、社会评议和责任追究.
pub fn spoken_list(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{}和{last}", init.join("、")),
    }
}

impl Check {
    /// Which half of the report the check reads.
    pub fn part(&self) -> Part {
        match self {
            Check::TextRequired(_)
            | Check::GovernmentMentions { .. }
            | Check::TextMentions { .. }
            | Check::SimilarLastYear { .. }
            | Check::SimilarPeer { .. }
            | Check::StrayYear { .. }
            | Check::Narrative { .. }
            | Check::NilStated { .. }
            | Check::Covers { .. } => {
                Part::Texts
            }
            Check::Value(_)
            | Check::Totals { .. }
            | Check::Balance { .. }
            | Check::CarriedOver { .. }
            | Check::InForce { .. }
            | Check::Plausible { .. } => Part::Tables,
        }
    }
}

/// One rule of the spec's rule table.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub check: Check,
    /// What the rule asks, in the words of the format (for help pages and docs).
    pub summary: &'static str,
}

impl Rule {
    pub const fn error(id: &'static str, check: Check, summary: &'static str) -> Rule {
        Rule {
            id,
            severity: Severity::Error,
            check,
            summary,
        }
    }
    pub const fn warning(id: &'static str, check: Check, summary: &'static str) -> Rule {
        Rule {
            id,
            severity: Severity::Warning,
            check,
            summary,
        }
    }
    /// A value rule: an error, its id the one parsing reports.
    pub const fn value(rule: ValueRule, summary: &'static str) -> Rule {
        Rule::error(rule.id(), Check::Value(rule), summary)
    }
}

/// One column of a balance rule: the cells of its left rows and of its right rows.
pub type BalanceColumn = (Vec<CellIx>, Vec<CellIx>);

/// A format version, built from its declaration once per process.
#[derive(Debug)]
pub struct Format {
    pub version: Version,
    /// The notice that issued it.
    pub notice: &'static str,
    pub sections: Vec<Section>,
    pub cells: Vec<CellDef>,
    pub texts: Vec<TextDef>,
    pub rules: Vec<Rule>,
    /// Computed cells in an order where every part comes before its total.
    pub computed: Vec<CellIx>,
    /// Key lookup on every cell of every request: a fast hash, the keys are our own.
    fields: FxHashMap<String, Field>,
    /// Each balance rule's cells, column by column: (left rows, right rows).
    balances: FxHashMap<&'static str, Vec<BalanceColumn>>,
    /// The severity of each [`ValueRule`], in [`ValueRule::ALL`] order.
    value_rules: [Severity; 3],
}

static V2019: LazyLock<Format> = LazyLock::new(|| Format::build(&v2019::FORMAT));
static V2021: LazyLock<Format> = LazyLock::new(|| Format::build(&v2021::FORMAT));

/// The assessors' checks both formats add after the official rules (雷同, 年份, 文表不符,
/// 内容缺项, 数值异常, 零报告).
pub fn assessed() -> &'static [Rule] {
    common::ASSESSED
}

/// The declaration a version is built from: for readers that walk its trees (import
/// looks for the rows by their labels).
pub fn decl(version: Version) -> &'static FormatDecl {
    match version {
        Version::V2019 => &v2019::FORMAT,
        Version::V2021 => &v2021::FORMAT,
    }
}

/// The format of a version.
pub fn get(version: Version) -> &'static Format {
    match version {
        Version::V2019 => &V2019,
        Version::V2021 => &V2021,
    }
}

impl Format {
    /// Looks up a public key (`requests.new.total`, `text.overview`).
    pub fn field(&self, key: &str) -> Option<Field> {
        self.fields.get(key).copied()
    }

    /// [`Format::field`], trying the cell `guess` first: a form sends its inputs in the
    /// format's order, so the cell after the one before is usually the one.
    pub fn field_guessing(&self, key: &str, guess: CellIx) -> Option<Field> {
        match self.cells.get(guess) {
            Some(cell) if cell.id == key => Some(Field::Cell(guess)),
            _ => self.field(key),
        }
    }

    /// The cell after `ix` that is typed in (not a total), or the number of cells.
    pub fn next_input(&self, ix: CellIx) -> CellIx {
        (ix + 1..self.cells.len())
            .find(|&next| self.cells[next].total.is_none())
            .unwrap_or(self.cells.len())
    }

    pub fn cell(&self, id: &str) -> Option<CellIx> {
        match self.field(id) {
            Some(Field::Cell(ix)) => Some(ix),
            _ => None,
        }
    }

    pub fn text(&self, key: &str) -> Option<TextIx> {
        self.texts.iter().position(|t| t.key == key)
    }

    /// The public key of a field.
    pub fn key(&self, field: Field) -> &str {
        match field {
            Field::Cell(ix) => &self.cells[ix].id,
            Field::Text(ix) => &self.texts[ix].id,
        }
    }

    /// Every field, cells first, in reading order.
    pub fn fields(&self) -> impl Iterator<Item = Field> + '_ {
        (0..self.cells.len())
            .map(Field::Cell)
            .chain((0..self.texts.len()).map(Field::Text))
    }

    pub fn table(&self, key: &str) -> Option<&Table> {
        self.sections.iter().find_map(|s| match &s.body {
            Body::Table(t) if t.key == key => Some(t),
            _ => None,
        })
    }

    /// The cell at `table.row.col`, if the format has it.
    pub fn cell_at(&self, table: &str, row: &str, col: &str) -> Option<CellIx> {
        // The rules look cells up on every check: spell the id on the stack.
        let mut buf = [0u8; 128];
        let len = table.len() + row.len() + col.len() + 2;
        let Some(key) = buf.get_mut(..len) else {
            return self.cell(&format!("{table}.{row}.{col}"));
        };
        let mut at = 0;
        for part in [table, ".", row, ".", col] {
            key[at..at + part.len()].copy_from_slice(part.as_bytes());
            at += part.len();
        }
        self.cell(std::str::from_utf8(key).ok()?)
    }

    /// Where a field sits, for messages: “第三部分”.
    pub fn part_name(&self, field: Field) -> String {
        format!("第{}部分", self.sections[self.section_of(field)].number)
    }

    /// A cell named so a clerk finds it: 第三部分“本年新收”行“商业企业”列.
    pub fn cell_name(&self, ix: CellIx) -> String {
        let c = &self.cells[ix];
        let part = self.part_name(Field::Cell(ix));
        match self.table(c.table).map(|t| t.grid.label_cols) {
            // 表四 has no row labels: its “rows” are the column groups.
            Some(0) => format!("{part}“{}”“{}”", c.row_label, c.col_label),
            _ => format!("{part}“{}”行“{}”列", c.row_label, c.col_label),
        }
    }

    fn build(decl: &FormatDecl) -> Format {
        let mut format = Format {
            version: decl.version,
            notice: decl.notice,
            sections: Vec::new(),
            cells: Vec::new(),
            texts: Vec::new(),
            rules: decl
                .rules
                .iter()
                .flat_map(|group| group.iter().copied())
                .collect(),
            computed: Vec::new(),
            fields: FxHashMap::default(),
            balances: FxHashMap::default(),
            value_rules: [Severity::Error; 3],
        };
        // Parsing refuses a value by all three rules whatever the format, so each format
        // declares all three: a format without one would report a rule it does not have.
        for (slot, value_rule) in format.value_rules.iter_mut().zip(ValueRule::ALL) {
            *slot = format
                .rules
                .iter()
                .find(|r| matches!(r.check, Check::Value(v) if v == value_rule))
                .unwrap_or_else(|| panic!("{} does not declare {}", decl.version, value_rule.id()))
                .severity;
        }
        for (section_ix, s) in decl.sections.iter().enumerate() {
            let body = match &s.body {
                BodyDecl::Text { hint } => {
                    format.texts.push(TextDef {
                        id: format!("text.{}", s.key),
                        key: s.key,
                        section: section_ix,
                        hint,
                    });
                    Body::Text(format.texts.len() - 1)
                }
                BodyDecl::Table(t) => Body::Table(layout::build_table(t, section_ix, &mut format.cells)),
            };
            format.sections.push(Section {
                key: s.key,
                number: s.number,
                heading: s.heading,
                body,
            });
        }
        for (ix, c) in format.cells.iter().enumerate() {
            format.fields.insert(c.id.clone(), Field::Cell(ix));
        }
        for (ix, t) in format.texts.iter().enumerate() {
            format.fields.insert(t.id.clone(), Field::Text(ix));
        }
        format.computed = dependency_order(&format.cells);
        format.balances = format
            .rules
            .iter()
            .filter_map(|rule| match rule.check {
                Check::Balance { table, left, right } => {
                    Some((rule.id, format.balance_cells(table, left, right)))
                }
                _ => None,
            })
            .collect();
        format
    }

    /// For each column of `table` (those of its first row) that has every row named: the
    /// cells of the `left` rows and of the `right` rows.
    fn balance_cells(&self, table: &str, left: &[&str], right: &[&str]) -> Vec<BalanceColumn> {
        let Some(t) = self.table(table) else {
            return Vec::new();
        };
        let first_row = self.cells[t.cells[0]].row;
        let side = |rows: &[&str], col: &str| -> Option<Vec<CellIx>> {
            rows.iter().map(|row| self.cell_at(table, row, col)).collect()
        };
        t.cells
            .iter()
            .map(|&ix| &self.cells[ix])
            .take_while(|c| c.row == first_row)
            .filter_map(|c| Some((side(left, c.col)?, side(right, c.col)?)))
            .collect()
    }

    /// How severe breaking a value rule is in this format.
    pub fn value_severity(&self, rule: ValueRule) -> Severity {
        // `ValueRule::ALL` lists the variants in declaration order.
        self.value_rules[rule as usize]
    }

    /// The heading of the section a field is in, as messages name a text (“一、总体情况”).
    pub fn heading_of(&self, field: Field) -> &'static str {
        self.sections[self.section_of(field)].heading
    }

    fn section_of(&self, field: Field) -> usize {
        match field {
            Field::Cell(ix) => self.cells[ix].section,
            Field::Text(ix) => self.texts[ix].section,
        }
    }

    /// The cells of a balance rule, column by column (see [`Check::Balance`]).
    pub fn balance(&self, rule: &str) -> &[BalanceColumn] {
        self.balances.get(rule).map_or(&[], Vec::as_slice)
    }
}

/// Orders computed cells so that each comes after the computed cells it sums.
fn dependency_order(cells: &[CellDef]) -> Vec<CellIx> {
    let mut order: Vec<CellIx> = Vec::new();
    let mut pending: Vec<CellIx> = (0..cells.len()).filter(|&ix| cells[ix].total.is_some()).collect();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|&ix| {
            let parts = &cells[ix]
                .total
                .as_ref()
                .map(|t| t.formula().parts.clone())
                .unwrap_or_default();
            let ready = parts
                .iter()
                .all(|p| cells[*p].total.is_none() || order.contains(p));
            if ready {
                order.push(ix);
            }
            !ready
        });
        assert!(pending.len() < before, "format declares circular totals");
    }
    order
}

#[cfg(test)]
mod tests;
