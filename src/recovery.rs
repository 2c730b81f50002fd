//! Recovery codes from what sites hand out: a downloaded file or a pasted block.
//!
//! A code is one run of letters and digits, or several equal-length groups joined by single spaces or
//! hyphens (`1234 5678`, `a1b2c-3d4e5`, `ABCDE-FGHIJ-KLMNO-PQRST-UVWXY`). Numbering (`1.`, `2)`),
//! bullets and check boxes are stripped; headers and sentences are skipped; cells separated by tabs or
//! wide gaps (two-column printouts) are read separately; duplicates are kept once.

use zeroize::Zeroizing;

const MIN_CODE_CHARS: usize = 6;
const MAX_CODE_CHARS: usize = 40;

/// Every recovery code found in `text`, in order, each once.
pub fn parse(text: &str) -> Vec<String> {
    let mut seen: Vec<Zeroizing<String>> = Vec::new();
    let mut codes = Vec::new();
    for line in text.lines() {
        for cell in cells(line) {
            if let Some(code) = code_in(cell) {
                let key = normalise(&code);
                if !seen.contains(&key) {
                    seen.push(key);
                    codes.push(code);
                }
            }
        }
    }
    codes
}

/// The comparison form of a code: letters and digits only, uppercase.
pub fn normalise(code: &str) -> Zeroizing<String> {
    Zeroizing::new(
        code.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    )
}

/// Splits a line on tabs and gaps of two or more spaces.
fn cells(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in line.split('\t') {
        let mut rest = part;
        while let Some(gap) = rest.find("  ") {
            out.push(&rest[..gap]);
            rest = rest[gap..].trim_start_matches(' ');
        }
        out.push(rest);
    }
    out.into_iter()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

fn code_in(cell: &str) -> Option<String> {
    let body = strip_marker(cell.trim());
    if body.is_empty() {
        return None;
    }
    // Only letters, digits and single inner separators.
    let groups: Vec<&str> = body.split([' ', '-']).collect();
    if groups
        .iter()
        .any(|g| g.is_empty() || !g.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return None;
    }
    let chars: usize = groups.iter().map(|g| g.len()).sum();
    if !(MIN_CODE_CHARS..=MAX_CODE_CHARS).contains(&chars) {
        return None;
    }
    let has_digit = body.chars().any(|c| c.is_ascii_digit());
    if groups.len() > 1 {
        // Sentences and headers have words of different lengths; codes have even groups.
        if groups.iter().any(|g| g.len() != groups[0].len()) {
            return None;
        }
        // "Save these", "Your codes": equal words of letters joined by spaces are prose.
        if !has_digit && body.contains(' ') {
            return None;
        }
        if is_date_or_time(&groups) {
            return None;
        }
    } else if !has_digit {
        // A lone word ("Important", "Codes") is a header, not a code.
        return None;
    }
    Some(body.to_string())
}

/// Removes a leading bullet, check box or list number.
fn strip_marker(cell: &str) -> &str {
    let mut s = cell;
    for box_marker in ["[ ]", "[x]", "[X]", "☐", "☑", "☒"] {
        if let Some(rest) = s.strip_prefix(box_marker) {
            s = rest.trim_start();
        }
    }
    if let Some(rest) = s.strip_prefix(['-', '*', '•', '·', '–', '—', '>', '+'])
        && rest.starts_with(' ')
    {
        s = rest.trim_start();
    }
    // "1." "12)" "(3)" "#4" "5:" followed by a space.
    let digits_start = usize::from(s.starts_with('(') || s.starts_with('#'));
    let digits_len = s[digits_start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .count();
    if (1..=3).contains(&digits_len) {
        let after = &s[digits_start + digits_len..];
        if let Some(rest) = after.strip_prefix(['.', ')', ':'])
            && (rest.starts_with(' ') || rest.is_empty())
        {
            return rest.trim_start();
        }
        if digits_start == 1 && after.starts_with(' ') {
            return after.trim_start();
        }
    }
    s
}

fn is_date_or_time(groups: &[&str]) -> bool {
    let numeric = groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()));
    numeric && groups.len() == 3 && (groups[0].len() == 4 || groups[2].len() == 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_spaced_code_is_one_code() {
        assert_eq!(
            parse("1. 1234 5678\n2. 8765 4321"),
            ["1234 5678", "8765 4321"]
        );
    }

    #[test]
    fn prose_and_dates_are_skipped() {
        assert!(
            parse("Save these codes\nKeep them safe.\nGenerated 2024-01-31\n2024-01-31\nImportant")
                .is_empty()
        );
    }
}
