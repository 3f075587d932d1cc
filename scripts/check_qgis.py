#!/usr/bin/python3
"""Opens a landsift output directory headlessly in QGIS (Debian's python3-qgis) as a GIS
officer would: loads landsift.qgs and checks every layer is valid, with the feature count
of summary.json (or of the GeoPackage table), the working CRS, and the style landsift
gave it; then opens each GeoPackage layer and each Shapefile on its own and checks QGIS
applies the default style from layer_styles / the .qml beside it.

Usage: scripts/check_qgis.py OUT_DIR      (exit 0: all good; 1: a check failed)
"""

import json
import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp())  # 0700, as Qt wants

from osgeo import ogr  # noqa: E402
from qgis.core import QgsApplication, QgsProject, QgsVectorLayer  # noqa: E402

failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


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
