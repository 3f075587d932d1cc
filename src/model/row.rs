//! A record's attribute values held compactly: what every parcel keeps from its source
//! for the whole run (its survey values and passed-through attributes).

use super::Value;

/// Attribute values packed in one allocation: a count, one tag byte per value, one
/// 8-byte payload per value, then the texts. About a quarter of the memory of a
/// `Vec<Value>` (32 bytes a value, one allocation per text) and half that of 16-byte
/// cells; at a million parcels with ~25 survey fields the rows are the largest thing a
/// run holds.
///
/// Layout of `bytes`: `n` (u32, little-endian) · `n` tags · `n` payloads of 8 bytes
/// (an i64, an f64's bits, or a text's start and end as two u32 offsets into the text
/// part) · the text part (UTF-8). An empty row is an empty buffer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    bytes: Box<[u8]>,
}

const NULL: u8 = 0;
const INT: u8 = 1;
const REAL: u8 = 2;
const TEXT: u8 = 3;

/// A value borrowed from a [`Row`] (or from a [`Value`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
}

impl<'a> ValueRef<'a> {
    /// The value as text, as a user would type it (`None` for null); as
    /// [`Value::as_text`].
    pub fn as_text(self) -> Option<String> {
        match self {
            ValueRef::Text(s) => Some(s.to_string()),
            other => other.to_value().as_text(),
        }
    }

    /// The value as a number, parsing text; as [`Value::as_f64`].
    pub fn as_f64(self) -> Option<f64> {
        match self {
            ValueRef::Null => None,
            ValueRef::Int(i) => Some(i as f64),
            ValueRef::Real(r) => Some(r),
            ValueRef::Text(s) => s.trim().parse::<f64>().ok(),
        }
    }

    pub fn is_null(self) -> bool {
        matches!(self, ValueRef::Null)
    }

    /// An owned copy.
    pub fn to_value(self) -> Value {
        match self {
            ValueRef::Null => Value::Null,
            ValueRef::Int(i) => Value::Int(i),
            ValueRef::Real(r) => Value::Real(r),
            ValueRef::Text(s) => Value::Text(s.to_string()),
        }
    }
}

impl<'a> From<&'a Value> for ValueRef<'a> {
    fn from(v: &'a Value) -> Self {
        match v {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Int(*i),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(s) => ValueRef::Text(s),
        }
    }
}

