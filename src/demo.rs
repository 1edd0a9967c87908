//! Demo data for `nianbao serve --demo`: the real example report and a few agencies with
//! partly filled, partly wrong drafts, so that a newcomer sees every kind of message.

use crate::account::{AgencyName, DisplayName, Role, Username};
use crate::format::Version;
use crate::report::{Kind, Report, interchange};
use crate::store::{Author, Result, Store, StoreError};

/// The password of every demo account (demo mode only; never a default elsewhere).
pub const PASSWORD: &str = "nianbao-demo";

/// The demo accounts: username, role, agency.
pub const LOGINS: &[(&str, &str, &str)] = &[
    ("shenhe", "审核人", "平顶山市人民政府（政务公开办）"),
    ("kejiju", "填报人", "平顶山市科学技术局"),
    ("jiaoyuju", "填报人", "平顶山市教育局"),
    ("caizhengju", "填报人", "平顶山市财政局"),
    ("shizhengfu", "填报人", "平顶山市人民政府"),
    ("yexian", "审核人", "叶县人民政府（政务公开办）"),
    ("yexianjiaoyu", "填报人", "叶县教育局"),
    ("admin", "管理员", ""),
];

/// The real 2023 report of 平顶山市科学技术局, as published.
pub const EXAMPLE: &str = include_str!("../data/2023-pingdingshan-kejiju.json");

