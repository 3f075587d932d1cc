//! A small DBF (dBase III+/IV, as ESRI, GDAL, QGIS and MapGIS write them) reader.
//!
//! Why our own reader rather than `dbase` (re-exported by `shapefile`): to pick a
//! text encoding and to report an undecodable value we need the raw bytes of every
//! text value and field name, and the field and record each came from. `dbase`
//! decodes (or replaces) text while it reads and hides all three. Reading the
//! fixed-width records ourselves is also one buffered pass with no allocation per
//! value beyond the value itself.
//!
//! Encoding labels and language-driver bytes are resolved here too, so that the
//! shapefile reader and the exporter agree on them.

use crate::model::{EncodingReport, EncodingSource, FieldDef, FieldKind, Value};
use crate::{Error, Result};
use encoding_rs::Encoding;
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, ErrorKind, Read, Seek, SeekFrom};
use std::path::Path;

/// Capacity of the buffered reader over the `.dbf`.
const READ_BUFFER: usize = 1 << 20;

/// One column of a DBF, as its descriptor declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct DbfField {
    /// The name, decoded with the table's encoding.
    pub name: String,
    /// The kind of [`Value`] the column yields.
    pub kind: FieldKind,
    /// The DBF type letter (`C`, `N`, `F`, `D`, `L`, `M`, ...), upper-cased.
    pub dbf_type: u8,
    /// Width in bytes.
    pub length: usize,
    /// Declared decimals (`N`/`F` only, 0 otherwise).
    pub decimals: u8,
    /// Byte offset of the value inside a record (after the deletion flag).
    pub offset: usize,
}

/// One live (not deleted) record.
#[derive(Debug, Clone, PartialEq)]
pub struct DbfRecord {
    /// 0-based position of the record in the file, deleted records counted.
    pub index: usize,
    /// One value per field, in field order.
    pub values: Vec<Value>,
}

/// A whole DBF table.
#[derive(Debug, Clone)]
pub struct DbfTable {
    pub fields: Vec<DbfField>,
    /// Live records only; see [`DbfRecord::index`] for their position in the file.
    pub records: Vec<DbfRecord>,
    /// Records in the file, deleted ones included (the header's count).
    pub record_count: usize,
    /// Records flagged deleted (`*`), which are not in [`DbfTable::records`].
    pub deleted: usize,
    /// The language-driver byte (header offset 29).
    pub language_driver: u8,
    /// The encoding text was decoded with, and why.
    pub encoding: EncodingReport,
}

impl DbfTable {
    /// The fields as the model describes them.
    pub fn field_defs(&self) -> Vec<FieldDef> {
        self.fields
            .iter()
            .map(|f| FieldDef::new(f.name.clone(), f.kind))
            .collect()
    }
}

/// The encoding for a label as users, `.cpg` files and configs spell it: WHATWG
/// labels (`UTF-8`, `GBK`, `GB18030`, `gb2312`, `Big5`, ...), Windows code page
/// numbers with or without a prefix (`936`, `CP936`, `ANSI 936`, `65001`, `54936`,
/// `windows-1252`, ...) and ESRI's ISO 8859 spelling (`88591`, `ISO 88591`).
///
/// `None` for an unknown label, and for encodings a DBF cannot hold (UTF-16,
/// ISO-2022-JP, `replacement`: not ASCII-compatible).
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    let label = label.trim_start_matches('\u{feff}').trim();
    if label.is_empty() {
        return None;
    }
    let compact: String = label
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .collect::<String>()
        .to_ascii_uppercase();
    let mut number = compact.as_str();
    for prefix in ["ANSI", "WINDOWS", "CP", "MS", "IBM", "ISO"] {
        if let Some(rest) = number.strip_prefix(prefix) {
            number = rest;
            break;
        }
    }
    let found = if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
        code_page_encoding(number)
    } else {
        Encoding::for_label(label.as_bytes())
    };
    found.filter(|e| e.is_ascii_compatible())
}

