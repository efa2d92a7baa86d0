//! Shared helpers for the Rust tests: the Azure wire data in tests/data/azure (copied into
//! the repository so the tests need nothing beside it; SOURCES.md there says from where).
#![allow(dead_code)]

use std::path::PathBuf;

pub fn azure_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/azure")
}

/// Every SSE body in the recordings and fixtures: (name, raw bytes as received).
pub fn sse_bodies() -> Vec<(String, Vec<u8>)> {
    let dir = azure_dir();
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir.join("recordings")).unwrap() {
        let path = entry.unwrap().path();
        let rec: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for (i, e) in rec["Entries"].as_array().unwrap().iter().enumerate() {
            if let Some(parts) = e["ResponseBody"].as_array() {
                if parts.iter().all(|p| p.is_string()) && !parts.is_empty() {
                    let body: String = parts.iter().map(|p| p.as_str().unwrap()).collect();
                    out.push((
                        format!("{}#{i}", path.file_name().unwrap().to_string_lossy()),
                        body.into_bytes(),
                    ));
                }
            }
        }
    }
    for entry in std::fs::read_dir(dir.join("fixtures")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            out.push((
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&path).unwrap(),
            ));
        }
    }
    out.sort();
    out
}

/// The events of a body, split by a plain reading of the format (no incremental state):
/// the reference the incremental decoder must match.
pub fn reference_events(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8(body.to_vec())
        .unwrap()
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let data: Vec<&str> = block
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(|d| d.strip_prefix(' ').unwrap_or(d))
            .collect();
        if !data.is_empty() {
            out.push(data.join("\n"));
        }
    }
    out
}
