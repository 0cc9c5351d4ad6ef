//! The interchange format of SPEC §3 and the tools that move records in and out of a market:
//! readers for JSONL, CSV and XLSX, validation into domain records, the importer and the
//! exporter (C14).

pub mod columns;
pub mod contracts;
pub mod export;
pub mod import;
pub mod read;
pub mod records;
pub mod validate;

pub use export::{ExportError, Selection, export_file};
pub use import::{ImportReport, Importer};
pub use read::{FileError, Format, RowError};
