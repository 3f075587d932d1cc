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
    /// `stats.csv` and `stats.json`.
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
    }
}
