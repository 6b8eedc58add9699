use rust_decimal_macros::dec;
use serde::Deserialize;
use serde::de::IntoDeserializer;
use serde::de::value::{Error, StrDeserializer};

use super::*;

fn method(name: &str) -> Result<Method, Error> {
    let de: StrDeserializer<'_, Error> = name.into_deserializer();
    Method::deserialize(de)
}

#[test]
fn method_wire_names_are_snake_case() {
    for m in [
        Method::EqualInstallment,
        Method::EqualPrincipal,
        Method::FlatRate,
        Method::Balloon,
    ] {
        assert_eq!(method(m.as_str()).unwrap(), m);
    }
    assert_eq!(
        method("equal_installment").unwrap(),
        Method::EqualInstallment
    );
    assert!(method("EqualInstallment").is_err());
}

#[test]
fn rates_always_carry_four_decimals() {
    let q = checked(&req(10_000_000, 0, 36, dec!(0), Method::EqualInstallment));
    assert_eq!(q.apr_percent.to_string(), "0.0000");
    let q = checked(&req(10_000_000, 0, 36, dec!(5), Method::EqualInstallment));
    assert_eq!(q.apr_percent.to_string(), "5.0000");
}
