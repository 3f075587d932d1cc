//! Survey tables (CSV) joined to parcels by id: the land, building and economic survey
//! often arrives as a spreadsheet beside the cadastral layer.
//!
//! CSV from Excel on a Chinese Windows machine is GBK unless saved as "CSV UTF-8": the
//! table is read as UTF-8 (BOM stripped) when every byte sequence is valid UTF-8, else
//! as GB18030, and the choice is reported.

use crate::error::{Error, Result};
use crate::model::{EncodingReport, EncodingSource, FieldDef, FieldKind, RawLayer, Value};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// A table read from CSV: header and text cells.
#[derive(Debug, Clone)]
pub struct Table {
    pub path: PathBuf,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub encoding: EncodingReport,
}

/// Reads a CSV table (comma-separated, first line the header).
pub fn read_csv(path: &Path) -> Result<Table> {
    let bytes = std::fs::read(path).map_err(|e| Error::input(path, "cannot read").because(e))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let (text, encoding) = match std::str::from_utf8(bytes) {
        Ok(t) => (t.to_string(), "UTF-8"),
        Err(_) => {
            let (t, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            if had_errors {
                return Err(Error::input(
                    path,
                    "is neither valid UTF-8 nor GB18030 text",
                ));
            }
            (t.into_owned(), "gb18030")
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let columns: Vec<String> = reader
        .headers()
        .map_err(|e| Error::input(path, "bad CSV header").because(e))?
        .iter()
        .map(|h| h.trim().replace('\0', ""))
        .collect();
    if columns.is_empty() || columns.iter().all(|c| c.is_empty()) {
        return Err(Error::input(path, "the CSV has no header"));
    }
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| Error::input(path, format!("CSV row {}: {e}", i + 1)))?;
        // NUL characters cannot reach any output (GeoPackage and DBF text end there).
        rows.push(rec.iter().map(|c| c.trim().replace('\0', "")).collect());
    }
    Ok(Table {
        path: path.to_path_buf(),
        columns,
        rows,
        encoding: EncodingReport {
            name: encoding.into(),
            source: if encoding == "UTF-8" {
                EncodingSource::Utf8Check
            } else {
                EncodingSource::Gb18030Fallback
            },
        },
    })
}

/// What a join did, for the run summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct JoinReport {
    pub path: String,
    pub encoding: String,
    pub key: String,
    pub table_rows: usize,
    /// Parcels that found their row.
    pub matched: usize,
    /// Parcels with no row in the table.
    pub parcels_without_row: usize,
    /// Table keys with no parcel (all of them, sorted).
    pub table_keys_without_parcel: Vec<String>,
    /// Keys that occur more than once in the table (the first row is used).
    pub duplicate_table_keys: Vec<String>,
    /// Table columns that replaced a layer field of the same name.
    pub replaced_fields: Vec<String>,
    /// Cells that are not numbers in columns that otherwise are, by column.
    pub type_errors: BTreeMap<String, Vec<TypeError>>,
}

/// One cell that does not fit its column's type.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TypeError {
    /// 1-based data row of the table (the header is row 0).
    pub row: usize,
    pub value: String,
}

