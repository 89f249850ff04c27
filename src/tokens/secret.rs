//! The wire format of every secret gatehouse issues.
//!
//! `<prefix>_<key id: 16 base62><secret: 32 base62><checksum: 6 base62>`, e.g.
//! `gat_3Fq…`. The prefix names the kind so secret scanners and people recognise a leaked token;
//! the CRC-32 checksum lets us (and scanners) reject a mistyped or made-up token without a
//! database read; the key id is the lookup key; only a SHA-256 of the secret part is stored and it
//! is compared in constant time.

use rand::distributions::{Alphanumeric, DistString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const KEY_ID_LEN: usize = 16;
const SECRET_LEN: usize = 32;
const CHECKSUM_LEN: usize = 6;
const BODY_LEN: usize = KEY_ID_LEN + SECRET_LEN + CHECKSUM_LEN;

/// What a token authenticates as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A person's personal access token (admin API).
    Personal,
    /// The bearer secret of an IdP connection (SCIM).
    ScimConnection,
    /// A service account's token.
    ServiceAccount,
    /// An app actor's token.
    AppActor,
}

impl TokenKind {
    pub const ALL: [TokenKind; 4] = [
        TokenKind::Personal,
        TokenKind::ScimConnection,
        TokenKind::ServiceAccount,
        TokenKind::AppActor,
    ];

    /// The recognisable prefix, without the underscore.
    pub fn prefix(self) -> &'static str {
        match self {
            TokenKind::Personal => "gat",
            TokenKind::ScimConnection => "gsc",
            TokenKind::ServiceAccount => "gsa",
            TokenKind::AppActor => "gaa",
        }
    }

    /// The value stored in `tokens.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Personal => "personal",
            TokenKind::ScimConnection => "scim_connection",
            TokenKind::ServiceAccount => "service_account",
            TokenKind::AppActor => "app_actor",
        }
    }
}

/// A newly minted token: the full text (shown once) and what is stored.
#[derive(Debug, Clone)]
pub struct MintedToken {
    pub plaintext: String,
    pub key_id: String,
    pub secret_hash: String,
}

/// The parts of a well-formed token presented by a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedToken<'a> {
    pub kind: TokenKind,
    pub key_id: &'a str,
    secret: &'a str,
}

impl PresentedToken<'_> {
    /// Whether the presented secret hashes to `stored_hash`, compared in constant time.
    pub fn secret_matches(&self, stored_hash: &str) -> bool {
        let presented = hash_secret(self.secret);
        presented.as_bytes().ct_eq(stored_hash.as_bytes()).into()
    }
}

/// Mints a token of a kind from the operating system's random generator.
pub fn mint(kind: TokenKind) -> MintedToken {
    let mut rng = rand::rngs::OsRng;
    let key_id = Alphanumeric.sample_string(&mut rng, KEY_ID_LEN);
    let secret = Alphanumeric.sample_string(&mut rng, SECRET_LEN);
    let checksum = checksum(kind, &key_id, &secret);
    MintedToken {
        plaintext: format!("{}_{key_id}{secret}{checksum}", kind.prefix()),
        secret_hash: hash_secret(&secret),
        key_id,
    }
}

/// Splits a presented token into its parts, or `None` if it is not one of ours or its checksum
/// is wrong. Does no database work.
pub fn parse(token: &str) -> Option<PresentedToken<'_>> {
    let (prefix, body) = token.split_once('_')?;
    let kind = TokenKind::ALL.into_iter().find(|k| k.prefix() == prefix)?;
    if body.len() != BODY_LEN || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let (key_id, rest) = body.split_at(KEY_ID_LEN);
    let (secret, sum) = rest.split_at(SECRET_LEN);
    if checksum(kind, key_id, secret)
        .as_bytes()
        .ct_eq(sum.as_bytes())
        .into()
    {
        Some(PresentedToken {
            kind,
            key_id,
            secret,
        })
    } else {
        None
    }
}

fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// CRC-32 of `prefix_keyid+secret`, as 6 base62 digits.
fn checksum(kind: TokenKind, key_id: &str, secret: &str) -> String {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(kind.prefix().as_bytes());
    hasher.update(b"_");
    hasher.update(key_id.as_bytes());
    hasher.update(secret.as_bytes());
    base62(u64::from(hasher.finalize()), CHECKSUM_LEN)
}

fn base62(mut n: u64, width: usize) -> String {
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_parses_and_matches_its_hash() {
        for kind in TokenKind::ALL {
            let minted = mint(kind);
            assert!(minted.plaintext.starts_with(&format!("{}_", kind.prefix())));
            let parsed = parse(&minted.plaintext).unwrap();
            assert_eq!(parsed.kind, kind);
            assert_eq!(parsed.key_id, minted.key_id);
            assert!(parsed.secret_matches(&minted.secret_hash));
        }
    }

    #[test]
    fn a_token_with_one_changed_character_is_rejected_by_its_checksum() {
        let minted = mint(TokenKind::Personal);
        let mut bytes = minted.plaintext.into_bytes();
        let i = bytes.len() - 10;
        bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
        assert!(parse(&String::from_utf8(bytes).unwrap()).is_none());
    }

    #[test]
    fn the_wrong_secret_does_not_match_a_stored_hash() {
        let a = mint(TokenKind::ScimConnection);
        let b = mint(TokenKind::ScimConnection);
        assert!(!parse(&a.plaintext).unwrap().secret_matches(&b.secret_hash));
    }

    #[test]
    fn foreign_or_malformed_tokens_are_not_parsed() {
        for bad in [
            "",
            "gat_",
            "xyz_abc",
            "gat_short",
            "Bearer gat_x",
            "gat_!!!!",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }
}
