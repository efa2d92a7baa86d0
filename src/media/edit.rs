//! Image edits (`/images/edits`): the input images and mask checked against the API's
//! limits (notes 01; openai-openapi CreateImageEditRequest), then sent as multipart form
//! data built here.

use crate::core::error::{LlmError, Result};
use crate::core::llm::sniff_image;
use crate::prelude::*;

/// The most images one edit takes.
pub const MAX_IMAGES: usize = 16;
/// Each input image must be smaller than this (50 MB).
pub const MAX_IMAGE_BYTES: usize = 50 * 1024 * 1024;
/// The mask must be smaller than this (4 MB).
pub const MAX_MASK_BYTES: usize = 4 * 1024 * 1024;

/// The inputs of an edit: images in order, and an optional mask for the first.
#[derive(Clone, Default, Debug)]
pub struct EditInputs {
    pub images: Vec<Vec<u8>>,
    pub mask: Option<Vec<u8>>,
}

/// Width and height of a PNG (IHDR) or JPEG (first SOFn), when readable.
pub fn dimensions(b: &[u8]) -> Option<(u32, u32)> {
    let be32 =
        |i: usize| -> Option<u32> { Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?)) };
    let be16 = |i: usize| -> Option<u32> {
        Some(u16::from_be_bytes(b.get(i..i + 2)?.try_into().ok()?) as u32)
    };
    if b.starts_with(b"\x89PNG\r\n\x1a\n") && b.get(12..16) == Some(b"IHDR") {
        return Some((be32(16)?, be32(20)?));
    }
    if b.starts_with(&[0xFF, 0xD8]) {
        let mut i = 2;
        while i + 4 <= b.len() {
            if b[i] != 0xFF {
                return None;
            }
            let marker = b[i + 1];
            if marker == 0xFF {
                i += 1;
                continue;
            }
            let len = be16(i + 2)? as usize;
            // SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC).
            if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
                return Some((be16(i + 7)?, be16(i + 5)?));
            }
            i += 2 + len;
        }
    }
    None
}

/// Whether a PNG can carry transparency: a colour type with alpha, or a tRNS chunk.
fn png_has_alpha(b: &[u8]) -> bool {
    if matches!(b.get(25), Some(4 | 6)) {
        return true;
    }
    let mut i = 8;
    while let Some(len) = b.get(i..i + 4) {
        let len = u32::from_be_bytes(len.try_into().unwrap_or([0; 4])) as usize;
        match b.get(i + 4..i + 8) {
            Some(b"tRNS") => return true,
            Some(b"IDAT") | None => return false,
            _ => i = i.saturating_add(12).saturating_add(len),
        }
    }
    false
}

/// Bytes as MB with one decimal, in integers (float formatting would cost the wasm KBs).
fn mb(n: usize) -> String {
    let tenths = (n as u64 * 10 + 512 * 1024) / (1024 * 1024);
    format!("{}.{} MB", tenths / 10, tenths % 10)
}

