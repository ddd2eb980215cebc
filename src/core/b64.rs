//! base64url without padding (RFC 4648 §5), the encoding RFC 7636 §3 and
//! JWS (RFC 7515 §2) use. Written out here rather than taken from the
//! base64 crate, whose generic engines cost the wasm several times more
//! for the two functions the app needs; the tests compare both.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding: what PKCE challenges, JWS parts, `state` and
/// the nonce are sent as.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// The bytes, or `None` for anything that is not canonical unpadded
/// base64url: another character, `=`, a length of 4n+1, or bits set past
/// the last byte (RFC 4648 §3.5).
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| ALPHABET.iter().position(|&a| a == c).map(|v| v as u32);
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.as_bytes().chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let bytes = chunk.len() - 1;
        if n & (0xFF_FFFF >> (8 * bytes)) != 0 {
            return None;
        }
        out.extend((0..bytes).map(|i| (n >> (16 - 8 * i)) as u8));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_4648_vectors() {
        // RFC 4648 §10, without padding.
        for (plain, encoded) in [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")] {
            assert_eq!(encode(plain.as_bytes()), encoded);
            assert_eq!(decode(encoded).as_deref(), Some(plain.as_bytes()));
        }
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn what_is_not_canonical_base64url_is_refused() {
        for bad in ["Z", "Zg==", "Zm9v+", "Zm9v/", "Zh", "Zm9", "Zm9vY", "a b", "é"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn agrees_with_the_base64_crate(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..80), text in "[A-Za-z0-9_=+/-]{0,12}") {
            use base64::engine::general_purpose::URL_SAFE_NO_PAD;
            use base64::Engine;
            proptest::prop_assert_eq!(encode(&bytes), URL_SAFE_NO_PAD.encode(&bytes));
            proptest::prop_assert_eq!(decode(&encode(&bytes)), Some(bytes));
            proptest::prop_assert_eq!(decode(&text), URL_SAFE_NO_PAD.decode(&text).ok());
        }
    }
}
