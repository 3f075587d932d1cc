//! The parcels and rejects layers as written: engine fields first, then every source
//! attribute under its own name.

use super::{OutLayer, OutRow};
use crate::model::{
    m2_to_mu, Choice, FieldDef, FieldKind, FieldMap, OutputLayer, Parcel, Reject, SurveyField,
    Value, ValueRef,
};

/// Engine fields appended after the model fields.
const COMPUTED: &[(&str, FieldKind)] = &[
    ("area_m2", FieldKind::Real),
    ("area_mu", FieldKind::Real),
    ("geom_fix", FieldKind::Text),
];

/// A column the pipeline computes for every parcel (score, measures, zone ids…): its
/// field, and how to make a parcel's value from what the pipeline keeps (scores,
/// measures, zones), when a row is written; no column of values is held.
pub struct Column<'a> {
    pub def: FieldDef,
    value: Box<ValueOf<'a>>,
}

/// How a column makes the value of the parcel at an index (in parcel order).
type ValueOf<'a> = dyn Fn(usize) -> Value + Send + Sync + 'a;

impl<'a> Column<'a> {
    /// A column of field `def` whose value for parcel `i` is `value(i)`.
    pub fn new(def: FieldDef, value: impl Fn(usize) -> Value + Send + Sync + 'a) -> Self {
        Column {
            def,
            value: Box::new(value),
        }
    }

    /// The value of the parcel at index `i`.
    pub fn value(&self, i: usize) -> Value {
        (self.value)(i)
    }
}

impl std::fmt::Debug for Column<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Column").field("def", &self.def).finish()
    }
}

/// The parcels layer's fields: engine fields, area, the pipeline's columns, then the
/// source attributes, with the position in the source of each one kept. A source
/// attribute that feeds the engine field of the same name is replaced by its normalised
/// value; any other whose name clashes — case-insensitively, as GeoPackage (SQLite) and
/// DBF names do — with an engine field, a column or an earlier attribute (`score`, `low`,
/// `AREA_M2`, `Name` beside `NAME`…) is kept as `src_<name>` (numbered on a further
/// clash): no source attribute is dropped.
pub fn parcels_fields(
    source_fields: &[FieldDef],
    mapping: &FieldMap,
    columns: &[FieldDef],
) -> (Vec<FieldDef>, Vec<usize>) {
    let mut fields: Vec<FieldDef> = SurveyField::ALL
        .iter()
        .map(|f| FieldDef::new(f.name(), f.kind()))
        .chain(COMPUTED.iter().map(|(n, k)| FieldDef::new(*n, *k)))
        .chain(columns.iter().cloned())
        .collect();
    let mut taken: std::collections::HashSet<String> =
        fields.iter().map(|f| f.name.to_lowercase()).collect();
    let mut passthrough = Vec::new();
    for (i, f) in source_fields.iter().enumerate() {
        if mapping.feeds_its_namesake(&f.name) {
            continue;
        }
        let mut name = f.name.clone();
        if taken.contains(&name.to_lowercase()) {
            name = format!("src_{}", f.name);
            let mut k = 2;
            while taken.contains(&name.to_lowercase()) {
                name = format!("src_{}_{k}", f.name);
                k += 1;
            }
        }
        taken.insert(name.to_lowercase());
        fields.push(FieldDef::new(name, f.kind));
        passthrough.push(i);
    }
    (fields, passthrough)
}

/// Builds the parcels layer ([`parcels_fields`] says which fields).
pub fn parcels_layer<'a>(
    parcels: &'a [Parcel],
    source_fields: &[FieldDef],
    mapping: &FieldMap,
    columns: &'a [Column<'a>],
) -> OutLayer<'a> {
    let defs: Vec<FieldDef> = columns.iter().map(|c| c.def.clone()).collect();
    let (fields, passthrough) = parcels_fields(source_fields, mapping, &defs);
    OutLayer::generated(OutputLayer::Parcels, fields, parcels.len(), move |i| {
        let p = &parcels[i];
        let mut values =
            Vec::with_capacity(p.survey.len() + COMPUTED.len() + columns.len() + passthrough.len());
        values.extend(p.survey.iter().map(ValueRef::to_value));
        values.push(Value::Real(p.area_m2));
        values.push(Value::Real(m2_to_mu(p.area_m2)));
        values.push(if p.repaired.is_empty() {
            Value::Null
        } else {
            Value::Text(p.repaired.clone())
        });
        values.extend(columns.iter().map(|c| c.value(i)));
        // The parcel keeps the passed-through attributes, in source order (none are
        // written when the caller gives no source fields).
        values.extend(
            p.attrs
                .iter()
                .take(passthrough.len())
                .map(ValueRef::to_value),
        );
        OutRow {
            geometry: Some(&p.geometry),
            values,
        }
    })
    .with_geometry(move |i| Some(&parcels[i].geometry))
}

/// Builds the rejects table (no geometry).
pub fn rejects_layer<'a>(rejects: &[Reject]) -> OutLayer<'a> {
    let fields = vec![
        FieldDef::new("source", FieldKind::Text),
        FieldDef::new("record", FieldKind::Int),
        FieldDef::new("id", FieldKind::Text),
        FieldDef::new("reason", FieldKind::Text),
        FieldDef::new("detail", FieldKind::Text),
    ];
    let text = |s: &str| {
        if s.is_empty() {
            Value::Null
        } else {
            Value::Text(s.to_string())
        }
    };
    let rows = rejects
        .iter()
        .map(|r| OutRow {
            geometry: None,
            values: vec![
                text(&r.source),
                Value::Int(r.index as i64),
                text(&r.id),
                text(&r.reason),
                text(&r.detail),
            ],
        })
        .collect();
    OutLayer::of(OutputLayer::Rejects, fields, rows)
}

/// Writes the rejects as CSV (UTF-8 with BOM so Excel shows Chinese right):
/// `source,record,id,reason,detail`, record being the 0-based index in the source.
pub fn write_rejects_csv(path: &std::path::Path, rejects: &[Reject]) -> crate::Result<()> {
    super::write_csv(path, true, |w| {
        w.write_record(["source", "record", "id", "reason", "detail"])?;
        for r in rejects {
            let record = r.index.to_string();
            w.write_record([&r.source, &record, &r.id, &r.reason, &r.detail])?;
        }
        Ok(())
    })
}
