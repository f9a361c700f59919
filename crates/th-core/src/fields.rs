//! The fields an answer's type knows: [`KnownFields`].
//!
//! Each service's answer types type some fields and keep the others as they came (`extra`).
//! [`KnownFields`] names the typed ones, by their wire names and in the order the type declares
//! them, so a generic consumer (the `th` command's output) can put the typed fields first and
//! keep every other field after them, without decoding the answer twice.
//!
//! The names are never written by hand where the type can tell them:
//! - [`deserialized_fields`] reads them from a plain `#[derive(Deserialize)]` struct (serde's
//!   own field list, renames applied);
//! - [`serialized_fields`] from a `Serialize + Default` type whose unknown fields are
//!   `#[serde(flatten)]`ed (serde hides a flattening struct's field list from deserializers,
//!   but serializing its default value names every typed field, in order, and no extra one).
//!
//! The serde tracer is ours rather than `serde-reflection`'s: we need one struct's field names
//! through `Vec`/`Option`/newtype wrappers, ~60 lines, where that crate traces whole type
//! graphs and needs sample values for some types.

use serde::de::{self, DeserializeOwned, DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserializer, Serialize};

/// The typed fields of one row of an answer.
///
/// For an answer that is one object, its typed fields; for a list or a page of rows, the typed
/// fields of a row. Wire names, in the order the type declares them; empty when nothing is typed.
pub trait KnownFields {
    /// The wire names of the typed fields of one row, in declared order.
    fn known_fields() -> Vec<String>;

    /// Where an object answer keeps its rows: the first of these members that holds an array.
    /// Empty (the default) when the type does not say: the answer is an array of rows, or one
    /// row, or keeps them where generic consumers look (`data`, `items`, ...).
    fn rows_at() -> &'static [&'static str] {
        &[]
    }
}

impl<T: KnownFields> KnownFields for Vec<T> {
    fn known_fields() -> Vec<String> {
        T::known_fields()
    }
}

impl<T: KnownFields> KnownFields for Option<T> {
    fn known_fields() -> Vec<String> {
        T::known_fields()
    }

    fn rows_at() -> &'static [&'static str] {
        T::rows_at()
    }
}

/// An untyped answer types nothing.
impl KnownFields for serde_json::Value {
    fn known_fields() -> Vec<String> {
        Vec::new()
    }
}

/// Implements [`KnownFields`] for types by one of the means above:
///
/// ```
/// # use serde::Deserialize;
/// #[derive(Deserialize)]
/// struct Group {
///     #[serde(rename = "rass_name")]
///     name: String,
///     rass_title: String,
/// }
/// th_core::known_fields!(deserialized: Group);
/// use th_core::KnownFields;
/// assert_eq!(Group::known_fields(), ["rass_name", "rass_title"]);
/// ```
///
/// `serialized: A, B` uses [`serialized_fields`]; `rows: Page => Row` says a page's rows are
/// `Row`s (`rows: Page => Row where KEYS` also where: [`KnownFields::rows_at`]);
/// `names: T => ["a", "b"]` lists them for a type decoded by hand.
#[macro_export]
macro_rules! known_fields {
    (deserialized: $($ty:ty),+ $(,)?) => {
        $(impl $crate::KnownFields for $ty {
            fn known_fields() -> ::std::vec::Vec<::std::string::String> {
                $crate::fields::deserialized_fields::<$ty>()
            }
        })+
    };
    (serialized: $($ty:ty),+ $(,)?) => {
        $(impl $crate::KnownFields for $ty {
            fn known_fields() -> ::std::vec::Vec<::std::string::String> {
                $crate::fields::serialized_fields::<$ty>()
            }
        })+
    };
    (rows: $($ty:ty => $row:ty $(where $keys:expr)?),+ $(,)?) => {
        $(impl $crate::KnownFields for $ty {
            fn known_fields() -> ::std::vec::Vec<::std::string::String> {
                <$row as $crate::KnownFields>::known_fields()
            }
            $(fn rows_at() -> &'static [&'static str] {
                $keys
            })?
        })+
    };
    (names: $($ty:ty => [$($name:literal),* $(,)?]),+ $(,)?) => {
        $(impl $crate::KnownFields for $ty {
            fn known_fields() -> ::std::vec::Vec<::std::string::String> {
                ::std::vec![$(::std::string::String::from($name)),*]
            }
        })+
    };
}

