//! Unit tests of [`super`].

use super::*;
use std::io::Cursor;

/// A DBF from (name bytes, type, length, decimals) and records of raw field bytes.
fn build_dbf(ldid: u8, fields: &[(&[u8], u8, u8, u8)], records: &[(bool, Vec<&[u8]>)]) -> Vec<u8> {
    let record_len: usize = 1 + fields.iter().map(|f| f.2 as usize).sum::<usize>();
    let header_len = 32 + 32 * fields.len() + 1;
    let mut out = vec![0u8; 32];
    out[0] = 0x03;
    out[1..4].copy_from_slice(&[124, 1, 1]);
    out[4..8].copy_from_slice(&(records.len() as u32).to_le_bytes());
    out[8..10].copy_from_slice(&(header_len as u16).to_le_bytes());
    out[10..12].copy_from_slice(&(record_len as u16).to_le_bytes());
    out[29] = ldid;
    for (name, ty, len, dec) in fields {
        let mut d = [0u8; 32];
        d[..name.len()].copy_from_slice(name);
        d[11] = *ty;
        d[16] = *len;
        d[17] = *dec;
        out.extend_from_slice(&d);
    }
    out.push(0x0D);
    for (deleted, values) in records {
        out.push(if *deleted { b'*' } else { b' ' });
        for (f, v) in fields.iter().zip(values) {
            let mut cell = vec![b' '; f.2 as usize];
            cell[..v.len()].copy_from_slice(v);
            out.extend_from_slice(&cell);
        }
    }
    out.push(0x1A);
    out
}

fn read(bytes: Vec<u8>, enc: Option<&'static Encoding>) -> Result<DbfTable> {
    read_dbf_from(
        Cursor::new(bytes),
        Path::new("t.dbf"),
        enc.map(|e| (e, EncodingSource::Explicit)),
    )
}

#[test]
fn labels() {
    let cases = [
        ("UTF-8", "UTF-8"),
        ("utf8", "UTF-8"),
        ("65001", "UTF-8"),
        ("936", "GBK"),
        ("CP936", "GBK"),
        ("ANSI 936", "GBK"),
        ("GBK", "GBK"),
        ("GB2312", "GBK"),
        ("GB18030", "gb18030"),
        ("54936", "gb18030"),
        ("950", "Big5"),
        ("949", "EUC-KR"),
        ("932", "Shift_JIS"),
        ("1252", "windows-1252"),
        ("windows-1251", "windows-1251"),
        ("88591", "windows-1252"),
        ("ISO 88592", "ISO-8859-2"),
        ("\u{feff}UTF-8\r\n", "UTF-8"),
    ];
    for (label, name) in cases {
        assert_eq!(
            encoding_for_label(label).map(|e| e.name()),
            Some(name),
            "{label}"
        );
    }
    for bad in ["", "nonsense", "UTF-16", "437", "System"] {
        assert!(encoding_for_label(bad).is_none(), "{bad}");
    }
}

#[test]
fn kinds_values_and_deleted() {
    let bytes = build_dbf(
        0,
        &[
            (b"ID", b'N', 9, 0),
            (b"AREA", b'N', 24, 15),
            (b"NAME", b'C', 10, 0),
            (b"DAY", b'D', 8, 0),
            (b"OK", b'L', 1, 0),
            (b"BIG", b'N', 20, 0),
        ],
        &[
            (
                false,
                vec![b"  42", b"1.5", b"abc  ", b"20100115", b"T", b"1"],
            ),
            (true, vec![b"7", b"", b"gone", b"", b"", b""]),
            (false, vec![b"", b"***", b"", b"00000000", b"?", b""]),
            (false, vec![b"12.5", b"x", b"a\0\0", b"", b"n", b"-3"]),
        ],
    );
    let t = read(bytes, None).unwrap();
    assert_eq!(t.encoding.source, EncodingSource::Utf8Check);
    assert_eq!(t.record_count, 4);
    assert_eq!(t.deleted, 1);
    let kinds: Vec<_> = t.fields.iter().map(|f| f.kind).collect();
    use FieldKind::*;
    assert_eq!(kinds, [Int, Real, Text, Text, Text, Real]);
    assert_eq!(t.records.len(), 3);
    assert_eq!(
        t.records.iter().map(|r| r.index).collect::<Vec<_>>(),
        [0, 2, 3]
    );
    assert_eq!(
        t.records[0].values,
        [
            Value::Int(42),
            Value::Real(1.5),
            Value::Text("abc".into()),
            Value::Text("2010-01-15".into()),
            Value::Text("T".into()),
            Value::Real(1.0)
        ]
    );
    assert!(t.records[1].values.iter().all(Value::is_null));
    assert_eq!(t.records[2].values[0], Value::Real(12.5));
    assert_eq!(t.records[2].values[1], Value::Null);
    assert_eq!(t.records[2].values[2], Value::Text("a".into()));
    assert_eq!(t.records[2].values[4], Value::Text("F".into()));
}

