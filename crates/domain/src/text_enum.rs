//! Enums that travel as snake_case text: in JSON, in the database and in query strings.

/// Declares an enum whose variants each have one wire name, with `ALL`, `as_str`,
/// `Display`, `FromStr` and serde in that form, so no list of names is ever written twice.
///
/// ```
/// autocrm_domain::text_enum! {
///     /// How a customer prefers to pay.
///     pub enum Pay { Cash = "cash", Loan = "loan" }
/// }
/// assert_eq!("loan".parse::<Pay>(), Ok(Pay::Loan));
/// assert_eq!(Pay::ALL.len(), 2);
/// ```
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every wire name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl $crate::text_enum::TextEnum for $name {
            const NAMES: &'static [&'static str] = $name::NAMES;
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::text_enum::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::text_enum::UnknownName {
                        expected: Self::NAMES,
                    }),
                }
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as $crate::__private::serde::Deserialize>::deserialize(d)?;
                text.parse()
                    .map_err(|_| $crate::__private::serde::de::Error::unknown_variant(&text, Self::NAMES))
            }
        }
    };
}

/// What every `text_enum!` shares, for code generic over them (validation, schemas).
pub trait TextEnum: Copy + std::str::FromStr + 'static {
    const NAMES: &'static [&'static str];
    fn as_str(self) -> &'static str;
}

/// A name that is not one of an enum's wire names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of: {}", expected.join(", "))]
pub struct UnknownName {
    pub expected: &'static [&'static str],
}

#[cfg(test)]
mod tests {
    crate::text_enum! {
        enum Colour { Red = "red", DeepBlue = "deep_blue" }
    }

    #[test]
    fn names_round_trip_through_text_and_json() {
        for c in Colour::ALL {
            assert_eq!(c.as_str().parse::<Colour>(), Ok(*c));
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(serde_json::from_str::<Colour>(&json).unwrap(), *c);
        }
        assert_eq!(Colour::DeepBlue.to_string(), "deep_blue");
        let err = "green".parse::<Colour>().unwrap_err();
        assert_eq!(err.to_string(), "must be one of: red, deep_blue");
        assert!(serde_json::from_str::<Colour>("\"DeepBlue\"").is_err());
    }
}
