//! Ingest: read parcel (and other polygon) layers into the model.

pub mod dbf;
pub mod shapefile;
