//! Twofold's integration tests: one binary, one module per area.

mod backup_age;
mod backup_cli;
mod backup_fixtures;
mod backup_hostile;
mod common;
mod otp_cli;
mod otp_oathtool;
mod otp_props;
mod otp_uri;
mod otp_vectors;
mod qr_cli;
mod qr_corpus;
mod qr_decode;
mod qr_desktop;
mod recovery_formats;
mod ui_backup;
mod ui_flows;
mod ui_scan;
mod ui_window;
mod vault_cli;
mod vault_crash;
mod vault_damage;
