//! Lead grades (DESIGN §5): how soon the customer buys.

use serde::{Deserialize, Serialize};

use crate::customer::PurchaseTimeframe;

crate::text_enum! {
    /// H buys within 7 days, A within 15, B within 30, C later or unknown. Declared hottest
    /// first, so the derived `Ord` sorts hottest first. Lost and invalid are lead statuses
    /// ([`super::LeadStatus`]), not grades.
    pub enum LeadGrade {
        H = "h",
        A = "a",
        B = "b",
        C = "c",
    }
}

impl LeadGrade {
    /// The grade a stated purchase window gives before engagement moves it.
    pub fn from_timeframe(timeframe: Option<PurchaseTimeframe>) -> LeadGrade {
        match timeframe {
            Some(PurchaseTimeframe::Within7Days) => LeadGrade::H,
            Some(PurchaseTimeframe::Within15Days) => LeadGrade::A,
            Some(PurchaseTimeframe::Within30Days) => LeadGrade::B,
            Some(
                PurchaseTimeframe::Within90Days
                | PurchaseTimeframe::Later
                | PurchaseTimeframe::Unknown,
            )
            | None => LeadGrade::C,
        }
    }

    /// 3 for H down to 0 for C.
    fn heat(self) -> u8 {
        match self {
            LeadGrade::H => 3,
            LeadGrade::A => 2,
            LeadGrade::B => 1,
            LeadGrade::C => 0,
        }
    }

    fn from_heat(heat: u8) -> LeadGrade {
        match heat {
            0 => LeadGrade::C,
            1 => LeadGrade::B,
            2 => LeadGrade::A,
            _ => LeadGrade::H,
        }
    }

    /// `steps` grades hotter, stopping at H.
    pub fn raised(self, steps: u8) -> LeadGrade {
        LeadGrade::from_heat(self.heat().saturating_add(steps).min(3))
    }

    /// `steps` grades colder, stopping at C.
    pub fn lowered(self, steps: u8) -> LeadGrade {
        LeadGrade::from_heat(self.heat().saturating_sub(steps))
    }
}

/// One value for each grade, as settings write it: `{"h": 1, "a": 3, "b": 7, "c": 15}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerGrade<T> {
    pub h: T,
    pub a: T,
    pub b: T,
    pub c: T,
}

impl<T> PerGrade<T> {
    pub fn get(&self, grade: LeadGrade) -> &T {
        match grade {
            LeadGrade::H => &self.h,
            LeadGrade::A => &self.a,
            LeadGrade::B => &self.b,
            LeadGrade::C => &self.c,
        }
    }

    /// Each grade with its value, hottest first.
    pub fn iter(&self) -> impl Iterator<Item = (LeadGrade, &T)> {
        LeadGrade::ALL.iter().map(move |&g| (g, self.get(g)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stated_window_gives_the_grade() {
        use PurchaseTimeframe::*;
        let cases = [
            (Some(Within7Days), LeadGrade::H),
            (Some(Within15Days), LeadGrade::A),
            (Some(Within30Days), LeadGrade::B),
            (Some(Within90Days), LeadGrade::C),
            (Some(Later), LeadGrade::C),
            (Some(Unknown), LeadGrade::C),
            (None, LeadGrade::C),
        ];
        for (timeframe, grade) in cases {
            assert_eq!(LeadGrade::from_timeframe(timeframe), grade, "{timeframe:?}");
        }
    }

    #[test]
    fn raising_and_lowering_stop_at_the_ends() {
        assert_eq!(LeadGrade::C.raised(1), LeadGrade::B);
        assert_eq!(LeadGrade::B.raised(5), LeadGrade::H);
        assert_eq!(LeadGrade::A.lowered(1), LeadGrade::B);
        assert_eq!(LeadGrade::A.lowered(9), LeadGrade::C);
        assert_eq!(LeadGrade::H.raised(u8::MAX), LeadGrade::H);
        assert!(LeadGrade::H < LeadGrade::C, "hottest sorts first");
    }

    #[test]
    fn per_grade_reads_its_wire_form() {
        let days: PerGrade<u32> = serde_json::from_str(r#"{"h":1,"a":3,"b":7,"c":15}"#).unwrap();
        assert_eq!(*days.get(LeadGrade::B), 7);
        let listed: Vec<_> = days.iter().map(|(g, d)| (g, *d)).collect();
        assert_eq!(listed[0], (LeadGrade::H, 1));
        assert!(serde_json::from_str::<PerGrade<u32>>(r#"{"h":1,"a":3,"b":7}"#).is_err());
    }
}
