//! Twofold's core: one-time codes, accounts, the vault and its key store, backups and QR decoding.
//! Nothing here depends on egui; the command line and the window both call it.

pub mod account;
pub mod cli;
pub mod clock;
pub mod otp;
pub mod qr;
pub mod recovery;
pub mod vault;
