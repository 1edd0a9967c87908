//! A roster file's bytes into rows of text: CSV in UTF-8 (with or without a BOM), GBK (what
//! Excel and WPS write for "CSV" on a Chinese Windows) or UTF-16 with a BOM, or an .xlsx
//! workbook's first sheet. The `csv` crate and `calamine` do the reading.

use super::Problem;

/// One row of the file with the line a person finds it on (the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub cells: Vec<String>,
}

/// The header and the rows after it; blank rows are dropped.
pub fn read(bytes: &[u8]) -> Result<(Vec<String>, Vec<Record>), Problem> {
    let mut rows = if bytes.starts_with(b"PK\x03\x04") {
        xlsx(bytes)?
    } else {
        csv_rows(&decode(bytes)?)?
    };
    rows.retain(|r| r.cells.iter().any(|c| !c.trim().is_empty()));
    if rows.is_empty() {
        return Err(Problem::file("文件中没有内容"));
    }
    let header = rows.remove(0);
    let header = header.cells.iter().map(|c| c.trim().to_string()).collect();
    Ok((header, rows))
}

/// The text of a CSV file, whichever of the encodings people save it in.
fn decode(bytes: &[u8]) -> Result<String, Problem> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(wrong_encoding());
        }
        return Ok(text.into_owned());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(wrong_encoding());
    }
    Ok(text.into_owned())
}

fn wrong_encoding() -> Problem {
    Problem::file("无法识别文件的编码：请另存为 UTF-8 或 GBK 编码的 CSV 文件，或 Excel 工作簿（.xlsx）")
}

fn csv_rows(text: &str) -> Result<Vec<Record>, Problem> {
    // Excel's "Unicode text" is tab-separated; a CSV is comma-separated.
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.contains('\t') && !first.contains(',') { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    // The line a person sees a record on, from its byte offset: the reader's own line
    // count runs behind after a CRLF. A record's offset may point at the line break that
    // ends the record before it.
    let bytes = text.as_bytes();
    let line_at = |byte: usize| {
        let byte = byte.min(bytes.len());
        let before = memchr::memchr_iter(b'\n', &bytes[..byte]).count();
        before + 1 + usize::from(bytes.get(byte) == Some(&b'\n'))
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| line_at(p.byte() as usize));
            Problem::at(line, format!("CSV 格式有误：{e}"))
        })?;
        let line = record.position().map_or(rows.len() + 1, |p| line_at(p.byte() as usize));
        rows.push(Record {
            line,
            cells: record.iter().map(str::to_string).collect(),
        });
    }
    Ok(rows)
}

fn xlsx(bytes: &[u8]) -> Result<Vec<Record>, Problem> {
    use calamine::{Reader, Xlsx};
    let not_a_workbook = |e: calamine::XlsxError| Problem::file(format!("无法读取 Excel 文件：{e}"));
    let mut book = Xlsx::new(std::io::Cursor::new(bytes)).map_err(not_a_workbook)?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| Problem::file("Excel 文件中没有工作表"))?
        .map_err(not_a_workbook)?;
    // Row numbers as Excel shows them: the used range may start below row 1.
    let top = range.start().map_or(0, |(row, _)| row as usize);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, row)| Record {
            line: top + i + 1,
            cells: row.iter().map(cell_text).collect(),
        })
        .collect())
}

/// A cell as its text: a year typed as a number is read as 2021, not 2021.0.
fn cell_text(cell: &calamine::Data) -> String {
    match cell {
        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_and_utf8_with_a_bom_read_the_same() {
        let text = "名称,类型,上级\r\n某市人民政府,人民政府,\r\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let a = read(&gbk).expect("GBK reads");
        let b = read(&bom).expect("UTF-8 with a BOM reads");
        assert_eq!(a, b);
        assert_eq!(a.0, ["名称", "类型", "上级"]);
        assert_eq!(a.1[0].cells[0], "某市人民政府");
        assert_eq!(a.1[0].line, 2);
    }

    #[test]
    fn lines_are_counted_as_an_editor_shows_them() {
        let (_, rows) = read("名称,类型\r\n甲,人民政府\r\n\"乙\n丙\",政府部门\n丁,政府部门\n".as_bytes()).expect("reads");
        let lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 5]);
    }

    #[test]
    fn bytes_in_no_known_encoding_are_refused() {
        // 0x80 alone is not GBK, and not UTF-8.
        let problem = read(b"\x80\x80,\xff\n").expect_err("refused");
        assert!(problem.message.contains("编码"), "{}", problem.message);
    }
}
