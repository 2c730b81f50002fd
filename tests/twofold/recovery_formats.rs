//! Recovery codes as the big providers hand them out, and as people paste them.

use twofold::recovery::parse;

#[test]
fn github_download() {
    // github-recovery-codes.txt: sixteen 5-5 hex codes, one a line.
    let text = "e4b1c-8a2f0\n3d9a7-bb012\n0c4de-55f19\n91f3a-0e6d2\n7ab28-c4d90\nd0e1f-2a3b4\n5c6d7-e8f90\n\
                a1b2c-3d4e5\nf6a7b-8c9d0\n12e3f-45a6b\n7c8d9-e0f1a\n2b3c4-d5e6f\n9a0b1-c2d3e\n4f5a6-b7c8d\n\
                e9f0a-1b2c3\n6d7e8-f9a0b\n";
    let codes = parse(text);
    assert_eq!(codes.len(), 16);
    assert_eq!(codes[0], "e4b1c-8a2f0");
    assert_eq!(codes[15], "6d7e8-f9a0b");
}

#[test]
fn google_printout_two_columns() {
    let text = "BACKUP VERIFICATION CODES\n\
                \n\
                jane.doe@gmail.com\n\
                \n\
                1. 6723 9904\t\t6. 1180 4467\n\
                2. 3319 2075\t\t7. 8841 0263\n\
                3. 5096 7731\t\t8. 2957 6648\n\
                4. 7402 1186\t\t9. 4433 9017\n\
                5. 0188 5529\t\t10. 6270 3381\n\
                \n\
                (Generated Dec 3, 2026)\n\
                * You can only use each backup code once.\n\
                * Need more backup codes? Visit g.co/2sv\n";
    let codes = parse(text);
    assert_eq!(
        codes,
        [
            "6723 9904",
            "1180 4467",
            "3319 2075",
            "8841 0263",
            "5096 7731",
            "2957 6648",
            "7402 1186",
            "4433 9017",
            "0188 5529",
            "6270 3381"
        ]
    );
}

#[test]
fn google_pasted_with_wide_spaces() {
    let codes = parse("1. 6723 9904      6. 1180 4467\n2. 3319 2075      7. 8841 0263\n");
    assert_eq!(codes, ["6723 9904", "1180 4467", "3319 2075", "8841 0263"]);
}

#[test]
fn microsoft_single_recovery_code() {
    let text = "Your new recovery code\n\nWrite down this code and keep it somewhere safe:\n\n\
                D6HR2-P6XBZ-7YXN8-K3JQ2-W4TQM\n";
    assert_eq!(parse(text), ["D6HR2-P6XBZ-7YXN8-K3JQ2-W4TQM"]);
}

#[test]
fn dropbox_backup_codes() {
    let text = "Dropbox backup codes\r\n\r\nFor: sam@example.com\r\n\r\n\
                h7x2 9kpf\r\nq3wm 8zra\r\n2tnc v6yd\r\nbj4e 7sgu\r\nm9lk 1opq\r\n\
                x5rt 3hbn\r\ne8cv 2wzl\r\nk4ud 6mya\r\np1fg 9jte\r\nr7sw 4nqx\r\n\r\n\
                Each code can only be used once.\r\n";
    let codes = parse(text);
    assert_eq!(codes.len(), 10);
    assert_eq!(codes[0], "h7x2 9kpf");
    assert_eq!(codes[9], "r7sw 4nqx");
}

#[test]
fn shop_admin_panel_bullets() {
    let text = "Save these codes\n\
                Store them in a safe place. Each code works once.\n\
                • 3F7K-9QWE-2ZXC\n\
                • 8HJD-4LMN-6PRT\n\
                • 1VBA-7YUI-5OPS\n\
                • 2DFG-3HJK-9LZX\n\
                - 6CVB-0NMQ-4WER\n\
                * 7TYU-1IOP-8ASD\n";
    let codes = parse(text);
    assert_eq!(
        codes,
        [
            "3F7K-9QWE-2ZXC",
            "8HJD-4LMN-6PRT",
            "1VBA-7YUI-5OPS",
            "2DFG-3HJK-9LZX",
            "6CVB-0NMQ-4WER",
            "7TYU-1IOP-8ASD"
        ]
    );
}

#[test]
fn messy_copy_paste() {
    let text = "   Recovery codes:   \n\n\
                01.  abcd-efgh  \n\
                (2) 12345678\n\
                3) 98765432\n\
                #4 aa11bb22\n\
                [ ] 55667788\n\
                \n\
                abcd-efgh\n\
                ABCD EFGH\n\
                12345678\n\
                Important\n\
                Code\n\
                2026-12-03\n\
                Done? Click continue.\n";
    assert_eq!(
        parse(text),
        ["abcd-efgh", "12345678", "98765432", "aa11bb22", "55667788"]
    );
}

#[test]
fn nothing_but_prose_finds_nothing() {
    assert!(parse("Save these codes\nKeep them somewhere safe\n\nThank you").is_empty());
    assert!(parse("").is_empty());
}