/// The encoding for a Windows code page number (or ESRI's `8859N`), as text.
fn code_page_encoding(number: &str) -> Option<&'static Encoding> {
    if let Some(part) = number.strip_prefix("8859") {
        return match part.parse::<u8>() {
            Ok(n @ 1..=16) => Encoding::for_label(format!("iso-8859-{n}").as_bytes()),
            _ => None,
        };
    }
    let cp: u32 = number.parse().ok()?;
    Some(match cp {
        65001 => encoding_rs::UTF_8,
        936 | 20936 => encoding_rs::GBK,
        54936 => encoding_rs::GB18030,
        950 => encoding_rs::BIG5,
        949 | 51949 => encoding_rs::EUC_KR,
        932 => encoding_rs::SHIFT_JIS,
        51932 => encoding_rs::EUC_JP,
        866 => encoding_rs::IBM866,
        874 => encoding_rs::WINDOWS_874,
        1250..=1258 => return Encoding::for_label(format!("windows-{cp}").as_bytes()),
        28591 => encoding_rs::WINDOWS_1252,
        28592..=28606 => return Encoding::for_label(format!("iso-8859-{}", cp - 28590).as_bytes()),
        20866 => encoding_rs::KOI8_R,
        21866 => encoding_rs::KOI8_U,
        10000 => encoding_rs::MACINTOSH,
        _ => return None,
    })
}

/// The encoding a DBF language-driver byte (header offset 29) names, when it is
/// conclusive. `0x57` (ESRI "system ANSI"), `0x00` and the rest are not.
pub fn encoding_for_ldid(ldid: u8) -> Option<&'static Encoding> {
    match ldid {
        0x4D | 0x7A => Some(encoding_rs::GBK),
        0x4E | 0x79 => Some(encoding_rs::EUC_KR),
        0x4F | 0x78 => Some(encoding_rs::BIG5),
        0x13 | 0x7B => Some(encoding_rs::SHIFT_JIS),
        0x03 => Some(encoding_rs::WINDOWS_1252),
        _ => None,
    }
}

/// The language-driver byte to write for an encoding (0 where none fits).
pub fn ldid_for_encoding(encoding: &'static Encoding) -> u8 {
    if encoding == encoding_rs::GBK || encoding == encoding_rs::GB18030 {
        0x4D
    } else if encoding == encoding_rs::BIG5 {
        0x4F
    } else if encoding == encoding_rs::EUC_KR {
        0x4E
    } else if encoding == encoding_rs::SHIFT_JIS {
        0x13
    } else if encoding == encoding_rs::WINDOWS_1252 {
        0x03
    } else {
        0x00
    }
}

/// Bytes as upper-case hex pairs separated by spaces, for error messages.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{b:02X}"));
    }
    s
}

