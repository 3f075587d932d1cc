#!/usr/bin/python3
"""Opens a landsift output directory headlessly in QGIS (Debian's python3-qgis) as a GIS
officer would: loads landsift.qgs and checks every layer is valid, with the feature count
of summary.json (or of the GeoPackage table), the working CRS, and the style landsift
gave it; then opens each GeoPackage layer and each Shapefile on its own and checks QGIS
applies the default style from layer_styles / the .qml beside it.

Then the print layouts: one for the whole area and one per town, each with its map (at a
round scale, on its area), title, legend, scale bar, north arrow, notes and print date;
the whole-area sheet and the first town's are exported to PNG as QGIS prints them
(OUT/layout_district.png, OUT/layout_town.png, for people to look at) and the PNGs are
checked to show the parcels in their type colours and the large circles' black outline.

Usage: scripts/check_qgis.py OUT_DIR      (exit 0: all good; 1: a check failed)
"""

import datetime
import json
import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp())  # 0700, as Qt wants

from osgeo import gdal, ogr  # noqa: E402
from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsLayoutExporter,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QModelIndex, Qt  # noqa: E402
from qgis.PyQt.QtGui import QColor, QImage  # noqa: E402

failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


# The low-efficiency type colours of landsift's parcel style (src/export/style.rs), and the
# large circles' outline.
TYPE_COLOURS = {
    "industrial": (0xA6, 0x61, 0x1A),
    "commercial": (0xD7, 0x19, 0x1C),
    "residential": (0xFD, 0xAE, 0x61),
    "facility": (0x2C, 0x7B, 0xB6),
    "village": (0x1B, 0x9E, 0x77),
}
LARGE_OUTLINE = (0, 0, 0)


def colours_in(image, rect, step=2):
    """Counts of the pixels of `image` (a QImage) inside `rect` (x0, y0, x1, y1 in pixels)
    near each wanted colour, and the share of pixels that are not white."""
    wanted = dict(TYPE_COLOURS, large=LARGE_OUTLINE)
    found = {k: 0 for k in wanted}
    inked = total = 0
    x0, y0, x1, y1 = rect
    for y in range(y0, y1, step):
        for x in range(x0, x1, step):
            c = QColor(image.pixel(x, y))
            rgb = (c.red(), c.green(), c.blue())
            total += 1
            if min(rgb) < 245:
                inked += 1
            for k, w in wanted.items():
                if sum(abs(a - b) for a, b in zip(rgb, w)) <= 24:
                    found[k] += 1
    return found, inked / max(total, 1)


