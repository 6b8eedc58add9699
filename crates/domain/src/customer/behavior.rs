//! Behaviour events posted by apps and mini-programs, and their summary per customer: which
//! models a customer keeps looking at, how often, and how recently.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::text::half_width;

crate::text_enum! {
    pub enum BehaviorEventType {
        /// Opened a car's detail page (one model).
        VehicleViewed = "vehicle_viewed",
        /// Compared cars side by side (two or more models).
        VehicleCompared = "vehicle_compared",
        VehicleFavorited = "vehicle_favorited",
        VehicleShared = "vehicle_shared",
        /// Used the loan calculator, for a model or in general.
        FinancingCalculated = "financing_calculated",
        /// Asked for a valuation of the car to trade in (估价).
        TradeInValued = "trade_in_valued",
        /// Asked for the best price (询底价).
        PriceInquired = "price_inquired",
        TestDriveRequested = "test_drive_requested",
        /// Tapped to call the store.
        CallClicked = "call_clicked",
        /// Opened navigation to a store.
        StoreNavigated = "store_navigated",
        CouponClaimed = "coupon_claimed",
        SearchPerformed = "search_performed",
        PageViewed = "page_viewed",
        /// Opened the app or mini-program.
        SessionStarted = "session_started",
    }
}

/// Most models one comparison may name.
pub const MAX_COMPARED_MODELS: usize = 10;
/// Longest brand or model name, in characters.
pub const MAX_MODEL_NAME_CHARS: usize = 60;

impl BehaviorEventType {
    /// How many models an event of this type names.
    pub fn model_count(self) -> RangeInclusive<usize> {
        use BehaviorEventType::*;
        match self {
            VehicleViewed | VehicleFavorited | VehicleShared | PriceInquired => 1..=1,
            VehicleCompared => 2..=MAX_COMPARED_MODELS,
            FinancingCalculated | TestDriveRequested | TradeInValued => 0..=1,
            CallClicked | StoreNavigated | CouponClaimed | SearchPerformed | PageViewed
            | SessionStarted => 0..=0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BehaviorEventError {
    #[error("brand and model must be 1 to {MAX_MODEL_NAME_CHARS} characters")]
    InvalidModel,
    #[error("a {event_type} event names {min} to {max} models, not {given}")]
    ModelCount {
        event_type: BehaviorEventType,
        min: usize,
        max: usize,
        given: usize,
    },
    #[error("a comparison names each model once")]
    RepeatedModel,
}

/// A car model as the apps name it (`比亚迪` / `汉`): trimmed, half-width, inner spaces
/// collapsed, so the same model posted twice counts once.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "ModelFields")]
pub struct ModelRef {
    brand: String,
    model: String,
}

#[derive(Deserialize)]
struct ModelFields {
    brand: String,
    model: String,
}

impl TryFrom<ModelFields> for ModelRef {
    type Error = BehaviorEventError;
    fn try_from(fields: ModelFields) -> Result<Self, Self::Error> {
        Self::new(&fields.brand, &fields.model)
    }
}

impl ModelRef {
    pub fn new(brand: &str, model: &str) -> Result<Self, BehaviorEventError> {
        let clean = |text: &str| {
            let text: String = text.chars().map(half_width).collect();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let length = text.chars().count();
            if (1..=MAX_MODEL_NAME_CHARS).contains(&length) && !text.chars().any(char::is_control) {
                Ok(text)
            } else {
                Err(BehaviorEventError::InvalidModel)
            }
        };
        Ok(Self {
            brand: clean(brand)?,
            model: clean(model)?,
        })
    }

    pub fn brand(&self) -> &str {
        &self.brand
    }

    pub fn model(&self) -> &str {
        &self.model
    }
}

/// One event, as the service hands it over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BehaviorEvent {
    pub event_type: BehaviorEventType,
    pub occurred_at: DateTime<Utc>,
    /// The day of `occurred_at` in the organisation's time zone, which the domain cannot know.
    pub local_date: NaiveDate,
    /// The models the event is about; see [`BehaviorEventType::model_count`].
    #[serde(default)]
    pub models: Vec<ModelRef>,
}

impl BehaviorEvent {
    /// The rules an accepted event keeps: as many models as its type names, none twice.
    pub fn check(&self) -> Result<(), BehaviorEventError> {
        let expected = self.event_type.model_count();
        if !expected.contains(&self.models.len()) {
            return Err(BehaviorEventError::ModelCount {
                event_type: self.event_type,
                min: *expected.start(),
                max: *expected.end(),
                given: self.models.len(),
            });
        }
        let distinct: BTreeSet<&ModelRef> = self.models.iter().collect();
        if distinct.len() != self.models.len() {
            return Err(BehaviorEventError::RepeatedModel);
        }
        Ok(())
    }
}

/// How much a customer looked at one model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelInterest {
    pub model: ModelRef,
    pub views: u32,
    /// Comparisons that included the model.
    pub comparisons: u32,
    /// Distinct local days with a view of the model.
    pub days_viewed: u32,
    pub last_viewed_at: Option<DateTime<Utc>>,
}

/// A customer's behaviour at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct BehaviorSummary {
    pub events: u32,
    /// Distinct local days with at least one event.
    pub days_active: u32,
    pub first_seen_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
    /// The local day of the latest event.
    pub last_active_on: Option<NaiveDate>,
    pub by_type: BTreeMap<BehaviorEventType, u32>,
    /// Every model viewed or compared: most viewed first, then most compared, then by name.
    pub models: Vec<ModelInterest>,
}