/// The field names serde's derive gives a struct (through `Vec`, `Option` and newtypes), in
/// declared order; empty for anything else (a map, a flattening struct, an enum).
pub fn deserialized_fields<T: DeserializeOwned>() -> Vec<String> {
    match T::deserialize(Tracer) {
        Err(Traced::Fields(fields)) => fields.iter().map(|f| (*f).to_owned()).collect(),
        _ => Vec::new(),
    }
}

/// The keys a type's default value serializes to, in order: every typed field of a
/// `#[serde(flatten)]`-keeping struct (its empty `extra` adds none). Empty when the value does
/// not serialize to an object.
pub fn serialized_fields<T: Serialize + Default>() -> Vec<String> {
    match serde_json::to_value(T::default()) {
        Ok(serde_json::Value::Object(map)) => map.into_iter().map(|(k, _)| k).collect(),
        _ => Vec::new(),
    }
}

/// How the tracer ends: with the struct's fields, or with nothing to say.
#[derive(Debug)]
enum Traced {
    Fields(&'static [&'static str]),
    Nothing,
}

impl std::fmt::Display for Traced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("traced")
    }
}

impl std::error::Error for Traced {}

impl de::Error for Traced {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        Traced::Nothing
    }
}

/// A deserializer that holds no data: it stops at the first struct and reports its fields.
struct Tracer;

impl<'de> Deserializer<'de> for Tracer {
    type Error = Traced;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Traced> {
        Err(Traced::Nothing)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Traced> {
        Err(Traced::Fields(fields))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Traced> {
        visitor.visit_some(Tracer)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Traced> {
        visitor.visit_newtype_struct(Tracer)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Traced> {
        visitor.visit_seq(OneItem)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct tuple tuple_struct map enum identifier ignored_any
    }
}

/// A sequence whose one item is traced.
struct OneItem;

impl<'de> SeqAccess<'de> for OneItem {
    type Error = Traced;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Traced> {
        seed.deserialize(Tracer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Plain {
        id: i64,
        #[serde(rename = "rass_title")]
        title: Option<String>,
        tags: Vec<String>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Wrapped(Plain);

    #[derive(Serialize, Deserialize, Default)]
    struct Flattening {
        id: Option<i64>,
        #[serde(rename = "createdAt")]
        created_at: Option<String>,
        #[serde(flatten)]
        extra: BTreeMap<String, serde_json::Value>,
    }

    known_fields!(deserialized: Plain, Wrapped);
    known_fields!(serialized: Flattening);
    known_fields!(names: u8 => ["value"]);
    known_fields!(rows: String => Plain);
    known_fields!(rows: i8 => Plain where &["plains"]);

    #[test]
    fn a_derived_struct_names_its_wire_fields_in_order() {
        assert_eq!(Plain::known_fields(), ["id", "rass_title", "tags"]);
        assert_eq!(Wrapped::known_fields(), ["id", "rass_title", "tags"]);
        assert_eq!(
            <Vec<Option<Plain>>>::known_fields(),
            ["id", "rass_title", "tags"]
        );
    }

    #[test]
    fn a_flattening_struct_names_its_typed_fields_and_no_extra() {
        assert!(deserialized_fields::<Flattening>().is_empty());
        assert_eq!(Flattening::known_fields(), ["id", "createdAt"]);
    }

    #[test]
    fn hand_lists_rows_and_untyped() {
        assert_eq!(u8::known_fields(), ["value"]);
        assert_eq!(String::known_fields(), ["id", "rass_title", "tags"]);
        assert!(String::rows_at().is_empty());
        assert_eq!(<Option<i8>>::rows_at(), ["plains"]);
        assert!(serde_json::Value::known_fields().is_empty());
        assert!(deserialized_fields::<BTreeMap<String, i64>>().is_empty());
    }
}