/// Joins a table onto a layer: `layer_key` is the layer's id field, `table_key` the
/// table's. Table columns become layer fields (a column named like a layer field
/// replaces it; values the table leaves empty keep the layer's value).
pub fn join(
    layer: &mut RawLayer,
    layer_key: &str,
    table: &Table,
    table_key: &str,
) -> Result<JoinReport> {
    let key_col = table
        .columns
        .iter()
        .position(|c| c == table_key)
        .ok_or_else(|| {
            Error::input(
                &table.path,
                format!(
                    "has no key column '{table_key}'; its columns are: {}",
                    table.columns.join(", ")
                ),
            )
        })?;
    let layer_key_idx = layer.field_index(layer_key).ok_or_else(|| {
        Error::input(
            &layer.source,
            format!("has no id field '{layer_key}' to join the survey table on"),
        )
    })?;
    let mut report = JoinReport {
        path: table.path.display().to_string(),
        encoding: table.encoding.name.clone(),
        key: table_key.into(),
        table_rows: table.rows.len(),
        ..Default::default()
    };
    let mut by_key: HashMap<&str, usize> = HashMap::new();
    for (i, row) in table.rows.iter().enumerate() {
        let k = row[key_col].as_str();
        if by_key.contains_key(k) {
            report.duplicate_table_keys.push(k.to_string());
        } else {
            by_key.insert(k, i);
        }
    }
    report.duplicate_table_keys.sort();
    report.duplicate_table_keys.dedup();

    let kinds: Vec<FieldKind> = (0..table.columns.len())
        .map(|c| column_kind(table, c, &mut report))
        .collect();
    // Where each table column lands in the layer, and the type its cells take there:
    // a column replacing a layer field takes that field's type.
    let mut targets = Vec::new();
    for (c, name) in table.columns.iter().enumerate() {
        if c == key_col {
            continue;
        }
        let idx = match layer.field_index(name) {
            Some(i) => {
                report.replaced_fields.push(name.clone());
                if layer.fields[i].kind != kinds[c] {
                    report_cells(table, c, layer.fields[i].kind, &mut report);
                }
                i
            }
            None => {
                layer.fields.push(FieldDef::new(name.clone(), kinds[c]));
                for f in &mut layer.features {
                    f.values.push(Value::Null);
                }
                layer.fields.len() - 1
            }
        };
        targets.push((c, idx, layer.fields[idx].kind));
    }
    let mut used = vec![false; table.rows.len()];
    for f in &mut layer.features {
        let key = f.values[layer_key_idx].as_text().unwrap_or_default();
        let Some(&r) = by_key.get(key.trim()) else {
            report.parcels_without_row += 1;
            continue;
        };
        used[r] = true;
        report.matched += 1;
        for &(c, idx, kind) in &targets {
            let cell = &table.rows[r][c];
            if !cell.is_empty() {
                // A cell that is not a number in a numeric column is unknown (reported
                // in `type_errors`), never text in a number field.
                f.values[idx] = cell_value(cell, kind).unwrap_or(Value::Null);
            }
        }
    }
    // A key counts once: a duplicate row of a matched key is not "without parcel".
    let mut unmatched: Vec<String> = by_key
        .iter()
        .filter(|(_, &r)| !used[r])
        .map(|(k, _)| k.to_string())
        .collect();
    unmatched.sort();
    report.table_keys_without_parcel = unmatched;
    Ok(report)
}

/// A column is numeric when most (≥ 90 %) of its non-empty cells are numbers; the
/// others are reported as type errors and read as unknown.
fn column_kind(table: &Table, c: usize, report: &mut JoinReport) -> FieldKind {
    let cells: Vec<(usize, &str)> = table
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| (i + 1, r[c].as_str()))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    let is_number = |s: &str| s.parse::<f64>().is_ok_and(f64::is_finite);
    let numeric = cells.iter().filter(|(_, s)| is_number(s)).count();
    if cells.is_empty() || numeric * 10 < cells.len() * 9 {
        return FieldKind::Text;
    }
    let bad: Vec<TypeError> = cells
        .iter()
        .filter(|(_, s)| !is_number(s))
        .map(|(row, s)| TypeError {
            row: *row,
            value: s.to_string(),
        })
        .collect();
    if !bad.is_empty() {
        report.type_errors.insert(table.columns[c].clone(), bad);
    }
    let integral = cells
        .iter()
        .filter_map(|(_, s)| s.parse::<f64>().ok())
        .all(|x| x.fract() == 0.0 && x.abs() < 1e15);
    if integral && cells.iter().all(|(_, s)| !s.contains('.')) {
        FieldKind::Int
    } else {
        FieldKind::Real
    }
}

/// A cell as a value of `kind`; `None` when it is not one (text in a number column, a
/// fraction in an integer column, a non-finite number).
fn cell_value(cell: &str, kind: FieldKind) -> Option<Value> {
    match kind {
        FieldKind::Text => Some(Value::Text(cell.to_string())),
        FieldKind::Int => {
            let x = cell.parse::<f64>().ok().filter(|x| x.is_finite())?;
            (x.fract() == 0.0 && x.abs() < 1e15).then_some(Value::Int(x as i64))
        }
        FieldKind::Real => cell
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Value::Real),
    }
}

