//! Newtypes for values that must never reach a log, a panic message or the
//! page by accident (oauth2-rs style): their `Debug` prints `[redacted]`.

/// Declares a secret string newtype with a redacted `Debug` and an explicit
/// `secret()` accessor, so every read of the raw value is visible in review.
macro_rules! secret_string {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        // Serialized only into this tab's sessionStorage (token_storage
        // "session") and to tabs of the same session (BroadcastChannel).
        #[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps the raw value, as the provider sent it.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The raw value, for the one place that must send or store it.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

pub(crate) use secret_string;