def check_layouts(project, summary, out):
    layouts = project.layoutManager().printLayouts()
    towns = [t["town"] for t in summary["zones"]["towns"]]
    expected = 1 + (len(towns) if 1 < len(towns) <= 60 else 0)  # MAX_TOWN_SHEETS, src/run/write.rs
    check(len(layouts) == expected, f"{len(layouts)} print layouts, expected {expected} (whole area + towns)")
    today = datetime.date.today().isoformat()
    round_scales = {k * 10**e for e in range(2, 8) for k in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8)}
    for layout in layouts:
        name = layout.name()
        items = {i.id(): i for i in layout.items() if hasattr(i, "id") and i.id()}
        page = layout.pageCollection().page(0)
        size = page.pageSize() if page else None
        check(size is not None and (round(size.width()), round(size.height())) == (420, 297), f"layout {name}: A3 landscape")
        m = items.get("map")
        check(isinstance(m, QgsLayoutItemMap), f"layout {name}: map item")
        if not isinstance(m, QgsLayoutItemMap):
            continue
        scale = m.scale()
        check(any(abs(scale - r) <= 1e-3 * r for r in round_scales), f"layout {name}: round scale 1:{scale:.1f}")
        for ident, kind in [
            ("title", QgsLayoutItemLabel),
            ("legend", QgsLayoutItemLegend),
            ("scalebar", QgsLayoutItemScaleBar),
            ("north_arrow", QgsLayoutItemPicture),
            ("north_label", QgsLayoutItemLabel),
            ("notes", QgsLayoutItemLabel),
            ("date", QgsLayoutItemLabel),
        ]:
            check(isinstance(items.get(ident), kind), f"layout {name}: {ident} ({kind.__name__})")
        title = items.get("title")
        if isinstance(title, QgsLayoutItemLabel):
            text = title.currentText()
            check("低效用地初步识别与更新候选圈层图" in text, f"layout {name}: title '{text}'")
            if name != layouts[0].name():
                check(any(text.startswith(t) for t in towns), f"layout {name}: title names its town")
        legend = items.get("legend")
        if isinstance(legend, QgsLayoutItemLegend):
            check(legend.linkedMap() is m, f"layout {name}: legend follows the map")
            labels = legend_labels(legend)
            check("候选大圈" in labels and "宗地" in labels, f"layout {name}: legend {labels}")
        bar = items.get("scalebar")
        if isinstance(bar, QgsLayoutItemScaleBar):
            check(bar.linkedMap() is m, f"layout {name}: scale bar follows the map")
        arrow = items.get("north_arrow")
        if isinstance(arrow, QgsLayoutItemPicture):
            check(not arrow.isMissingImage(), f"layout {name}: north arrow image found ({arrow.picturePath()})")
        notes = items.get("notes")
        if isinstance(notes, QgsLayoutItemLabel):
            text = notes.currentText()
            check(all(w in text for w in ["比例尺 1:", "坐标系", "数据来源", "landsift"]), f"layout {name}: notes")
        date = items.get("date")
        if isinstance(date, QgsLayoutItemLabel):
            check(today in date.currentText(), f"layout {name}: date '{date.currentText()}' is today")

    # Print the whole area and the first town as QGIS would, and look at the result.
    for layout, png in [(layouts[0], "layout_district.png")] + ([(layouts[1], "layout_town.png")] if len(layouts) > 1 else []):
        path = os.path.join(out, png)
        settings = QgsLayoutExporter.ImageExportSettings()
        settings.dpi = 100
        settings.exportMetadata = False
        # QGIS then tries to write georeferencing into the PNG through GDAL, which cannot
        # update a PNG ("ERROR 6"): harmless, and not a finding.
        gdal.PushErrorHandler("CPLQuietErrorHandler")
        result = QgsLayoutExporter(layout).exportToImage(path, settings)
        gdal.PopErrorHandler()
        check(result == QgsLayoutExporter.Success, f"layout {layout.name()}: exported to {path} ({result})")
        image = QImage(path)
        check(
            not image.isNull() and abs(image.width() - 1654) <= 1 and abs(image.height() - 1169) <= 1,
            f"{png}: A3 at 100 dpi ({image.width()}x{image.height()})",
        )
        if image.isNull():
            continue
        # The map frame (10, 22)–(315, 287) mm at 100 dpi.
        px = lambda mm: int(mm * 100 / 25.4)  # noqa: E731
        found, inked = colours_in(image, (px(12), px(24), px(313), px(285)))
        shown = [k for k, n in found.items() if n > 0]
        check(inked > 0.2, f"{png}: the map is drawn ({inked:.0%} of it inked)")
        check(len([k for k in TYPE_COLOURS if found[k] > 0]) >= 3, f"{png}: parcels in their type colours ({found})")
        check(found["large"] > 0 or summary["zones"]["large_circles"] == 0, f"{png}: large circles' black outline ({shown})")


def legend_labels(legend):
    """The texts of a legend's layer titles and entries."""
    model = legend.model()
    labels = []

    def walk(parent):
        for r in range(model.rowCount(parent)):
            index = model.index(r, 0, parent)
            labels.append(str(model.data(index, Qt.DisplayRole)))
            walk(index)

    walk(QModelIndex())
    return labels


