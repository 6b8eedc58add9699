//! What the financing endpoints read and write, and how requests become the services'
//! commands.

pub mod applications;
pub mod calculator;
pub mod products;

pub use crate::financing::stored::{DocumentRef, InstallmentDto, QuoteDto};
pub use applications::{
    ApplicationDto, ApplicationEventDto, ApplicationListQuery, CreateApplication, StatusChange,
};
pub use calculator::{
    AffordabilityRequestDto, AffordabilityResponse, CalculateRequest, ComparePlan, CompareRequest,
    CompareResponse, ComparedPlanDto, MethodDto,
};
pub use products::{
    CreateFinanceProduct, FinanceProductDto, PatchFinanceProduct, ProductListQuery,
    ProductTermsDto, PromotionDto, RateBandDto,
};

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use serde_json::Value;
    use validator::Validate;

    use super::*;

    fn examples() -> Value {
        let doc = crate::openapi::document_of(&crate::financing::endpoints());
        serde_json::to_value(doc).unwrap()["components"]["schemas"].clone()
    }

    /// A request example that the server would refuse teaches integrators the wrong thing.
    fn accepted<T: DeserializeOwned + Validate>(schemas: &Value, name: &str) -> T {
        let example = schemas[name]["example"].clone();
        assert!(example.is_object(), "{name} has no example");
        let value: T = serde_json::from_value(example)
            .unwrap_or_else(|e| panic!("{name}'s example does not parse: {e}"));
        crate::validate::check(&value)
            .unwrap_or_else(|e| panic!("{name}'s example breaks a rule: {e:?}"));
        value
    }

    #[test]
    fn request_examples_are_accepted() {
        let schemas = examples();
        accepted::<CalculateRequest>(&schemas, "CalculateRequest")
            .to_loan()
            .unwrap();
        accepted::<AffordabilityRequestDto>(&schemas, "AffordabilityRequestDto")
            .to_request()
            .unwrap();
        accepted::<CompareRequest>(&schemas, "CompareRequest")
            .to_comparison()
            .unwrap();
        accepted::<ComparePlan>(&schemas, "ComparePlan");
        accepted::<CreateFinanceProduct>(&schemas, "CreateFinanceProduct")
            .to_command()
            .unwrap()
            .terms
            .validate()
            .unwrap();
        accepted::<PatchFinanceProduct>(&schemas, "PatchFinanceProduct")
            .to_changes()
            .unwrap();
        accepted::<ProductTermsDto>(&schemas, "ProductTermsDto")
            .to_terms()
            .unwrap()
            .validate()
            .unwrap();
        accepted::<CreateApplication>(&schemas, "CreateApplication")
            .to_command()
            .unwrap();
        accepted::<StatusChange>(&schemas, "StatusChange")
            .to_step()
            .unwrap();
        accepted::<DocumentRef>(&schemas, "DocumentRef");
    }

    #[test]
    fn response_examples_are_priced_by_the_calculator() {
        let schemas = examples();
        for name in [
            "QuoteDto",
            "InstallmentDto",
            "AffordabilityResponse",
            "ComparedPlanDto",
            "CompareResponse",
            "ApplicationDto",
            "ApplicationEventDto",
            "FinanceProductDto",
        ] {
            assert!(
                schemas[name]["example"].is_object(),
                "{name} has no example"
            );
        }
        let quote = &schemas["QuoteDto"]["example"];
        assert_eq!(quote["schedule"].as_array().unwrap().len(), 12);
        assert_eq!(quote["financed_amount_cents"], 10_500_000);
        assert_eq!(schemas["ApplicationDto"]["example"]["quote"], *quote);
        let affordable = &schemas["AffordabilityResponse"]["example"];
        assert!(
            affordable["plan"]["monthly_payment_cents"]
                .as_i64()
                .unwrap()
                <= 900_000
        );
        let compared = schemas["CompareResponse"]["example"]["plans"]
            .as_array()
            .unwrap()
            .clone();
        let costs: Vec<i64> = compared
            .iter()
            .map(|p| p["total_cost_cents"].as_i64().unwrap())
            .collect();
        assert!(costs.windows(2).all(|w| w[0] <= w[1]), "cheapest first");
        assert_eq!(compared[1], schemas["ComparedPlanDto"]["example"]);
    }
}
