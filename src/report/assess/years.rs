//! 年份错误: a year in the texts that is not the report's (last year's text left in). Not
//! counted: the year before named as such (上年, 上一年度, 针对2023年度存在的问题, 2023年度
//! 问题的改进), the year after in plans (2025年将…), years inside document numbers and titles
//! (〔2021〕30号, 《…2022年…》), and dates in the weeks after the year's end (the report was
//! written then: 2025年1月).

/// A year mentioned where the report's year belongs, with the words around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stray {
    pub year: i32,
    pub context: String,
}

/// Words that, right after `YYYY年(度)`, say the year before is meant.
const LOOKING_BACK: &[&str] = &["存在的问题", "问题", "的问题", "报告", "年报", "整改", "同期", "相比", "相较", "比较", "以来"];
/// Words that, before the year, say it is meant as the year before or a comparison.
const LOOKING_BACK_BEFORE: &[&str] = &["针对", "上年", "上一年", "较", "比", "与", "同比", "对比", "延续", "结转", "截至", "发布", "报送", "编制", "审计"];

/// What follows `YYYY年(度)` when the year is what the sentence is about.
fn opens_the_year(after: &str) -> bool {
    let Some(first) = after.chars().next() else {
        return false;
    };
    first.is_ascii_digit() || "，,、。;；我全共本在各".contains(first) || after.starts_with("以")
}

pub fn stray_years(text: &str, year: i32) -> Vec<Stray> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    // Depth of 《…》 and 〔…〕: titles and document numbers cite years freely.
    let (mut title, mut number) = (0i32, 0i32);
    while i < chars.len() {
        match chars[i] {
            '《' => title += 1,
            '》' => title -= 1,
            '〔' | '[' | '［' => number += 1,
            '〕' | ']' | '］' => number -= 1,
            _ => {}
        }
        if !(i + 5 <= chars.len() && chars[i..i + 4].iter().all(char::is_ascii_digit))
            || (i > 0 && chars[i - 1].is_ascii_digit())
        {
            i += 1;
            continue;
        }
        let digits: String = chars[i..i + 4].iter().collect();
        let end = i + 4;
        let next: String = chars[end..chars.len().min(end + 12)].iter().filter(|c| !c.is_whitespace()).collect();
        i = end;
        let Ok(y) = digits.parse::<i32>() else { continue };
        if !(2000..=2100).contains(&y) || !next.starts_with('年') || y == year || title > 0 || number > 0 {
            continue;
        }
        let after = next.trim_start_matches('年').trim_start_matches('度');
        let before: String = chars[end.saturating_sub(12)..end - 4].iter().collect();
        let meant = if y == year + 1 {
            // The year after: plans, and the weeks the report was written in.
            true
        } else if LOOKING_BACK.iter().any(|w| after.starts_with(w))
            || LOOKING_BACK_BEFORE.iter().any(|w| before.ends_with(w) || before.contains(w))
            || after.starts_with("以来")
            || after.starts_with('起')
            || before.ends_with('自')
            || before.ends_with('从')
        {
            true
        } else {
            // A past year is left-over text where it opens what the year did (“2023年，我局…”,
            // “2023年全区…”) or dates it (2023年1月1日至…); “2023年度市本级预算执行” names
            // an earlier year's document, and is meant.
            !opens_the_year(after)
        };
        if !meant {
            let from = end.saturating_sub(14);
            let to = chars.len().min(end + 14);
            out.push(Stray { year: y, context: chars[from..to].iter().collect() });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_years_text_left_in_is_found() {
        let found = stray_years("2023年，我局主动公开政府信息1600余条。", 2024);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].year, 2023);
    }

    #[test]
    fn years_meant_as_such_are_not() {
        for text in [
            "针对2023年度存在的问题，我局加强了政策解读。",
            "2025年，将重点从以下方面做好改进。",
            "根据《国务院办公厅关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）",
            "本报告所列数据统计期限为2024年1月1日至2024年12月31日。",
            "2019年以来，持续推进基层政务公开。",
            "较2023年增长12%。",
        ] {
            assert_eq!(stray_years(text, 2024), Vec::new(), "{text}");
        }
    }
}