/// Reads a `.dbf`.
///
/// `declared` is an encoding already chosen by the caller (explicit option or
/// `.cpg`) with its source; without one the language-driver byte decides, then a
/// strict UTF-8 check of every field name and text value, then GB18030.
pub fn read_dbf(
    path: &Path,
    declared: Option<(&'static Encoding, EncodingSource)>,
) -> Result<DbfTable> {
    let file = File::open(path).map_err(|e| Error::input(path, "cannot open").because(e))?;
    read_dbf_from(BufReader::with_capacity(READ_BUFFER, file), path, declared)
}

/// [`read_dbf`] over any seekable source; `path` only names it in errors.
pub fn read_dbf_from<R: Read + Seek>(
    mut reader: R,
    path: &Path,
    declared: Option<(&'static Encoding, EncodingSource)>,
) -> Result<DbfTable> {
    let header = read_header(&mut reader, path)?;

    let (encoding, source, detecting) = match declared {
        Some((e, s)) => (e, s, false),
        None => match encoding_for_ldid(header.ldid) {
            Some(e) => (e, EncodingSource::LanguageDriver, false),
            None if header.fields.iter().all(|f| is_utf8(&f.name)) => {
                (encoding_rs::UTF_8, EncodingSource::Utf8Check, true)
            }
            None => (encoding_rs::GB18030, EncodingSource::Gb18030Fallback, false),
        },
    };

    let (encoding, source, fields, (records, deleted)) = {
        let fields = decode_fields(&header, encoding, path)?;
        match read_records(&mut reader, &header, &fields, encoding, detecting, path)? {
            Some(read) => (encoding, source, fields, read),
            None => {
                // Not all UTF-8: read the records again as GB18030.
                reader
                    .seek(SeekFrom::Start(header.header_len as u64))
                    .map_err(|e| Error::input(path, "cannot seek").because(e))?;
                let encoding = encoding_rs::GB18030;
                let fields = decode_fields(&header, encoding, path)?;
                let read = read_records(&mut reader, &header, &fields, encoding, false, path)?
                    .expect("not detecting");
                (encoding, EncodingSource::Gb18030Fallback, fields, read)
            }
        }
    };

    Ok(DbfTable {
        fields,
        records,
        record_count: header.record_count,
        deleted,
        language_driver: header.ldid,
        encoding: EncodingReport {
            name: encoding.name().to_string(),
            source,
        },
    })
}

/// A field descriptor before its name is decoded.
struct RawField {
    name: Vec<u8>,
    dbf_type: u8,
    length: usize,
    decimals: u8,
    offset: usize,
}

struct Header {
    record_count: usize,
    header_len: usize,
    record_len: usize,
    ldid: u8,
    fields: Vec<RawField>,
}

fn read_header<R: Read + Seek>(reader: &mut R, path: &Path) -> Result<Header> {
    let not_dbf = |what: String| Error::input(path, format!("not a readable DBF file: {what}"));
    let mut fixed = [0u8; 32];
    read_full(reader, &mut fixed).map_err(|e| not_dbf("header".into()).because(e))?;
    if fixed[0] & 0x07 == 0x04 {
        return Err(not_dbf(format!(
            "dBase 7 tables (version byte 0x{:02X}) are not supported",
            fixed[0]
        )));
    }
    let record_count = u32::from_le_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]) as usize;
    let header_len = u16::from_le_bytes([fixed[8], fixed[9]]) as usize;
    let record_len = u16::from_le_bytes([fixed[10], fixed[11]]) as usize;
    let ldid = fixed[29];
    if header_len < 33 || record_len < 1 {
        return Err(not_dbf(format!(
            "header length {header_len}, record length {record_len}"
        )));
    }

    let mut descriptors = vec![0u8; header_len - 32];
    read_full(reader, &mut descriptors)
        .map_err(|e| not_dbf("field descriptors".into()).because(e))?;
    let mut fields = Vec::new();
    let mut offset = 0usize;
    for d in descriptors.chunks_exact(32) {
        if d[0] == 0x0D {
            break;
        }
        let name_end = d[..11].iter().position(|&b| b == 0).unwrap_or(11);
        let mut name = d[..name_end].to_vec();
        while name.last() == Some(&b' ') {
            name.pop();
        }
        let dbf_type = d[11].to_ascii_uppercase();
        // As shapelib: for types other than N/F the decimals byte extends the length.
        let (length, decimals) = match dbf_type {
            b'N' | b'F' => (d[16] as usize, d[17]),
            _ => (d[16] as usize + d[17] as usize * 256, 0),
        };
        fields.push(RawField {
            name,
            dbf_type,
            length,
            decimals,
            offset,
        });
        offset += length;
    }
    if offset + 1 > record_len {
        return Err(not_dbf(format!(
            "record length {record_len} is shorter than its fields ({} bytes with the deletion flag)",
            offset + 1
        )));
    }
    Ok(Header {
        record_count,
        header_len,
        record_len,
        ldid,
        fields,
    })
}

/// `read_exact` with a clearer message at end of file.
fn read_full<R: Read>(reader: &mut R, buf: &mut [u8]) -> std::io::Result<()> {
    reader.read_exact(buf).map_err(|e| {
        if e.kind() == ErrorKind::UnexpectedEof {
            std::io::Error::new(ErrorKind::UnexpectedEof, "file ends early")
        } else {
            e
        }
    })
}

fn is_utf8(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok()
}

fn kind_of(f: &RawField) -> FieldKind {
    match f.dbf_type {
        b'N' | b'F' if f.decimals == 0 && f.length <= 18 => FieldKind::Int,
        b'N' | b'F' => FieldKind::Real,
        // Visual FoxPro binary integer / autoincrement and binary double.
        b'I' | b'+' if f.length == 4 => FieldKind::Int,
        b'O' if f.length == 8 => FieldKind::Real,
        _ => FieldKind::Text,
    }
}

fn decode_fields(
    header: &Header,
    encoding: &'static Encoding,
    path: &Path,
) -> Result<Vec<DbfField>> {
    header
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = encoding
                .decode_without_bom_handling_and_without_replacement(&f.name)
                .ok_or_else(|| {
                    Error::input(
                        path,
                        format!(
                            "name of field #{i} ('{}') is not valid {} (bytes {}); pass --encoding to override",
                            String::from_utf8_lossy(&f.name),
                            encoding.name(),
                            hex(&f.name)
                        ),
                    )
                })?
                .into_owned();
            Ok(DbfField {
                name,
                kind: kind_of(f),
                dbf_type: f.dbf_type,
                length: f.length,
                decimals: f.decimals,
                offset: f.offset,
            })
        })
        .collect()
}

