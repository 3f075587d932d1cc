//! What a run can write: the formats and the layers, named once for every writer, style,
//! project and summary.

use super::Choice;
use serde::{Deserialize, Serialize};

/// What a run can write (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `landsift.gpkg`: every layer, styled (the main deliverable).
    Gpkg,
    /// A Shapefile (with `.prj`, `.cpg`, `.qml`, `.fields.csv`) per spatial layer.
    Shp,
    /// An RFC 7946 GeoJSON per spatial layer.
    Geojson,
    /// `landsift.qgs`, the QGIS project (opens the GeoPackage).
    Qgis,
    /// `report.html`.
    Report,
    /// `stats.csv`, `stats.json` and `stats.xlsx`.
    Stats,
}

impl Choice for Format {
    const ALL: &'static [Self] = &[
        Format::Gpkg,
        Format::Shp,
        Format::Geojson,
        Format::Qgis,
        Format::Report,
        Format::Stats,
    ];

    fn name(self) -> &'static str {
        match self {
            Format::Gpkg => "gpkg",
            Format::Shp => "shp",
            Format::Geojson => "geojson",
            Format::Qgis => "qgis",
            Format::Report => "report",
            Format::Stats => "stats",
        }
    }
}

/// The text encoding of the Shapefiles' DBFs (`--shp-encoding`, `[output] shp_encoding`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum ShpEncoding {
    /// UTF-8 with a `.cpg` saying so: every character, read by QGIS, ArcGIS Pro and
    /// ArcGIS 10.2.1 on; a Chinese field name keeps 3 characters (10 bytes).
    #[default]
    #[serde(rename = "UTF-8")]
    Utf8,
    /// GBK (code page 936), for ArcGIS 10.x and older desktops: `.cpg` `936` and the
    /// DBF language driver 0x4D; a Chinese field name keeps 5 characters.
    #[serde(rename = "GBK")]
    Gbk,
}

impl Choice for ShpEncoding {
    const ALL: &'static [Self] = &[ShpEncoding::Utf8, ShpEncoding::Gbk];

    fn name(self) -> &'static str {
        match self {
            ShpEncoding::Utf8 => "UTF-8",
            ShpEncoding::Gbk => "GBK",
        }
    }
}

impl ShpEncoding {
    /// The encoding for a label as users write it, in any case: `UTF-8`, `utf8`,
    /// `65001`; `GBK`, `936`, `CP936`.
    ///
    /// ```
    /// use landsift::model::ShpEncoding;
    /// assert_eq!(ShpEncoding::parse("gbk"), Some(ShpEncoding::Gbk));
    /// assert_eq!(ShpEncoding::parse("CP936"), Some(ShpEncoding::Gbk));
    /// assert_eq!(ShpEncoding::parse("utf8"), Some(ShpEncoding::Utf8));
    /// assert_eq!(ShpEncoding::parse("Big5"), None);
    /// ```
    pub fn parse(label: &str) -> Option<Self> {
        let compact: String = label
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_'))
            .collect::<String>()
            .to_ascii_uppercase();
        match compact.as_str() {
            "UTF8" | "65001" | "CP65001" => Some(ShpEncoding::Utf8),
            "GBK" | "936" | "CP936" | "ANSI936" | "WINDOWS936" => Some(ShpEncoding::Gbk),
            _ => None,
        }
    }

    /// The `encoding_rs` encoding it writes.
    pub fn encoding(self) -> &'static encoding_rs::Encoding {
        match self {
            ShpEncoding::Utf8 => encoding_rs::UTF_8,
            ShpEncoding::Gbk => encoding_rs::GBK,
        }
    }
}

/// The layers a run can write (`--layers`), in the order a QGIS project lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputLayer {
    Parcels,
    SmallCircles,
    MiddleCircles,
    LargeCircles,
    /// The rejects table (GeoPackage) and `rejects.csv`.
    Rejects,
    OrphanBuildings,
    /// What changed since the last publish (GeoPackage; `changes.csv` always).
    Changes,
}

impl Choice for OutputLayer {
    const ALL: &'static [Self] = &[
        OutputLayer::Parcels,
        OutputLayer::SmallCircles,
        OutputLayer::MiddleCircles,
        OutputLayer::LargeCircles,
        OutputLayer::Rejects,
        OutputLayer::OrphanBuildings,
        OutputLayer::Changes,
    ];

    /// The layer's name in every output (GeoPackage table, file stem, summary key).
    fn name(self) -> &'static str {
        match self {
            OutputLayer::Parcels => "parcels",
            OutputLayer::SmallCircles => "small_circles",
            OutputLayer::MiddleCircles => "middle_circles",
            OutputLayer::LargeCircles => "large_circles",
            OutputLayer::Rejects => "rejects",
            OutputLayer::OrphanBuildings => "orphan_buildings",
            OutputLayer::Changes => "changes",
        }
    }
}

impl OutputLayer {
    /// The same as [`Choice::name`], without importing the trait.
    pub fn as_str(self) -> &'static str {
        Choice::name(self)
    }

    /// Whether it has geometry (the rejects are an attribute table).
    pub fn is_spatial(self) -> bool {
        self != OutputLayer::Rejects
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TOML spelling (serde) and the command-line spelling (`Choice`) are one.
    #[test]
    fn serde_names_are_the_choice_names() {
        for f in Format::ALL {
            assert_eq!(serde_json::to_value(f).unwrap(), f.name());
        }
        for l in OutputLayer::ALL {
            assert_eq!(serde_json::to_value(l).unwrap(), l.name());
        }
        for e in ShpEncoding::ALL {
            assert_eq!(serde_json::to_value(e).unwrap(), e.name());
            assert_eq!(ShpEncoding::parse(e.name()), Some(*e));
        }
    }
}
