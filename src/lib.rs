//! Twofold's core: one-time codes, accounts, the vault and its key store, backups and QR decoding.
//! Only `ui` depends on egui; the command line and the window both call the rest.

pub mod account;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod otp;
pub mod qr;
pub mod recovery;
pub mod ui;
pub mod vault;