def main(out):
    summary = json.load(open(os.path.join(out, "summary.json"), encoding="utf-8"))
    gpkg = os.path.join(out, "landsift.gpkg")
    ds = ogr.Open(gpkg)
    tables = {ds.GetLayer(i).GetName(): ds.GetLayer(i).GetFeatureCount() for i in range(ds.GetLayerCount())}
    expected_counts = {
        "parcels": summary["parcels_out"],
        "small_circles": summary["zones"]["small_circles"],
        "middle_circles": summary["zones"]["middle_circles"],
        "large_circles": summary["zones"]["large_circles"],
    }
    crs = summary["crs"]

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    main.app = app  # kept alive until the process ends
    try:
        project = QgsProject.instance()
        check(project.read(os.path.join(out, "landsift.qgs")), "landsift.qgs reads")
        check(project.crs().authid() == crs, f"project CRS {project.crs().authid()} is {crs}")
        layers = {l.source().split("layername=")[-1]: l for l in project.mapLayers().values()}
        wanted = sorted(t for t in tables if t != "layer_styles")
        check(sorted(layers) == wanted, f"project layers {sorted(layers)} are the GeoPackage's {wanted}")
        root = project.layerTreeRoot()
        order = [n.layer().source().split("layername=")[-1] for n in root.findLayers()]
        # Circles over the parcels (the changes layer, when there is one, lies between).
        drawn = [name for name in order if name != "changes"]
        check(drawn[:4] == ["large_circles", "middle_circles", "small_circles", "parcels"], f"layer order {order}")
        for name, layer in sorted(layers.items()):
            check(layer.isValid(), f"{name}: valid")
            want = expected_counts.get(name, tables[name])
            check(layer.featureCount() == want, f"{name}: {layer.featureCount()} features, expected {want}")
            if layer.isSpatial():
                check(layer.crs().authid() == crs, f"{name}: CRS {layer.crs().authid()}")
            if name == "parcels":
                check(layer.renderer().type() == "categorizedSymbol", f"{name}: categorised by type")
                check(layer.attributeAlias(layer.fields().indexOf("low")) == "低效用地（初步识别）", f"{name}: Chinese aliases")
            if name.endswith("_circles"):
                check(layer.labelsEnabled(), f"{name}: labelled")
                settings = layer.labeling().settings()
                if name == "small_circles":
                    # Unit labels only from 1:25,000 in: the district view stays legible.
                    check(
                        settings.scaleVisibility and settings.minimumScale == 25000 and settings.maximumScale == 0,
                        f"{name}: labels from 1:25,000 in ({settings.scaleVisibility}, "
                        f"1:{settings.minimumScale:.0f}..1:{settings.maximumScale:.0f})",
                    )
                else:
                    check(not settings.scaleVisibility, f"{name}: labels at every scale")

        check_layouts(project, summary, out)

        # Each GeoPackage layer alone: QGIS applies its default style from layer_styles.
        for name in ["parcels", "small_circles", "large_circles"]:
            layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
            check(layer.isValid(), f"gpkg {name}: valid")
            message, ok = layer.loadDefaultStyle()
            kind = layer.renderer().type()
            want = "categorizedSymbol" if name == "parcels" else "singleSymbol"
            check(ok and kind == want, f"gpkg {name}: default style from layer_styles ({kind}; {message})")
            if name != "parcels":
                check(layer.labelsEnabled(), f"gpkg {name}: labels from layer_styles")
            shown = [f.displayName() for f in layer.fields()]
            check(len(set(shown)) == len(shown), f"gpkg {name}: no column header shows twice")

        # Each Shapefile alone: QGIS picks up the .qml beside it.
        for name in ["parcels", "small_circles"]:
            layer = QgsVectorLayer(os.path.join(out, f"{name}.shp"), name, "ogr")
            check(layer.isValid() and layer.featureCount() == expected_counts[name], f"shp {name}: valid, count")
            check(layer.crs().authid() == crs, f"shp {name}: CRS {layer.crs().authid()} from .prj")
            message, ok = layer.loadDefaultStyle()
            check(ok, f"shp {name}: .qml style ({message})")
            shown = [f.displayName() for f in layer.fields()]
            check(len(set(shown)) == len(shown), f"shp {name}: no column header shows twice")
    finally:
        QgsProject.instance().clear()
    if failures:
        print(f"{len(failures)} QGIS check(s) failed", file=sys.stderr)
        return 1
    print("QGIS: project and every layer open valid, counted, in the working CRS, styled")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    code = main(sys.argv[1])
    sys.stdout.flush()
    sys.stderr.flush()
    # Leave without QgsApplication.exitQgis(): tearing QGIS down under Python's garbage
    # collector segfaults in 3.22 (layers outliving the registry); nothing needs saving.
    os._exit(code)
