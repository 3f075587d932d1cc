//! `landsift.qgs`: the QGIS project a GIS officer double-clicks first. Every layer of
//! `landsift.gpkg` by relative path, styled (the same style bodies as the `.qml` files
//! and `layer_styles`), in a sensible order — large, middle and small circles over the
//! parcels, then orphan buildings, then the attribute tables — in the working CRS, with
//! the map on the district's extent, and print layouts for the district and each town
//! ([`super::qgis_layout`]).

use super::style::{self, xml};
use crate::model::OutputLayer;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One layer of the project (a table of `landsift.gpkg`).
pub struct ProjectLayer {
    pub layer: OutputLayer,
    pub fields: Vec<String>,
}

/// The working CRS as the project states it.
pub struct ProjectCrs<'a> {
    /// `EPSG:N`, when it has one.
    pub authid: Option<String>,
    pub wkt: &'a str,
    pub name: &'a str,
    pub geographic: bool,
}

/// The order of the layer tree, top first: circles over the parcels, the attribute
/// tables last.
const ORDER: &[OutputLayer] = &[
    OutputLayer::LargeCircles,
    OutputLayer::MiddleCircles,
    OutputLayer::SmallCircles,
    OutputLayer::Changes,
    OutputLayer::Parcels,
    OutputLayer::OrphanBuildings,
    OutputLayer::Rejects,
];

fn spatialrefsys(crs: Option<&ProjectCrs>) -> String {
    let Some(c) = crs else {
        return "<spatialrefsys><wkt></wkt><proj4></proj4><srsid>0</srsid><srid>0</srid><authid></authid><description></description><projectionacronym></projectionacronym><ellipsoidacronym></ellipsoidacronym><geographicflag>false</geographicflag></spatialrefsys>".into();
    };
    let authid = c.authid.clone().unwrap_or_default();
    let srid = authid.strip_prefix("EPSG:").unwrap_or("0");
    format!(
        "<spatialrefsys nativeFormat=\"Wkt\"><wkt>{}</wkt><proj4></proj4><srsid>0</srsid><srid>{srid}</srid><authid>{}</authid><description>{}</description><projectionacronym></projectionacronym><ellipsoidacronym></ellipsoidacronym><geographicflag>{}</geographicflag></spatialrefsys>",
        xml(c.wkt),
        xml(&authid),
        xml(c.name),
        c.geographic
    )
}

fn layer_id(name: &str) -> String {
    format!("landsift_{name}")
}

