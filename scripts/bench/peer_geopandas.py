#!/usr/bin/env python3
"""The peer: the job a GeoPandas script does in a bureau today, on the same inputs as
landsift — read parcels and buildings, FAR from building footprints × floors, the
low-efficiency rules (industrial FAR < 1.0 or tax per mu < 10; commercial, residential
and facility by their FAR/coverage/age lines of the national-default preset, simplified),
30 m contiguity clusters of low-efficiency parcels (15 m buffers, one union), dissolve,
write a GeoPackage. Timed stage by stage; prints one JSON line.

Usage: peer_geopandas.py PARCELS.shp BUILDINGS.shp OUT.gpkg
Needs: pip install geopandas pyogrio (GEOS via shapely 2)."""

import json
import sys
import time

import geopandas as gpd
import pandas as pd


def main(parcels_path, buildings_path, out_path):
    t = {}
    t0 = time.perf_counter()
    parcels = gpd.read_file(parcels_path, engine="pyogrio", encoding="gbk")
    buildings = gpd.read_file(buildings_path, engine="pyogrio")
    t["read"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    parcels["area_m2"] = parcels.geometry.area
    parcels["pid"] = range(len(parcels))
    pieces = gpd.overlay(
        buildings[["floors", "geometry"]], parcels[["pid", "geometry"]], how="intersection", keep_geom_type=True
    )
    pieces["floor_area"] = pieces.geometry.area * pieces["floors"].fillna(1)
    pieces["footprint"] = pieces.geometry.area
    sums = pieces.groupby("pid")[["floor_area", "footprint"]].sum()
    parcels = parcels.join(sums, on="pid")
    parcels["far_m"] = parcels["floor_area"].fillna(0) / parcels["area_m2"]
    parcels["cov_m"] = parcels["footprint"].fillna(0) / parcels["area_m2"]
    t["far"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    code = parcels["land_use"].astype(str)
    industrial = code.str.startswith("1001") | code.str.startswith("1002") | code.str.startswith("1101")
    commercial = code.str.startswith("09")
    residential = code.str.startswith("07")
    tax = pd.to_numeric(parcels["tax_mu"], errors="coerce")
    year = pd.to_numeric(parcels["yr_built"], errors="coerce")
    parcels["low"] = (
        (industrial & ((parcels["far_m"] < 1.0) | (tax < 10)))
        | (commercial & ((parcels["far_m"] < 1.0) | (year < 1990)))
        | (residential & (year < 1990))
    )
    t["rules"] = time.perf_counter() - t2

    t3 = time.perf_counter()
    low = parcels[parcels["low"]]
    merged = low.geometry.buffer(15.0).union_all()
    clusters = gpd.GeoDataFrame(geometry=[merged], crs=parcels.crs).explode(index_parts=False).reset_index(drop=True)
    clusters["cluster"] = range(len(clusters))
    joined = gpd.sjoin(low[["pid", "town", "area_m2", "geometry"]], clusters, predicate="intersects", how="left")
    joined = joined.drop_duplicates("pid")
    t["cluster"] = time.perf_counter() - t3

    t4 = time.perf_counter()
    zones = joined.dissolve(by="cluster", aggfunc={"area_m2": "sum", "town": "first"})
    t["dissolve"] = time.perf_counter() - t4

    t5 = time.perf_counter()
    parcels.drop(columns=["floor_area", "footprint"]).to_file(out_path, layer="parcels", driver="GPKG", engine="pyogrio")
    zones.to_file(out_path, layer="clusters", driver="GPKG", engine="pyogrio")
    t["write"] = time.perf_counter() - t5
    t["total"] = time.perf_counter() - t0
    print(json.dumps({"peer": "geopandas", "parcels": len(parcels), "low": int(parcels["low"].sum()),
                      "clusters": len(zones), "seconds": {k: round(v, 2) for k, v in t.items()}}))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
