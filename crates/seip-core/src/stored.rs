//! Names under which a closed set of values (a status, a kind, an outcome) is stored.
//!
//! [`stored_names!`](crate::stored_names) gives an enum its one spelling: `as_str`,
//! `Display` and `FromStr` from a single table, and `ALL` for the migrations that teach
//! the database the same set. A service's store then holds the enum itself in a column
//! (sea-orm's `DeriveValueType` with `value_type = "String"` goes through `Display` and
//! `FromStr`), so a stored name no version of Seip wrote fails the read, naming the value,
//! instead of being misread.

/// A stored name that names no value of the type it was read as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {type_name} {name:?}")]
pub struct UnknownName {
    /// The type read.
    pub type_name: &'static str,
    /// The name found.
    pub name: String,
}

/// Stored names for an enum's variants: `stored_names!(Status { Open => "open", … })`.
#[macro_export]
macro_rules! stored_names {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::stored::UnknownName;

            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    _ => Err($crate::stored::UnknownName {
                        type_name: stringify!($ty),
                        name: s.to_owned(),
                    }),
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    /// A closed set.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Light {
        Red,
        Green,
    }
    crate::stored_names!(Light { Red => "red", Green => "green" });

    #[test]
    fn names_round_trip_and_an_unknown_name_is_named() {
        for l in Light::ALL {
            assert_eq!(l.as_str().parse::<Light>(), Ok(*l));
            assert_eq!(l.to_string(), l.as_str());
        }
        assert_eq!(Light::Red.as_str(), "red");
        let err = "blue".parse::<Light>().unwrap_err();
        assert_eq!(err.to_string(), r#"unknown Light "blue""#);
    }
}
