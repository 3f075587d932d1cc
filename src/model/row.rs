//! A record's attribute values held compactly: what every parcel keeps from its source
//! for the whole run (its survey values and passed-through attributes).

use super::Value;

/// Attribute values in 16-byte cells, their texts in one string: about a third of the
/// memory of a `Vec<Value>` (32 bytes a value, one allocation per text), which at a
/// million parcels with ~25 survey fields is the largest thing a run holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    cells: Box<[Cell]>,
    text: Box<str>,
}

/// One value; a text is a byte range of the row's string.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text { start: u32, end: u32 },
}

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
        match self.cells.get(i) {
            None | Some(Cell::Null) => ValueRef::Null,
            Some(Cell::Int(v)) => ValueRef::Int(*v),
            Some(Cell::Real(v)) => ValueRef::Real(*v),
            Some(Cell::Text { start, end }) => ValueRef::Text(
                self.text
                    .get(*start as usize..*end as usize)
                    .unwrap_or_default(),
            ),
        }
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Every value, in order.
    pub fn iter(&self) -> impl Iterator<Item = ValueRef<'_>> + '_ {
        (0..self.cells.len()).map(|i| self.get(i))
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
        let mut text = String::new();
        let cells: Box<[Cell]> = values
            .into_iter()
            .map(|v| match v {
                Value::Null => Cell::Null,
                Value::Int(i) => Cell::Int(i),
                Value::Real(r) => Cell::Real(r),
                Value::Text(s) => {
                    // A row's texts past 4 GiB cannot be addressed: such a value reads
                    // empty rather than wrong (no record read from a file comes close).
                    let start = u32::try_from(text.len()).unwrap_or(u32::MAX);
                    text.push_str(&s);
                    let end = u32::try_from(text.len()).unwrap_or(start);
                    Cell::Text { start, end }
                }
            })
            .collect();
        Row {
            cells,
            text: text.into_boxed_str(),
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
    fn a_cell_is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Cell>(), 16);
    }
}