/// Checks the inputs for a model (`azure`: the endpoint is Azure, which takes PNG and JPEG
/// only). Nothing is sent when this fails.
pub fn check(inputs: &EditInputs, model: &str, azure: bool) -> Result<()> {
    let n = inputs.images.len();
    if n == 0 {
        return Err(LlmError::invalid_input(
            "params.images is empty",
            "Give at least one image to edit, or leave images out to generate.",
        ));
    }
    if n > MAX_IMAGES {
        return Err(LlmError::invalid_input(
            format!("params.images has {n} images; an edit takes at most {MAX_IMAGES}"),
            "Send at most 16 images.",
        ));
    }
    let allowed: &[&str] = if azure {
        &["image/png", "image/jpeg"]
    } else {
        &["image/png", "image/jpeg", "image/webp"]
    };
    for (i, img) in inputs.images.iter().enumerate() {
        if img.len() >= MAX_IMAGE_BYTES {
            return Err(LlmError::invalid_input(
                format!(
                    "params.images[{i}] is {}; each image must be under 50 MB",
                    mb(img.len())
                ),
                "Downscale or recompress the image first.",
            ));
        }
        match sniff_image(img) {
            Some(t) if allowed.contains(&t) => {}
            found => {
                return Err(LlmError::invalid_input(
                    format!(
                        "params.images[{i}] is {}; {model} edits {}",
                        found.unwrap_or("not an image (no PNG, JPEG or WebP signature)"),
                        if azure {
                            "PNG or JPEG on Azure"
                        } else {
                            "PNG, JPEG or WebP"
                        }
                    ),
                    "Convert the image to PNG or JPEG first.",
                ))
            }
        }
    }
    if let Some(mask) = &inputs.mask {
        if mask.len() >= MAX_MASK_BYTES {
            return Err(LlmError::invalid_input(
                format!(
                    "params.mask is {}; the mask must be under 4 MB",
                    mb(mask.len())
                ),
                "A mask is a PNG whose transparent pixels mark what to edit; save it smaller.",
            ));
        }
        if sniff_image(mask) != Some("image/png") {
            return Err(LlmError::invalid_input(
                "params.mask is not a PNG",
                "The mask must be a PNG with an alpha channel (transparent where to edit).",
            ));
        }
        if !png_has_alpha(mask) {
            return Err(LlmError::invalid_input(
                "params.mask has no alpha channel",
                "Save the mask as RGBA (or grey+alpha): its fully transparent pixels mark what to edit.",
            ));
        }
        if let (Some(m), Some(f)) = (dimensions(mask), dimensions(&inputs.images[0])) {
            if m != f {
                return Err(LlmError::invalid_input(
                    format!(
                        "params.mask is {}x{} but params.images[0] is {}x{}",
                        m.0, m.1, f.0, f.1
                    ),
                    "The mask must have the same dimensions as the first image.",
                ));
            }
        }
    }
    Ok(())
}

/// A multipart/form-data body, built once: text fields, then files.
pub struct Form {
    boundary: String,
    out: Vec<u8>,
}

impl Form {
    /// A boundary that occurs in none of `parts` (a hash of their sizes, changed until it
    /// does not occur: in practice the first one).
    pub fn new(parts: &[&[u8]]) -> Form {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for p in parts {
            h = (h ^ p.len() as u64).wrapping_mul(0x100_0000_01b3);
        }
        loop {
            let mut boundary = String::from("----llm-edge-");
            for i in (0..16).rev() {
                boundary.push(char::from(
                    b"0123456789abcdef"[(h >> (i * 4)) as usize & 15],
                ));
            }
            let b = boundary.as_bytes();
            if !parts.iter().any(|p| p.windows(b.len()).any(|w| w == b)) {
                return Form {
                    boundary,
                    out: Vec::with_capacity(parts.iter().map(|p| p.len() + 200).sum()),
                };
            }
            h = h.wrapping_mul(0x100_0000_01b3).wrapping_add(1);
        }
    }

    fn head(&mut self, name: &str, file: Option<(&str, &str)>) {
        self.out.extend_from_slice(b"--");
        self.out.extend_from_slice(self.boundary.as_bytes());
        self.out
            .extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
        // Field names come from our own table or params.extra's keys: quotes and line
        // breaks would break the framing, so they are escaped as browsers do.
        let escaped = name
            .replace('"', "%22")
            .replace('\r', "%0D")
            .replace('\n', "%0A");
        self.out.extend_from_slice(escaped.as_bytes());
        self.out.push(b'"');
        if let Some((filename, mime)) = file {
            self.out.extend_from_slice(b"; filename=\"");
            self.out.extend_from_slice(filename.as_bytes());
            self.out.extend_from_slice(b"\"\r\nContent-Type: ");
            self.out.extend_from_slice(mime.as_bytes());
        }
        self.out.extend_from_slice(b"\r\n\r\n");
    }

    pub fn text(&mut self, name: &str, value: &str) {
        self.head(name, None);
        self.out.extend_from_slice(value.as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    pub fn file(&mut self, name: &str, filename: &str, mime: &str, bytes: &[u8]) {
        self.head(name, Some((filename, mime)));
        self.out.extend_from_slice(bytes);
        self.out.extend_from_slice(b"\r\n");
    }

    /// The body and its content type.
    pub fn finish(mut self) -> (Vec<u8>, String) {
        self.out.extend_from_slice(b"--");
        self.out.extend_from_slice(self.boundary.as_bytes());
        self.out.extend_from_slice(b"--\r\n");
        let ct = format!("multipart/form-data; boundary={}", self.boundary);
        (self.out, ct)
    }
}

/// The file name extension for a sniffed MIME type.
pub fn extension(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => "jpg",
        "image/webp" => "webp",
        _ => "png",
    }
}
