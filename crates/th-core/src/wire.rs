//! [`wire_enum!`](crate::wire_enum): string enums of the services' wire values that keep the
//! values this version does not know.

/// Declares a string enum of wire values with an `Other(String)` variant for values this
/// version does not know, kept as sent (servers add values; a client must not fail on them).
///
/// The enum gets `as_str` / `from_wire`, `Display`, `From<&str>`, serde `Serialize` (the wire
/// string) and a lenient `Deserialize` (a string as it is, a number or boolean as its text, any
/// other value as its JSON text in `Other`), and [`ParamValue`](crate::ParamValue) (sent as the
/// wire string; an `Other` that is blank is refused before sending).
///
/// ```
/// th_core::wire_enum!(
///     /// A payment state.
///     PayState {
///         /// Paid.
///         Paid = "paid",
///         /// Waiting.
///         Waiting = "waiting",
///     }
/// );
///
/// assert_eq!(PayState::from_wire("paid"), PayState::Paid);
/// assert_eq!(PayState::from("refunded"), PayState::Other("refunded".into()));
/// let parsed: Vec<PayState> = serde_json::from_str(r#"["waiting", 7]"#).unwrap();
/// assert_eq!(parsed, [PayState::Waiting, PayState::Other("7".into())]);
/// assert_eq!(serde_json::to_string(&PayState::Paid).unwrap(), r#""paid""#);
/// ```
#[macro_export]
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version does not know, kept as sent.
            Other(String),
        }

        impl $name {
            /// The value as it goes on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Other(s) => s.as_str(),
                }
            }

            /// The variant for a wire value (an unknown one kept as `Other`).
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $($wire => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::from_wire(s)
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<Self, D::Error> {
                use $crate::__private::serde_json::Value;
                Ok(match <Value as $crate::__private::serde::Deserialize>::deserialize(d)? {
                    Value::String(s) => Self::from_wire(&s),
                    Value::Null => Self::Other(::std::string::String::new()),
                    other => Self::from_wire(&other.to_string()),
                })
            }
        }

        impl $crate::ParamValue for $name {
            fn to_form(&self) -> $crate::FormValue {
                $crate::FormValue::Str(self.as_str().to_owned())
            }
            fn validate(&self, field: &'static str) -> ::std::result::Result<(), $crate::InvalidInput> {
                match self {
                    Self::Other(s) if s.trim().is_empty() => {
                        Err($crate::InvalidInput::new(field, "must not be empty"))
                    }
                    _ => Ok(()),
                }
            }
        }
    };
}