/// Loads the demo data once; running it again changes nothing.
pub async fn seed(store: &Store) -> anyhow::Result<()> {
    // A city government, its departments, and a county under it with one of its own.
    let city = agency(store, "平顶山市人民政府", Kind::Government, None).await?;
    let kejiju = agency(store, "平顶山市科学技术局", Kind::Department, Some(city)).await?;
    let edu = agency(store, "平顶山市教育局", Kind::Department, Some(city)).await?;
    let finance = agency(store, "平顶山市财政局", Kind::Department, Some(city)).await?;
    let county = agency(store, "叶县人民政府", Kind::Government, Some(city)).await?;
    let county_edu = agency(store, "叶县教育局", Kind::Department, Some(county)).await?;
    let hash = crate::account::hash_password(PASSWORD)?;
    for (username, name, role, agency) in [
        ("shenhe", "王审核（市政务公开办）", Role::Reviewer, Some(city)),
        ("kejiju", "李填报（市科技局）", Role::Clerk, Some(kejiju)),
        ("jiaoyuju", "赵填报（市教育局）", Role::Clerk, Some(edu)),
        ("caizhengju", "钱填报（市财政局）", Role::Clerk, Some(finance)),
        ("shizhengfu", "孙填报（市政府办公室）", Role::Clerk, Some(city)),
        ("yexian", "周审核（县政务公开办）", Role::Reviewer, Some(county)),
        (
            "yexianjiaoyu",
            "吴填报（县教育局）",
            Role::Clerk,
            Some(county_edu),
        ),
        ("admin", "系统管理员", Role::Admin, None),
    ] {
        let (username, name) = (Username::parse(username)?, DisplayName::parse(name)?);
        match store.create_user(&username, &name, &hash, role, agency).await {
            Ok(_) | Err(StoreError::Duplicate) => {}
            Err(err) => return Err(err.into()),
        }
    }

    let example = interchange::from_json(EXAMPLE.as_bytes())?;
    import(store, kejiju, &example).await?;

    // The same bureau's next year: carried over does not match 2023, one cell is a word.
    let mut next = example.clone();
    next.year = 2024;
    fill(
        &mut next,
        &[
            ("proactive.normative_documents.issued", "3"),
            ("proactive.normative_documents.in_force", "5"),
            ("requests.new.natural_person", "6"),
            ("requests.new.commercial", "2"),
            ("requests.carried_over.natural_person", "1"),
            ("requests.granted.natural_person", "4"),
            ("requests.partial.natural_person", "1"),
            ("requests.unable_not_held.natural_person", "十二"),
            ("requests.granted.commercial", "2"),
        ],
    );
    import(store, kejiju, &next).await?;

    // A city government's draft: balance broken in one column, 五 still empty.
    // The drafts are for the year being reported on now, so deadlines count down as they would.
    let year = store.clock().working_year();
    let mut draft = Report::blank(Version::V2021, year, "平顶山市人民政府", Kind::Government);
    draft.texts = vec![
        format!("{year}年，市政府坚持以公开为常态、不公开为例外，全面推进政府信息公开工作。"),
        String::new(),
        "本年度未收取信息处理费。".into(),
    ];
    fill(
        &mut draft,
        &[
            ("proactive.regulations.issued", "2"),
            ("proactive.regulations.in_force", "31"),
            ("proactive.normative_documents.issued", "14"),
            ("proactive.normative_documents.repealed", "3"),
            ("proactive.normative_documents.in_force", "122"),
            ("proactive.licensing.decisions", "15230"),
            ("proactive.penalties.decisions", "2311"),
            ("proactive.coercion.decisions", "96"),
            ("proactive.fees.amount", "1268.35"),
            ("requests.new.natural_person", "212"),
            ("requests.new.commercial", "17"),
            ("requests.new.legal_service", "4"),
            ("requests.carried_over.natural_person", "9"),
            ("requests.granted.natural_person", "118"),
            ("requests.partial.natural_person", "21"),
            ("requests.unable_not_held.natural_person", "47"),
            ("requests.refused_complaint.natural_person", "12"),
            ("requests.carried_forward.natural_person", "13"),
            ("requests.granted.commercial", "12"),
            ("requests.unable_not_held.commercial", "4"),
            ("requests.granted.legal_service", "4"),
            ("appeals.review.upheld", "3"),
            ("appeals.review.pending", "1"),
            ("appeals.litigation_direct.upheld", "1"),
        ],
    );
    import(store, city, &draft).await?;

    // A department that has just started.
    let mut started = Report::blank(Version::V2021, year, "平顶山市教育局", Kind::Department);
    fill(
        &mut started,
        &[
            ("requests.new.natural_person", "35"),
            ("requests.granted.natural_person", "30"),
        ],
    );
    import(store, edu, &started).await?;

    // A county department's draft, for the county's own reviewer.
    let mut county_draft = Report::blank(Version::V2021, year, "叶县教育局", Kind::Department);
    county_draft.texts = vec![
        format!("{year}年，叶县教育局扎实推进政务公开。"),
        "政策解读形式较为单一。".into(),
        "本年度未收取信息处理费。".into(),
    ];
    fill(
        &mut county_draft,
        &[
            ("requests.new.natural_person", "4"),
            ("requests.granted.natural_person", "4"),
        ],
    );
    import(store, county_edu, &county_draft).await?;

    // A 2020 report, in the 2019 format.
    let mut old = Report::blank(Version::V2019, 2020, "平顶山市财政局", Kind::Department);
    old.texts = vec![
        "2020年，我局认真贯彻落实《条例》。".into(),
        "公开内容有待进一步丰富。".into(),
        "无。".into(),
    ];
    fill(
        &mut old,
        &[
            ("proactive.normative_documents.made", "4"),
            ("proactive.normative_documents.published", "4"),
            ("proactive.normative_documents.total_public", "37"),
            ("proactive.fees.prev_items", "12"),
            ("proactive.fees.change", "-3"),
            ("proactive.procurement.items", "6"),
            ("proactive.procurement.amount", "25.1"),
            ("requests.new.natural_person", "8"),
            ("requests.granted.natural_person", "5"),
            ("requests.other.natural_person", "3"),
        ],
    );
    import(store, finance, &old).await?;
    Ok(())
}

async fn agency(store: &Store, name: &str, kind: Kind, parent: Option<i64>) -> anyhow::Result<i64> {
    match store.agency_by_name(name).await? {
        Some(a) => Ok(a.id),
        None => Ok(store
            .create_agency(&AgencyName::parse(name)?, kind, parent)
            .await?
            .id),
    }
}

async fn import(store: &Store, agency_id: i64, report: &Report) -> Result<()> {
    match store.import(agency_id, report, Author::system("演示数据")).await {
        Ok(_) | Err(StoreError::Duplicate) => Ok(()),
        Err(err) => Err(err),
    }
}

fn fill(report: &mut Report, cells: &[(&str, &str)]) {
    let format = report.format();
    for (id, raw) in cells {
        if let Some(ix) = format.cell(id) {
            report.cells[ix] = raw.to_string();
        }
    }
    report.recompute_totals(None);
}