impl Row {
    /// The value at `i`; null past the end (a row built without a field reads unknown).
    pub fn get(&self, i: usize) -> ValueRef<'_> {
        let n = self.len();
        if i >= n {
            return ValueRef::Null;
        }
        let at = 4 + n + 8 * i;
        let Some(payload) = self.bytes.get(at..at + 8) else {
            return ValueRef::Null;
        };
        let word = u64::from_le_bytes(payload.try_into().unwrap_or_default());
        match self.bytes[4 + i] {
            INT => ValueRef::Int(word as i64),
            REAL => ValueRef::Real(f64::from_bits(word)),
            TEXT => {
                let text = self.bytes.get(4 + 9 * n..).unwrap_or_default();
                let (start, end) = ((word & 0xffff_ffff) as usize, (word >> 32) as usize);
                // The ranges are written with their text, on char boundaries; a bad
                // one reads empty rather than panicking.
                let s = text.get(start..end).unwrap_or_default();
                ValueRef::Text(std::str::from_utf8(s).unwrap_or_default())
            }
            _ => ValueRef::Null,
        }
    }

    pub fn len(&self) -> usize {
        match self.bytes.get(..4) {
            Some(n) => u32::from_le_bytes(n.try_into().unwrap_or_default()) as usize,
            None => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every value, in order.
    pub fn iter(&self) -> impl Iterator<Item = ValueRef<'_>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Replaces the value at `i` (rebuilding the row: rare, e.g. a planning overlay's
    /// planned use); a row shorter than `i` grows with nulls.
    pub fn set(&mut self, i: usize, value: Value) {
        let mut values: Vec<Value> = self.iter().map(ValueRef::to_value).collect();
        if values.len() <= i {
            values.resize(i + 1, Value::Null);
        }
        values[i] = value;
        *self = values.into_iter().collect();
    }
}

impl FromIterator<Value> for Row {
    fn from_iter<I: IntoIterator<Item = Value>>(values: I) -> Self {
        let values: Vec<Value> = values.into_iter().collect();
        if values.is_empty() {
            return Row::default();
        }
        let n = values.len();
        let text_len: usize = values
            .iter()
            .map(|v| match v {
                Value::Text(s) => s.len(),
                _ => 0,
            })
            .sum();
        let mut bytes = Vec::with_capacity(4 + 9 * n + text_len);
        // A row of more than 4 billion values cannot be counted: it keeps the first
        // u32::MAX (no record read from a file comes close).
        let n = n.min(u32::MAX as usize);
        bytes.extend_from_slice(&(n as u32).to_le_bytes());
        bytes.extend(values.iter().take(n).map(|v| match v {
            Value::Null => NULL,
            Value::Int(_) => INT,
            Value::Real(_) => REAL,
            Value::Text(_) => TEXT,
        }));
        let mut text_at = 0usize;
        for v in values.iter().take(n) {
            let word = match v {
                Value::Null => 0,
                Value::Int(i) => *i as u64,
                Value::Real(r) => r.to_bits(),
                Value::Text(s) => {
                    // A row's texts past 4 GiB cannot be addressed: such a value reads
                    // empty rather than wrong (no record read from a file comes close).
                    let start = u32::try_from(text_at).unwrap_or(u32::MAX);
                    text_at += s.len();
                    let end = u32::try_from(text_at).unwrap_or(start);
                    u64::from(start) | (u64::from(end) << 32)
                }
            };
            bytes.extend_from_slice(&word.to_le_bytes());
        }
        for v in values.iter().take(n) {
            if let Value::Text(s) = v {
                bytes.extend_from_slice(s.as_bytes());
            }
        }
        Row {
            bytes: bytes.into_boxed_slice(),
        }
    }
}

impl From<Vec<Value>> for Row {
    fn from(values: Vec<Value>) -> Self {
        values.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_as_stored() {
        let values = vec![
            Value::Text("宗地 A".into()),
            Value::Null,
            Value::Int(-3),
            Value::Real(0.25),
            Value::Text(String::new()),
            Value::Text("0601".into()),
        ];
        let row: Row = values.clone().into();
        assert_eq!(row.len(), values.len());
        let back: Vec<Value> = row.iter().map(ValueRef::to_value).collect();
        assert_eq!(back, values);
        assert_eq!(row.get(0), ValueRef::Text("宗地 A"));
        assert_eq!(row.get(5).as_text().as_deref(), Some("0601"));
        assert_eq!(row.get(3).as_f64(), Some(0.25));
        assert!(row.get(99).is_null(), "past the end reads unknown");
    }

    #[test]
    fn set_replaces_one_value_and_keeps_the_rest() {
        let mut row: Row = vec![Value::Text("a".into()), Value::Text("bb".into())].into();
        row.set(0, Value::Text("xyz".into()));
        row.set(3, Value::Real(1.5));
        assert_eq!(row.get(0), ValueRef::Text("xyz"));
        assert_eq!(row.get(1), ValueRef::Text("bb"));
        assert!(row.get(2).is_null());
        assert_eq!(row.get(3), ValueRef::Real(1.5));
    }

    #[test]
    fn a_value_ref_converts_as_its_value_does() {
        for v in [
            Value::Null,
            Value::Int(7),
            Value::Real(2.0),
            Value::Real(0.1),
            Value::Text(" 12.5 ".into()),
        ] {
            let r = ValueRef::from(&v);
            assert_eq!(r.as_text(), v.as_text());
            assert_eq!(r.as_f64(), v.as_f64());
            assert_eq!(r.to_value(), v);
        }
    }

    #[test]
    fn a_row_is_one_allocation_of_nine_bytes_a_value_and_its_texts() {
        assert_eq!(std::mem::size_of::<Row>(), 16);
        let row: Row = vec![Value::Int(1), Value::Text("宗地".into()), Value::Null].into();
        assert_eq!(row.bytes.len(), 4 + 9 * 3 + "宗地".len());
        assert!(Row::default().is_empty());
        assert!(Row::default().get(0).is_null());
    }

    #[test]
    fn extreme_numbers_read_back_bit_for_bit() {
        let values = vec![
            Value::Int(i64::MIN),
            Value::Int(i64::MAX),
            Value::Real(-0.0),
            Value::Real(f64::MAX),
            Value::Real(f64::MIN_POSITIVE),
        ];
        let row: Row = values.clone().into();
        let back: Vec<Value> = row.iter().map(ValueRef::to_value).collect();
        assert_eq!(back, values);
        assert!(matches!(row.get(2), ValueRef::Real(r) if r.is_sign_negative()));
    }
}
