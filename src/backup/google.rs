//! Google Authenticator's "Transfer accounts" export: `otpauth-migration://offline?data=...` links
//! (usually read from its QR codes; here from text, one or more links anywhere in the file, e.g. the
//! output of `twofold scan`). Each link is one batch of a numbered series; a missing batch is reported.
//!
//! Lost: nothing the format holds (it has no notes or tags). The format itself has only SHA1/SHA256/
//! SHA512, 6 or 8 digits and 30-second periods.

use std::collections::BTreeSet;

use super::{BackupError, Format, ImportFailure, Parsed};
use crate::otp::migration;

pub fn read(text: &str, now: i64) -> Result<Parsed, BackupError> {
    let mut parsed = super::otpauth_list::read_as(text, Format::GoogleMigration, now)?;
    check_batches(&mut parsed, text);
    Ok(parsed)
}

pub(crate) fn add_link(
    parsed: &mut Parsed,
    position: usize,
    link: &str,
    now: i64,
) -> Result<(), BackupError> {
    match migration::parse(link) {
        Ok(batch) => {
            for (j, entry) in batch.entries.into_iter().enumerate() {
                let pos = position * 1000 + j + 1;
                match entry {
                    Ok(token) => parsed.push_token(pos, Ok(token), "", "", Vec::new(), now)?,
                    Err(e) => parsed.fail(ImportFailure::new(
                        pos,
                        "",
                        format!("account {} of the link on line {position}: {e}", j + 1),
                    ))?,
                }
            }
            Ok(())
        }
        Err(e) => parsed.fail(ImportFailure::new(
            position,
            "",
            format!("the link on line {position}: {e}"),
        )),
    }
}

/// Notes parts of a numbered export that the text does not contain.
fn check_batches(parsed: &mut Parsed, text: &str) {
    let mut seen = BTreeSet::new();
    let mut size = 0;
    for line in text.lines() {
        let Some(at) = line.find("otpauth-migration://") else {
            continue;
        };
        let link = line[at..].split_whitespace().next().unwrap_or("");
        if let Ok(batch) = migration::parse(link) {
            size = size.max(batch.batch_size);
            seen.insert(batch.batch_index);
        }
    }
    let missing: Vec<String> = (0..size)
        .filter(|i| !seen.contains(i))
        .map(|i| (i + 1).to_string())
        .collect();
    if !missing.is_empty() {
        parsed.notes.push(format!(
            "this Google Authenticator export has {size} parts; part(s) {} are not in the file",
            missing.join(", ")
        ));
    }
}