#[test]
fn detection_order() {
    let gbk_name = encoding_rs::GBK.encode("宗地代码").0.into_owned();
    let gbk_val = encoding_rs::GBK.encode("黑龙江").0.into_owned();
    let utf_val = "黑龙江".as_bytes();

    // UTF-8 names and values: UTF-8 by check.
    let b = build_dbf(0, &[(b"N", b'C', 12, 0)], &[(false, vec![utf_val])]);
    let t = read(b, None).unwrap();
    assert_eq!(t.encoding.name, "UTF-8");
    assert_eq!(t.records[0].values[0], Value::Text("黑龙江".into()));

    // A GBK value after a UTF-8 one: re-read as GB18030.
    let b = build_dbf(
        0,
        &[(b"N", b'C', 12, 0)],
        &[(false, vec![b"plain"]), (false, vec![&gbk_val])],
    );
    let t = read(b, None).unwrap();
    assert_eq!(t.encoding.source, EncodingSource::Gb18030Fallback);
    assert_eq!(t.encoding.name, "gb18030");
    assert_eq!(t.records[1].values[0], Value::Text("黑龙江".into()));

    // A GBK field name: GB18030 straight away.
    let b = build_dbf(0, &[(&gbk_name, b'C', 12, 0)], &[(false, vec![b"x"])]);
    let t = read(b, None).unwrap();
    assert_eq!(t.fields[0].name, "宗地代码");
    assert_eq!(t.encoding.source, EncodingSource::Gb18030Fallback);

    // Language driver 0x4D: GBK.
    let b = build_dbf(0x4D, &[(b"N", b'C', 12, 0)], &[(false, vec![&gbk_val])]);
    let t = read(b, None).unwrap();
    assert_eq!(t.encoding.name, "GBK");
    assert_eq!(t.encoding.source, EncodingSource::LanguageDriver);
    assert_eq!(t.records[0].values[0], Value::Text("黑龙江".into()));

    // Language driver 0x57 is not conclusive.
    let b = build_dbf(0x57, &[(b"N", b'C', 12, 0)], &[(false, vec![utf_val])]);
    assert_eq!(
        read(b, None).unwrap().encoding.source,
        EncodingSource::Utf8Check
    );
}

#[test]
fn strict_decoding_names_field_and_record() {
    // 0x81 0x20 is not a GBK sequence.
    let b = build_dbf(
        0,
        &[(b"ID", b'N', 3, 0), (b"NAME", b'C', 6, 0)],
        &[
            (false, vec![b"1", b"ok"]),
            (false, vec![b"2", b"a\x81\x20b"]),
        ],
    );
    match read(b, Some(encoding_rs::GBK)) {
        Err(Error::Encoding {
            field,
            record,
            encoding,
            bytes,
            ..
        }) => {
            assert_eq!(field, "NAME");
            assert_eq!(record, 1);
            assert_eq!(encoding, "GBK");
            assert_eq!(bytes, "61 81 20 62");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn truncated_and_malformed() {
    let mut b = build_dbf(0, &[(b"A", b'C', 4, 0)], &[(false, vec![b"x"])]);
    b.truncate(b.len() - 3);
    assert!(matches!(read(b, None), Err(Error::Input { .. })));
    assert!(matches!(
        read(vec![3, 0, 0], None),
        Err(Error::Input { .. })
    ));
}

#[test]
fn number_parsing() {
    assert_eq!(parse_number(b"-7", FieldKind::Int), Value::Int(-7));
    assert_eq!(parse_number(b"+7", FieldKind::Int), Value::Int(7));
    assert_eq!(parse_number(b"7.000", FieldKind::Int), Value::Int(7));
    assert_eq!(parse_number(b"1e3", FieldKind::Real), Value::Real(1000.0));
    assert_eq!(parse_number(b"nan", FieldKind::Real), Value::Null);
    assert_eq!(parse_number(b"1,5", FieldKind::Real), Value::Null);
    assert_eq!(parse_number(b"-", FieldKind::Int), Value::Null);
}