/// Reads every record. `Ok(None)` when `detecting` (UTF-8 on trial) and a text
/// value is not UTF-8; the caller then reads again as GB18030.
fn read_records<R: Read>(
    reader: &mut R,
    header: &Header,
    fields: &[DbfField],
    encoding: &'static Encoding,
    detecting: bool,
    path: &Path,
) -> Result<Option<(Vec<DbfRecord>, usize)>> {
    let mut buf = vec![0u8; header.record_len];
    let mut records = Vec::with_capacity(header.record_count.min(1 << 24));
    let mut deleted = 0usize;
    for index in 0..header.record_count {
        read_full(reader, &mut buf).map_err(|e| {
            Error::input(
                path,
                format!(
                    "cannot read record {index} of the {} the header declares: {e}",
                    header.record_count
                ),
            )
        })?;
        if buf[0] == b'*' {
            deleted += 1;
            continue;
        }
        let mut values = Vec::with_capacity(fields.len());
        for field in fields {
            let raw = &buf[1 + field.offset..1 + field.offset + field.length];
            match parse_value(field, raw, encoding) {
                Ok(v) => values.push(v),
                Err(_) if detecting => return Ok(None),
                Err(bytes) => {
                    return Err(Error::Encoding {
                        path: path.to_path_buf(),
                        field: field.name.clone(),
                        record: index,
                        encoding: encoding.name().to_string(),
                        bytes: hex(bytes),
                    })
                }
            }
        }
        records.push(DbfRecord { index, values });
    }
    Ok(Some((records, deleted)))
}

fn trim_end(mut b: &[u8]) -> &[u8] {
    while let [rest @ .., b' ' | 0] = b {
        b = rest;
    }
    b
}

fn trim(mut b: &[u8]) -> &[u8] {
    b = trim_end(b);
    while let [b' ' | 0, rest @ ..] = b {
        b = rest;
    }
    b
}

/// Decodes text strictly; `Err` carries the offending bytes.
fn decode<'a>(bytes: &'a [u8], encoding: &'static Encoding) -> Result<Value, &'a [u8]> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    match encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(Cow::Borrowed(s)) => Ok(Value::Text(s.to_owned())),
        Some(Cow::Owned(s)) => Ok(Value::Text(s)),
        None => Err(bytes),
    }
}

fn parse_value<'a>(
    field: &DbfField,
    raw: &'a [u8],
    encoding: &'static Encoding,
) -> Result<Value, &'a [u8]> {
    match (field.dbf_type, field.kind) {
        (b'C', _) => decode(trim_end(raw), encoding),
        (b'N' | b'F', kind) => Ok(parse_number(trim(raw), kind)),
        (b'I' | b'+', FieldKind::Int) => {
            Ok(Value::Int(
                i32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]) as i64,
            ))
        }
        (b'O', FieldKind::Real) => {
            let r = f64::from_le_bytes(raw[..8].try_into().expect("8 bytes"));
            Ok(if r.is_finite() {
                Value::Real(r)
            } else {
                Value::Null
            })
        }
        (b'D', _) => {
            let t = trim(raw);
            if t.is_empty() || t.iter().all(|&b| b == b'0') {
                Ok(Value::Null)
            } else if t.len() == 8 && t.iter().all(u8::is_ascii_digit) {
                let s = std::str::from_utf8(t).expect("ASCII digits");
                Ok(Value::Text(format!("{}-{}-{}", &s[..4], &s[4..6], &s[6..])))
            } else {
                decode(t, encoding)
            }
        }
        (b'L', _) => {
            let t = trim(raw);
            match t {
                [] | [b'?'] => Ok(Value::Null),
                [b'T' | b't' | b'Y' | b'y'] => Ok(Value::Text("T".into())),
                [b'F' | b'f' | b'N' | b'n'] => Ok(Value::Text("F".into())),
                _ => decode(t, encoding),
            }
        }
        _ => decode(trim(raw), encoding),
    }
}

/// A blank or unparsable number is null. A non-integral value in an integer
/// column stays a real rather than being lost.
fn parse_number(t: &[u8], kind: FieldKind) -> Value {
    let Ok(s) = std::str::from_utf8(t) else {
        return Value::Null;
    };
    if s.is_empty() {
        return Value::Null;
    }
    if kind == FieldKind::Int {
        if let Ok(i) = s.parse::<i64>() {
            return Value::Int(i);
        }
    }
    match s.parse::<f64>() {
        Ok(r) if r.is_finite() => {
            if kind == FieldKind::Int && r.fract() == 0.0 && r.abs() < 9.0e18 {
                Value::Int(r as i64)
            } else {
                Value::Real(r)
            }
        }
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests;
