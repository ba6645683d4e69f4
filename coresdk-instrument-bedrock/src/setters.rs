//! Delegating setters: the traced builders keep the SDK's fluent API.

/// Generates `pub fn name(mut self, args..) -> Self` methods that forward to
/// the wrapped SDK fluent builder (`self.inner`), documented by a link to it.
macro_rules! delegate_setters {
    ($builder:literal; $( $name:ident ( $($arg:ident : $ty:ty),* ); )*) => {
        $(
            #[doc = concat!("Same as the SDK builder's [`", stringify!($name), "`](aws_sdk_bedrockruntime::", $builder, "::", stringify!($name), ").")]
            #[inline]
            pub fn $name(mut self, $($arg: $ty),*) -> Self {
                self.inner = self.inner.$name($($arg),*);
                self
            }
        )*
    };
}

pub(crate) use delegate_setters;