impl BehaviorSummary {
    /// Summarises events in any order; the same events always give the same summary.
    pub fn of(events: &[BehaviorEvent]) -> Self {
        let mut summary = Self::default();
        let mut days = BTreeSet::new();
        let mut latest = None;
        let mut models: BTreeMap<&ModelRef, (ModelInterest, BTreeSet<NaiveDate>)> = BTreeMap::new();
        for event in events {
            summary.events += 1;
            *summary.by_type.entry(event.event_type).or_default() += 1;
            days.insert(event.local_date);
            let first = summary.first_seen_at.get_or_insert(event.occurred_at);
            *first = (*first).min(event.occurred_at);
            latest = latest.max(Some((event.occurred_at, event.local_date)));
            let counts_view = event.event_type == BehaviorEventType::VehicleViewed;
            let counts_comparison = event.event_type == BehaviorEventType::VehicleCompared;
            if !(counts_view || counts_comparison) {
                continue;
            }
            for model in &event.models {
                let (interest, view_days) = models.entry(model).or_insert_with(|| {
                    let interest = ModelInterest {
                        model: model.clone(),
                        views: 0,
                        comparisons: 0,
                        days_viewed: 0,
                        last_viewed_at: None,
                    };
                    (interest, BTreeSet::new())
                });
                if counts_view {
                    interest.views += 1;
                    view_days.insert(event.local_date);
                    interest.last_viewed_at = interest.last_viewed_at.max(Some(event.occurred_at));
                } else {
                    interest.comparisons += 1;
                }
            }
        }
        summary.days_active = count(days.len());
        summary.last_seen_at = latest.map(|(at, _)| at);
        summary.last_active_on = latest.map(|(_, day)| day);
        summary.models = models
            .into_values()
            .map(|(mut interest, view_days)| {
                interest.days_viewed = count(view_days.len());
                interest
            })
            .collect();
        summary.models.sort_by(|a, b| {
            (b.views, b.comparisons)
                .cmp(&(a.views, a.comparisons))
                .then_with(|| a.model.cmp(&b.model))
        });
        summary
    }

    /// Events of one type.
    pub fn count(&self, event_type: BehaviorEventType) -> u32 {
        self.by_type.get(&event_type).copied().unwrap_or(0)
    }