/// Reports the cells of column `c` that are not values of `kind` (a column replacing a
/// layer field of another type).
fn report_cells(table: &Table, c: usize, kind: FieldKind, report: &mut JoinReport) {
    let bad: Vec<TypeError> = table
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r[c].is_empty() && cell_value(&r[c], kind).is_none())
        .map(|(i, r)| TypeError {
            row: i + 1,
            value: r[c].clone(),
        })
        .collect();
    if !bad.is_empty() {
        report.type_errors.insert(table.columns[c].clone(), bad);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RawFeature;

    fn layer() -> RawLayer {
        RawLayer {
            source: "p.shp".into(),
            layer_name: "p".into(),
            fields: vec![
                FieldDef::new("ZDDM", FieldKind::Text),
                FieldDef::new("far", FieldKind::Real),
            ],
            features: ["A", "B", "C"]
                .iter()
                .enumerate()
                .map(|(i, id)| RawFeature {
                    index: i,
                    geometry: None,
                    values: vec![Value::Text(id.to_string()), Value::Real(0.5)],
                })
                .collect(),
            crs: None,
            encoding: EncodingReport {
                name: "UTF-8".into(),
                source: EncodingSource::Format,
            },
            deleted: 0,
            nul_stripped: 0,
            released: 0,
        }
    }

    fn table(text: &[u8]) -> Table {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        std::fs::write(&p, text).unwrap();
        read_csv(&p).unwrap()
    }

    #[test]
    fn join_reports_both_sides_and_type_errors() {
        let t = table(
            "\u{feff}ZDDM,tax_mu,far,owner\nA,12.5,1.2,甲公司\nB,n/a,,乙公司\nD,3,0.4,丁\nA,9,9,dup\nE,4,0.1,戊\nF,5,0.2,己\nG,6,0.3,庚\nH,7,0.5,辛\nI,8,0.6,壬\nJ,9,0.7,癸\nK,1,0.8,子\n"
                .as_bytes(),
        );
        assert_eq!(t.encoding.name, "UTF-8");
        let mut l = layer();
        let r = join(&mut l, "ZDDM", &t, "ZDDM").unwrap();
        assert_eq!(r.matched, 2);
        assert_eq!(r.parcels_without_row, 1);
        assert_eq!(
            r.table_keys_without_parcel,
            ["D", "E", "F", "G", "H", "I", "J", "K"]
        );
        assert_eq!(r.duplicate_table_keys, ["A"]);
        assert_eq!(r.replaced_fields, ["far"]);
        assert_eq!(
            r.type_errors["tax_mu"],
            vec![TypeError {
                row: 2,
                value: "n/a".into()
            }]
        );
        let tax = l.field_index("tax_mu").unwrap();
        assert_eq!(l.features[0].values[tax], Value::Real(12.5));
        // An empty table cell keeps the layer's value.
        assert_eq!(l.features[1].values[1], Value::Real(0.5));
        assert_eq!(l.features[0].values[1], Value::Real(1.2));
        let owner = l.field_index("owner").unwrap();
        assert_eq!(l.features[1].values[owner], Value::Text("乙公司".into()));
        assert_eq!(l.features[2].values[owner], Value::Null);
    }

    #[test]
    fn gbk_csv_from_excel_is_read() {
        let (bytes, _, _) = encoding_rs::GBK.encode("ZDDM,owner\nA,东莞市某某五金制品有限公司\n");
        let t = table(&bytes);
        assert_eq!(t.encoding.name, "gb18030");
        assert_eq!(t.rows[0][1], "东莞市某某五金制品有限公司");
    }

    #[test]
    fn missing_key_column_is_an_input_error() {
        let t = table(b"id,x\nA,1\n");
        let mut l = layer();
        let e = join(&mut l, "ZDDM", &t, "ZDDM").unwrap_err();
        assert!(e.to_string().contains("no key column 'ZDDM'"), "{e}");
    }
}