/// The project XML. `gpkg` is the GeoPackage's file name (beside the project), `extent`
/// the map's initial extent `[xmin, ymin, xmax, ymax]` in the working CRS, `layouts`
/// the `<Layouts>` element ([`super::qgis_layout::layouts`]; empty: none).
pub fn project(
    title: &str,
    gpkg: &str,
    layers: &[ProjectLayer],
    crs: Option<&ProjectCrs>,
    extent: Option<[f64; 4]>,
    layouts: &str,
) -> String {
    let rank = |l: &ProjectLayer| ORDER.iter().position(|n| *n == l.layer);
    let mut ordered: Vec<&ProjectLayer> = layers.iter().collect();
    ordered.sort_by_key(|l| rank(l));
    let srs = spatialrefsys(crs);
    let extent_xml = extent
        .map(|[a, b, c, d]| {
            format!(
                "<extent><xmin>{a}</xmin><ymin>{b}</ymin><xmax>{c}</xmax><ymax>{d}</ymax></extent>"
            )
        })
        .unwrap_or_default();

    let mut tree = String::from("<layer-tree-group><customproperties/>");
    let mut maplayers = String::from("<projectlayers>");
    let mut order = String::from("<layerorder>");
    for l in &ordered {
        let name = l.layer.as_str();
        let id = layer_id(name);
        let source = format!("./{gpkg}|layername={name}");
        let title = style::title(l.layer);
        let spatial = l.layer.is_spatial();
        let _ = write!(
            tree,
            r#"<layer-tree-layer id="{}" name="{}" source="{}" providerKey="ogr" checked="Qt::Checked" expanded="{}"><customproperties/></layer-tree-layer>"#,
            xml(&id),
            xml(title),
            xml(&source),
            u8::from(spatial)
        );
        let _ = write!(order, r#"<layer id="{}"/>"#, xml(&id));
        let (body, labels) = style::body(l.layer, &l.fields, &BTreeMap::new());
        let (geometry, wkb) = if spatial {
            ("Polygon", "MultiPolygon")
        } else {
            ("No geometry", "NoGeometry")
        };
        let _ = write!(
            maplayers,
            r#"<maplayer type="vector" geometry="{geometry}" wkbType="{wkb}" labelsEnabled="{}" readOnly="0" hasScaleBasedVisibilityFlag="0" minScale="0" maxScale="0" styleCategories="AllStyleCategories">{}<id>{}</id><datasource>{}</datasource><layername>{}</layername><srs>{}</srs><provider encoding="UTF-8">ogr</provider>{body}</maplayer>"#,
            u8::from(labels),
            if spatial { extent_xml.as_str() } else { "" },
            xml(&id),
            xml(&source),
            xml(title),
            if spatial { srs.as_str() } else { "" },
        );
    }
    tree.push_str("</layer-tree-group>");
    maplayers.push_str("</projectlayers>");
    order.push_str("</layerorder>");

    let units = if crs.is_some_and(|c| c.geographic) {
        "degrees"
    } else {
        "meters"
    };
    format!(
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis projectname=\"{t}\" version=\"3.22.16-Białowieża\">\n<homePath path=\"\"/>\n<title>{t}</title>\n<projectCrs>{srs}</projectCrs>\n{tree}\n<mapcanvas name=\"theMapCanvas\" annotationsVisible=\"1\"><units>{units}</units>{extent_xml}<rotation>0</rotation><destinationsrs>{srs}</destinationsrs><rendermaptile>0</rendermaptile></mapcanvas>\n{maplayers}\n{order}\n{layouts}\n<properties><Paths><Absolute type=\"bool\">false</Absolute></Paths><SpatialRefSys><ProjectionsEnabled type=\"int\">{}</ProjectionsEnabled></SpatialRefSys></properties>\n</qgis>\n",
        u8::from(crs.is_some()),
        t = xml(title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_in_order_with_relative_sources_and_styles() {
        let layer = |layer| ProjectLayer {
            layer,
            fields: vec!["zone_id".into(), "area_mu".into(), "area_km2".into()],
        };
        let layers = [
            layer(OutputLayer::Parcels),
            layer(OutputLayer::Rejects),
            layer(OutputLayer::SmallCircles),
            layer(OutputLayer::LargeCircles),
        ];
        let crs = ProjectCrs {
            authid: Some("EPSG:4547".into()),
            wkt: "PROJCS[\"x\"]",
            name: "CGCS2000 / 3-degree Gauss-Kruger CM 114E",
            geographic: false,
        };
        let p = project(
            "landsift",
            "landsift.gpkg",
            &layers,
            Some(&crs),
            Some([0.0, 0.0, 10.0, 10.0]),
            "<Layouts></Layouts>",
        );
        let pos = |s: &str| p.find(s).unwrap_or_else(|| panic!("{s} missing"));
        assert!(pos(r#"id="landsift_large_circles""#) < pos(r#"id="landsift_small_circles""#));
        assert!(pos(r#"id="landsift_small_circles""#) < pos(r#"id="landsift_parcels""#));
        assert!(pos(r#"id="landsift_parcels""#) < pos(r#"id="landsift_rejects""#));
        assert!(p.contains("<datasource>./landsift.gpkg|layername=rejects</datasource>"));
        assert!(p.contains(r#"geometry="No geometry" wkbType="NoGeometry""#));
        assert!(p.contains("<authid>EPSG:4547</authid>"));
        assert!(p.contains("PROJCS[&quot;x&quot;]"));
        assert!(p.contains("<Absolute type=\"bool\">false</Absolute>"));
        assert!(p.contains("renderer-v2"));
        assert!(p.contains("</layerorder>\n<Layouts></Layouts>\n<properties>"));
    }
}