    /// The model viewed most often, if any was viewed.
    pub fn most_viewed(&self) -> Option<&ModelInterest> {
        self.models.first().filter(|m| m.views > 0)
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::BehaviorEventType::*;
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn model(brand: &str, name: &str) -> ModelRef {
        ModelRef::new(brand, name).unwrap()
    }

    fn event(
        event_type: BehaviorEventType,
        day: u32,
        hour: u32,
        models: &[&ModelRef],
    ) -> BehaviorEvent {
        BehaviorEvent {
            event_type,
            // 16:00 UTC is midnight in Beijing: the local date is the service's to give.
            occurred_at: Utc.with_ymd_and_hms(2025, 5, day, hour, 0, 0).unwrap(),
            local_date: NaiveDate::from_ymd_opt(2025, 5, if hour >= 16 { day + 1 } else { day })
                .unwrap(),
            models: models.iter().map(|m| (*m).clone()).collect(),
        }
    }

    #[test]
    fn models_normalise() {
        assert_eq!(model(" 比亚迪 ", "汉  EV"), model("比亚迪", "汉 ＥＶ"));
        assert_eq!(
            ModelRef::new("", "汉"),
            Err(BehaviorEventError::InvalidModel)
        );
        assert!(ModelRef::new("BYD", &"x".repeat(61)).is_err());
        let json = serde_json::to_string(&model("理想", "L6")).unwrap();
        assert_eq!(json, r#"{"brand":"理想","model":"L6"}"#);
        assert_eq!(
            serde_json::from_str::<ModelRef>(r#"{"brand":" 理想","model":"L6 "}"#).unwrap(),
            model("理想", "L6")
        );
        assert!(serde_json::from_str::<ModelRef>(r#"{"brand":"","model":"L6"}"#).is_err());
    }

    #[test]
    fn events_name_the_right_number_of_models() {
        let han = model("比亚迪", "汉");
        let model3 = model("特斯拉", "Model 3");
        assert!(event(VehicleViewed, 1, 9, &[&han]).check().is_ok());
        assert!(
            event(VehicleCompared, 1, 9, &[&han, &model3])
                .check()
                .is_ok()
        );
        assert!(event(PageViewed, 1, 9, &[]).check().is_ok());
        assert!(event(FinancingCalculated, 1, 9, &[]).check().is_ok());
        assert_eq!(
            event(VehicleViewed, 1, 9, &[]).check(),
            Err(BehaviorEventError::ModelCount {
                event_type: VehicleViewed,
                min: 1,
                max: 1,
                given: 0
            })
        );
        assert!(event(VehicleCompared, 1, 9, &[&han]).check().is_err());
        assert_eq!(
            event(VehicleCompared, 1, 9, &[&han, &han]).check(),
            Err(BehaviorEventError::RepeatedModel)
        );
    }

    #[test]
    fn a_summary_counts_views_days_and_comparisons() {
        let han = model("比亚迪", "汉");
        let model3 = model("特斯拉", "Model 3");
        let l6 = model("理想", "L6");
        let events = [
            event(VehicleViewed, 1, 2, &[&han]),
            event(VehicleViewed, 1, 3, &[&han]),
            // Evening in Beijing, already the next local day.
            event(VehicleViewed, 1, 17, &[&han]),
            event(VehicleViewed, 3, 9, &[&model3]),
            event(VehicleCompared, 3, 10, &[&han, &model3]),
            event(VehicleCompared, 4, 10, &[&model3, &l6]),
            event(FinancingCalculated, 4, 11, &[&han]),
            event(PageViewed, 2, 1, &[]),
        ];
        let summary = BehaviorSummary::of(&events);
        assert_eq!(summary.events, 8);
        assert_eq!(summary.days_active, 4);
        assert_eq!(summary.first_seen_at, Some(events[0].occurred_at));
        assert_eq!(summary.last_seen_at, Some(events[6].occurred_at));
        assert_eq!(summary.last_active_on, NaiveDate::from_ymd_opt(2025, 5, 4));
        assert_eq!(summary.count(VehicleCompared), 2);
        assert_eq!(summary.count(SessionStarted), 0);
        let rows: Vec<_> = summary
            .models
            .iter()
            .map(|m| (m.model.model(), m.views, m.comparisons, m.days_viewed))
            .collect();
        assert_eq!(
            rows,
            [("汉", 3, 1, 2), ("Model 3", 1, 2, 1), ("L6", 0, 1, 0)]
        );
        assert_eq!(summary.most_viewed().unwrap().model, han);
        assert_eq!(
            summary.models[0].last_viewed_at,
            Some(events[2].occurred_at)
        );
    }

    #[test]
    fn nothing_to_summarise() {
        let summary = BehaviorSummary::of(&[]);
        assert_eq!(summary, BehaviorSummary::default());
        assert!(summary.most_viewed().is_none());
    }

    fn any_event() -> impl Strategy<Value = BehaviorEvent> {
        let models = ["汉", "秦", "宋", "唐"].map(|m| model("比亚迪", m));
        (
            prop::sample::select(BehaviorEventType::ALL.to_vec()),
            1u32..28,
            0u32..24,
            prop::sample::subsequence(models.to_vec(), 0..=3),
        )
            .prop_map(|(t, day, hour, models)| {
                event(t, day, hour, &models.iter().collect::<Vec<_>>())
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn the_order_of_events_does_not_matter(mut events in prop::collection::vec(any_event(), 0..20)) {
            let summary = BehaviorSummary::of(&events);
            events.reverse();
            prop_assert_eq!(&BehaviorSummary::of(&events), &summary);
            let views: u32 = summary.models.iter().map(|m| m.views).sum();
            let view_events = events.iter().filter(|e| e.event_type == VehicleViewed).map(|e| e.models.len() as u32).sum::<u32>();
            prop_assert_eq!(views, view_events);
            prop_assert!(summary.days_active <= summary.events);
        }
    }
}
